import * as pulumi from "@pulumi/pulumi";
import { runScript } from "./process";
import { dynamicType, stepsResourceOptions, stepsType } from "./step-provider";

/** The type of the lab's steps: the one resource of the calicolab-steps provider (providers/steps). */
export const HOST_COMMAND_TYPE = stepsType("HostCommand");
/** What the type was while the steps ran on Pulumi's Node.js dynamic provider: an alias, so those steps are kept. */
export const DYNAMIC_HOST_COMMAND_TYPE = dynamicType("HostCommand");

/** A step without a wait of its own (downloads, builds, image copies) that runs longer than this is wedged. */
export const HOST_STEP_DEADLINE_SECONDS = 3600;

/** A step's own wait plus a margin of as long again, at most a minute: past it, a docker exec or ssh session is wedged. */
function stepDeadline(timeoutSeconds: number | null | undefined): number {
  return timeoutSeconds ? timeoutSeconds + Math.min(timeoutSeconds, 60) : HOST_STEP_DEADLINE_SECONDS;
}

interface HostCommandState {
  readonly create: string;
  readonly delete?: string;
  readonly update?: string | null;
  readonly read?: string | null;
  readonly triggers: unknown;
  readonly stdout: string;
  readonly timeoutSeconds?: number | null;
}

const REPLACE_ON = ["create", "delete", "triggers"] as const;
/** With an `update` script, only the triggers replace: a changed script is run in place. */
const REPLACE_ON_WITH_UPDATE = ["triggers"] as const;
const SCRIPTS = ["create", "delete", "update"] as const;

/** bash without ~/.bashrc (see HOST_BASH_SCRIPT), for commands whose script carries no secret (the probes' reads). */
export const HOST_BASH = ["/bin/bash", "--norc", "-c"] as const;

async function bash(script: string, step: string, timeoutSeconds: number | null | undefined): Promise<string> {
  const result = await runScript(script, { deadlineSeconds: stepDeadline(timeoutSeconds), what: step });
  if (result.code !== 0) {
    const said = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-20).join("\n");
    throw new Error(`${step} failed (exit ${result.code}):\n${said}`);
  }
  return result.stdout;
}

/**
 * The semantics of a HostCommand, run in this process: what the Go provider (providers/steps) does for the engine,
 * here for the tests that run the lab's steps for real under mocks. A bash script is run when the resource is
 * created and another when it is deleted (command.local.Command's shape). Any change of its scripts or triggers
 * replaces it, deleting first, unless it has an `update` script: then only its triggers replace it, and a changed
 * script runs `update`. An optional `read` script is its refresh: exit 0 keeps it, any other exit drops it from
 * the state (a VM killed by hand), so the next up creates it again; without one, refresh keeps it as it is.
 */
export const hostCommandProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: HostCommandState) {
    const stdout = await bash(inputs.create, "create", inputs.timeoutSeconds);
    return { id: `cmd-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, outs: { ...inputs, stdout } };
  },

  async read(id: string, props: HostCommandState) {
    if (!props.read) return { id, props };
    const result = await runScript(props.read, { deadlineSeconds: stepDeadline(props.timeoutSeconds), what: "read" });
    return result.code === 0 ? { id, props } : { id: "", props: {} };
  },

  async diff(_id: string, olds: HostCommandState, news: HostCommandState) {
    const changed = (key: keyof HostCommandState) => JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null);
    const replaces = (news.update ? REPLACE_ON_WITH_UPDATE : REPLACE_ON).filter(changed);
    const changes = replaces.length > 0 || changed("read") || SCRIPTS.some(changed);
    return { changes, replaces: [...replaces], deleteBeforeReplace: true };
  },

  async update(_id: string, olds: HostCommandState, news: HostCommandState) {
    const scriptsChanged = SCRIPTS.some((key) => (olds[key] ?? null) !== (news[key] ?? null));
    const stdout = news.update && scriptsChanged ? await bash(news.update, "update", news.timeoutSeconds) : olds.stdout;
    return { outs: { ...news, stdout } };
  },

  async delete(_id: string, props: HostCommandState) {
    if (props.delete) await bash(props.delete, "delete", props.timeoutSeconds);
  },
};

export interface HostCommandArgs {
  /** Run on create (and on replace, after delete); its stdout becomes the `stdout` output. */
  readonly create: pulumi.Input<string>;
  /** Run on delete with the inputs the resource was created with. */
  readonly delete?: pulumi.Input<string>;
  /**
   * Run in place of a replacement when a script changed but the triggers did not (e.g. `calicoctl apply` of a
   * changed resource); its stdout becomes the `stdout` output. Without it, any script change replaces.
   */
  readonly update?: pulumi.Input<string>;
  /** Run on refresh: exit 0 keeps the resource, any other exit drops it from the state (it is gone; up makes it again). */
  readonly read?: pulumi.Input<string>;
  /** Any change re-runs the command (delete, then create), e.g. a node container's id after it is recreated. */
  readonly triggers?: pulumi.Input<unknown>[];
  /** Seconds the step itself may wait (a readiness wait): its deadline is this plus a margin; default HOST_STEP_DEADLINE_SECONDS. */
  readonly timeoutSeconds?: number;
}

/**
 * A step of the lab: bash scripts on the machine running Pulumi (see hostCommandProvider for what runs when), served
 * by the calicolab-steps provider (providers/steps, built by scripts/offline/steps-provider.sh): a Go binary, so the
 * engine has it serving within milliseconds, where Node.js's dynamic provider first loads Node.js and Pulumi's SDK.
 * It runs on the calicolab-steps provider its parents were given (index.ts declares the program's), else the engine's default.
 */
export class HostCommand extends pulumi.CustomResource {
  declare public readonly stdout: pulumi.Output<string>;

  constructor(name: string, args: HostCommandArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      HOST_COMMAND_TYPE,
      name,
      {
        create: args.create,
        delete: args.delete ?? null,
        update: args.update ?? null,
        read: args.read ?? null,
        triggers: args.triggers ?? null,
        stdout: undefined,
        ...(args.timeoutSeconds !== undefined ? { timeoutSeconds: args.timeoutSeconds } : {}),
      },
      stepsResourceOptions("HostCommand", opts),
    );
  }
}
