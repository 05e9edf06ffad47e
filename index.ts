import * as pulumi from "@pulumi/pulumi";
import { labSettings } from "./components/lab/settings";
import { HostStepProvider } from "./components/lab/step-provider";
import { labNameFor } from "./core/config/keys";

/** Long enough for the provider's registration to leave this process before the program's synchronous loading starts. */
const REGISTRATION_HEAD_START_MS = 50;

/**
 * A RunError (a refused setting, a machine check) as Pulumi prints it, its message alone, without the stack
 * frames Pulumi would hide anyway. Thrown out of this async entry with its frames, Pulumi's Node.js host
 * formats it for its trace with Node's coloured inspect, which on these frames (the host's own, source-mapped)
 * runs for a long time and then gives up: a refused setting would be said many times later than it can be.
 */
function withoutFrames(error: pulumi.RunError): pulumi.RunError {
  const bare = new pulumi.RunError(error.message);
  bare.stack = error.message;
  return bare;
}

/**
 * The program's entry: the settings are checked first (a bad one is refused before anything is declared), then
 * the provider of the lab's own resources (the Go provider of providers/steps) is declared and its registration
 * let go out, and only then is the rest of the program loaded (program.ts), so that the engine starts the
 * provider's process while the program's modules load instead of after them. The stack's outputs are what program.ts returns.
 */
export = async (): Promise<Record<string, unknown>> => {
  try {
    const settings = labSettings();
    const steps = new HostStepProvider(`${labNameFor(pulumi.getStack())}-host-steps`);
    await new Promise((resolve) => setTimeout(resolve, REGISTRATION_HEAD_START_MS));
    const { runProgram } = await import("./program");
    return await runProgram(settings, steps);
  } catch (error) {
    throw pulumi.RunError.isInstance(error) ? withoutFrames(error) : error;
  }
};
