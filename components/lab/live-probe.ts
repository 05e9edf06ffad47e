import * as pulumi from "@pulumi/pulumi";
import { stepsResourceOptions, stepsType } from "./step-provider";

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

export interface LiveProbeArgs {
  /** Named commands whose output is kept; each is an argv run on the machine running Pulumi. */
  readonly commands: pulumi.Input<Record<string, pulumi.Input<string[]>>>;
  readonly ready?: pulumi.Input<ProbeReadiness>;
  /** Any change here reads the lab again (e.g. container ids after a node is recreated). */
  readonly triggers?: pulumi.Input<unknown>;
}

/**
 * Reads the live lab, served by the calicolab-steps provider (providers/steps/probe.go): on create it first waits
 * (up to a deadline) for the ready command to pass, then runs each read command, a few at a time; on refresh it
 * reads again, so the state always shows what the lab is doing. A lab that never gets ready fails the step with
 * the diagnostics' output (in their names' order), unless no `failure` is given: the readings then show what is wrong.
 */
export class LiveProbe extends pulumi.CustomResource {
  declare public readonly readings: pulumi.Output<Record<string, ProbeReading>>;

  constructor(name: string, args: LiveProbeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      stepsType("LiveProbe"),
      name,
      { commands: args.commands, ready: args.ready, triggers: args.triggers ?? null, readings: undefined },
      stepsResourceOptions("LiveProbe", opts),
    );
  }
}
