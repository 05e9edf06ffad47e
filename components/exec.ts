import * as pulumi from "@pulumi/pulumi";
import { HostCommand, type HostCommandArgs } from "./host-command";

export type HostStepArgs = HostCommandArgs;

/**
 * A bash step run on the machine running Pulumi (docker exec, docker cp, calicoctl through a node).
 * Replacements delete first: a workload's `cnitool del` after its replacement's `cnitool add` would
 * release the new workload's address, since both use the same CNI_CONTAINERID.
 */
export function hostStep(name: string, args: HostStepArgs, opts: pulumi.CustomResourceOptions): HostCommand {
  return new HostCommand(name, args, pulumi.mergeOptions({ deleteBeforeReplace: true }, opts));
}
