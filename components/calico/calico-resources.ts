import * as pulumi from "@pulumi/pulumi";
import { calicoResourceIdentities } from "../../core/calico-identity";
import { calicoctlApplyScript, calicoctlDeleteScript, type DatastoreEnv } from "../../core/node-scripts";
import { nodeStep, type StepTarget } from "../lab/node-step";

export interface CalicoResourcesArgs {
  /** Calico resources as a YAML stream, as `calicoctl apply -f` takes them. */
  readonly yaml: pulumi.Input<string>;
  /** The node calicoctl runs in. */
  readonly node: StepTarget;
  /** How calicoctl reaches the datastore (the scenario's). */
  readonly datastore: pulumi.Input<DatastoreEnv>;
  /** Apply anew, deleting first, when these change (e.g. the datastore node was made anew). */
  readonly triggers?: pulumi.Input<unknown>[];
}

/**
 * Calico resources (IP pools, BGP configuration, peers) applied with calicoctl on create and deleted on destroy.
 * A change to them is applied in place, as a Calico user would `calicoctl apply` it: deleting a pool would release
 * its blocks' affinities and the nodes would route their workloads as borrowed /32s. Only a change of what makes
 * them other resources (a name, a pool's cidr or block size, which Calico cannot change in place) deletes first.
 */
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
        update: scripts.applyScript,
        delete: scripts.deleteScript,
        deleteWhat: "calicoctl delete",
        triggers: [pulumi.output(args.yaml).apply(calicoResourceIdentities), ...(args.triggers ?? [])],
      },
      { parent: this },
    );
    this.yaml = pulumi.output(args.yaml);
    this.registerOutputs({ yaml: this.yaml });
  }
}
