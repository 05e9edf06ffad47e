import * as pulumi from "@pulumi/pulumi";
import { calicoctlApplyScript, calicoctlDeleteScript } from "../core/lab-scripts";
import { hostStep } from "./exec";

export interface CalicoResourcesArgs {
  /** Calico resources as a YAML stream, as `calicoctl apply -f` takes them. */
  readonly yaml: pulumi.Input<string>;
  /** The node container calicoctl runs in. */
  readonly container: pulumi.Input<string>;
  readonly etcdEndpoints: pulumi.Input<string>;
  /** Re-apply when these change (e.g. the etcd container was recreated). */
  readonly triggers?: pulumi.Input<unknown>[];
}

/** Calico resources (IP pools, BGP configuration, peers) applied with calicoctl on create and deleted on destroy. */
export class CalicoResources extends pulumi.ComponentResource {
  public readonly yaml: pulumi.Output<string>;

  constructor(name: string, args: CalicoResourcesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:calico:CalicoResources", name, {}, opts);
    const scripts = pulumi.all([args.container, args.etcdEndpoints, args.yaml]).apply(([container, endpoints, yaml]) => ({
      applyScript: calicoctlApplyScript(container, endpoints, yaml),
      deleteScript: calicoctlDeleteScript(container, endpoints, yaml),
    }));
    hostStep(
      `${name}-apply`,
      { create: scripts.applyScript, delete: scripts.deleteScript, triggers: [args.yaml, ...(args.triggers ?? [])] },
      { parent: this },
    );
    this.yaml = pulumi.output(args.yaml);
    this.registerOutputs({ yaml: this.yaml });
  }
}
