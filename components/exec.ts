import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

export interface HostStepArgs {
  readonly create: pulumi.Input<string>;
  readonly delete?: pulumi.Input<string>;
  /** Any change re-runs the step (delete, then create), e.g. a node container's id after it is recreated. */
  readonly triggers?: pulumi.Input<unknown>[];
}

/**
 * A bash step run on the machine running Pulumi (docker exec, docker cp, calicoctl through a node).
 * Replacements delete first: a workload's `cnitool del` after its replacement's `cnitool add` would
 * release the new workload's address, since both use the same CNI_CONTAINERID.
 */
export function hostStep(name: string, args: HostStepArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  return new command.local.Command(
    name,
    {
      create: args.create,
      delete: args.delete,
      interpreter: ["/bin/bash", "-c"],
      triggers: args.triggers,
    },
    pulumi.mergeOptions({ deleteBeforeReplace: true }, opts),
  );
}
