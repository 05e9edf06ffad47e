import * as pulumi from "@pulumi/pulumi";
import { labSettings } from "./components/lab/settings";
import { StepProvider } from "./components/lab/step-provider";
import { labNameFor } from "./core/config/keys";

/** Long enough for the provider's registration to leave this process before the program's synchronous loading starts. */
const REGISTRATION_HEAD_START_MS = 50;

/**
 * The program's entry: the settings are checked first (a bad one is refused before anything is declared), then
 * the provider of the lab's steps is declared and its registration let go out, and only then is the rest of
 * the program loaded (program.ts), so that the engine starts the provider's process while the program's modules
 * load instead of after them. The stack's outputs are what program.ts returns.
 */
export = async (): Promise<Record<string, unknown>> => {
  const settings = labSettings();
  const steps = new StepProvider(`${labNameFor(pulumi.getStack())}-steps`);
  await new Promise((resolve) => setTimeout(resolve, REGISTRATION_HEAD_START_MS));
  const { runProgram } = await import("./program");
  return runProgram(settings, steps);
};
