import * as pulumi from "@pulumi/pulumi";
import { run, sleep } from "./process";

export interface ProbeReading {
  readonly stdout: string;
  readonly error?: string;
}

/** Waiting for the lab to settle: a command that passes once it has, and what to do when it never does. */
export interface ProbeReadiness {
  readonly command: string[];
  readonly timeoutSeconds: number;
  /** When set, a lab that never gets ready fails the step with this reason and the output of these commands. */
  readonly failure?: { readonly reason: string; readonly diagnostics: Record<string, string[]> };
}

interface ProbeState {
  readonly commands: Record<string, string[]>;
  readonly ready?: ProbeReadiness;
  readonly triggers: unknown;
  readonly readings: Record<string, ProbeReading>;
}

/** Runs the read commands a few at a time (each is a trip into a node), keeping their order in the result. */
async function readAll(commands: Record<string, string[]>): Promise<Record<string, ProbeReading>> {
  const entries = Object.entries(commands);
  const results: ProbeReading[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < entries.length; i = next++) {
      const [what, argv] = entries[i] ?? ["", []];
      const result = await run(argv, undefined, { what: `reading ${what}` }).catch((error: Error) => ({
        code: -1,
        stdout: "",
        stderr: error.message,
      }));
      results[i] =
        result.code === 0 ? { stdout: result.stdout } : { stdout: result.stdout, error: `exit ${result.code}: ${result.stderr.trim()}` };
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return Object.fromEntries(entries.map(([key], i) => [key, results[i] ?? { stdout: "", error: "not read" }]));
}

/** Each diagnostic's output, its last lines only, so that the error stays readable. */
async function diagnose(failure: NonNullable<ProbeReadiness["failure"]>, timeoutSeconds: number): Promise<string> {
  const parts = [`${failure.reason} within ${timeoutSeconds}s.`];
  for (const [what, argv] of Object.entries(failure.diagnostics)) {
    const result = await run(argv, undefined, { what }).catch((error: Error) => ({ code: -1, stdout: "", stderr: error.message }));
    const lines = `${result.stdout}${result.stderr}`.trim().split("\n").slice(-15).join("\n    ");
    parts.push(`  ${what}:\n    ${lines || "(nothing)"}`);
  }
  return parts.join("\n");
}

/**
 * Reads the live lab: on create it first waits (up to a deadline) for the ready command to pass, then
 * runs each read command; on refresh it reads again, so the state always shows what the lab is doing.
 * A lab that never gets ready fails the step with diagnostics, unless no `failure` is given: the readings
 * then show what is wrong.
 */
const probeProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ProbeState) {
    if (inputs.ready) {
      const deadline = Date.now() + inputs.ready.timeoutSeconds * 1000;
      let ready = false;
      const wait = { deadlineSeconds: inputs.ready.timeoutSeconds + 60, what: "waiting for the lab to settle" };
      while (!(ready = (await run(inputs.ready.command, undefined, wait)).code === 0) && Date.now() < deadline) await sleep(500);
      if (!ready && inputs.ready.failure) throw new Error(await diagnose(inputs.ready.failure, inputs.ready.timeoutSeconds));
    }
    const readings = await readAll(inputs.commands);
    return { id: `probe-${Date.now().toString(36)}`, outs: { ...inputs, readings } };
  },

  async read(id: string, props: ProbeState) {
    return { id, props: { ...props, readings: await readAll(props.commands) } };
  },

  async diff(_id: string, olds: ProbeState, news: ProbeState) {
    const replaces = (["commands", "ready", "triggers"] as const).filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
    return { changes: replaces.length > 0, replaces: [...replaces] };
  },
};

export interface LiveProbeArgs {
  /** Named commands whose output is kept; each is an argv run on the machine running Pulumi. */
  readonly commands: pulumi.Input<Record<string, pulumi.Input<string[]>>>;
  readonly ready?: pulumi.Input<ProbeReadiness>;
  /** Any change here reads the lab again (e.g. container ids after a node is recreated). */
  readonly triggers?: pulumi.Input<unknown>;
}

export class LiveProbe extends pulumi.dynamic.Resource {
  declare public readonly readings: pulumi.Output<Record<string, ProbeReading>>;

  constructor(name: string, args: LiveProbeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      probeProvider,
      name,
      { commands: args.commands, ready: args.ready, triggers: args.triggers ?? null, readings: undefined },
      opts,
      "calicolab",
      "LiveProbe",
    );
  }
}
