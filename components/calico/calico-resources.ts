import * as pulumi from "@pulumi/pulumi";
import { calicoctlApplyScript, calicoctlDeleteScript, type DatastoreEnv } from "../../core/node-scripts";
import { nodeStep, type StepTarget } from "../lab/node-step";

export interface CalicoResourcesArgs {
  /** Calico resources as a YAML stream, as `calicoctl apply -f` takes them. */
  readonly yaml: pulumi.Input<string>;
  /** The node calicoctl runs in. */
  readonly node: StepTarget;
  /** How calicoctl reaches the datastore (the scenario's). */
  readonly datastore: pulumi.Input<DatastoreEnv>;
  /** Re-apply when these change (e.g. the datastore node was made anew). */
  readonly triggers?: pulumi.Input<unknown>[];
}

/** Calico resources (IP pools, BGP configuration, peers) applied with calicoctl on create and deleted on destroy. */
export class CalicoResources extends pulumi.ComponentResource {
  public readonly yaml: pulumi.Output<string>;

  constructor(name: string, args: CalicoResourcesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:calico:CalicoResources", name, {}, opts);
    const scripts = pulumi.all([args.datastore, args.yaml]).apply(([env, yaml]) => ({
      applyScript: calicoctlApplyScript(env, yaml),
      deleteScript: calicoctlDeleteScript(env, yaml),
    }));
    nodeStep(
      `${name}-apply`,
      args.node,
      {
        create: scripts.applyScript,
        delete: scripts.deleteScript,
        deleteWhat: "calicoctl delete",
        triggers: [args.yaml, ...(args.triggers ?? [])],
      },
      { parent: this },
    );
    this.yaml = pulumi.output(args.yaml);
    this.registerOutputs({ yaml: this.yaml });
  }
}
