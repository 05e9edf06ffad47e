import * as pulumi from "@pulumi/pulumi";
import type { NodeShell } from "../../core/transports/node-shell";
import { HostCommand, type HostCommandArgs } from "./host-command";

export type HostStepArgs = HostCommandArgs;

/**
 * A bash step run on the machine running Pulumi (docker network rules, tool downloads, probes).
 * Replacements delete first: a workload's `cnitool del` after its replacement's `cnitool add` would
 * release the new workload's address, since both use the same CNI_CONTAINERID.
 */
export function hostStep(name: string, args: HostStepArgs, opts: pulumi.CustomResourceOptions): HostCommand {
  return new HostCommand(name, args, pulumi.mergeOptions({ deleteBeforeReplace: true }, opts));
}

/** The part of a lab node a step needs: how to reach it, and what changes when it is made anew. */
export interface StepTarget {
  readonly shell: NodeShell;
  readonly instanceId: pulumi.Input<string>;
  /** Deleting this takes the step's work away with the node: see LabNode.deletedWith. */
  readonly deletedWith?: pulumi.Resource;
}

/**
 * The resource options of something that lives inside `node` (or in what it holds): deleted with the node's
 * `deletedWith` resource, so its own delete is skipped when that goes in the same update. None where the
 * node outlives the lab (ssh hosts), or there is no node.
 */
export function goesWithNode(node: { readonly deletedWith?: pulumi.Resource | undefined } | undefined): {
  deletedWith?: pulumi.Resource;
} {
  return node?.deletedWith ? { deletedWith: node.deletedWith } : {};
}

export interface NodeStepArgs {
  /** Node-side script run on create (and on replace, after delete); its stdout becomes the step's `stdout`. */
  readonly create: pulumi.Input<string>;
  /** Node-side script run on delete; a node that is already gone only warns. */
  readonly delete?: pulumi.Input<string>;
  /** Node-side script run in place of a replacement when a script changed and the triggers did not. */
  readonly update?: pulumi.Input<string>;
  /** What the delete does, for the warning when the node is gone. */
  readonly deleteWhat?: string;
  /** More reasons to run again, besides the node being made anew. */
  readonly triggers?: pulumi.Input<unknown>[];
}

/**
 * A step inside one node: its node-side scripts wrapped by the node's transport, re-run when the node is
 * made anew. Its delete is skipped when the node's `deletedWith` resource is deleted in the same update
 * (destroy, or the node made anew); when only the step is replaced, its delete runs first as before.
 * A caller's `deletedWith` (e.g. the datastore that holds what the step made) wins.
 */
export function nodeStep(name: string, target: StepTarget, args: NodeStepArgs, opts: pulumi.CustomResourceOptions): HostCommand {
  const remove = args.delete;
  const update = args.update;
  return hostStep(
    name,
    {
      create: pulumi.output(args.create).apply((script) => target.shell.run(script)),
      ...(update !== undefined ? { update: pulumi.output(update).apply((script) => target.shell.run(script)) } : {}),
      ...(remove !== undefined
        ? { delete: pulumi.output(remove).apply((script) => target.shell.run(script, { tolerate: args.deleteWhat ?? name })) }
        : {}),
      triggers: [target.instanceId, ...(args.triggers ?? [])],
    },
    pulumi.mergeOptions(goesWithNode(target), opts),
  );
}
