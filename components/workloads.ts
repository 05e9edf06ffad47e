import * as pulumi from "@pulumi/pulumi";
import { workloadAddScript, workloadDelScript, type WorkloadRef } from "../core/lab-scripts";
import { parseCnitoolAdd } from "../core/parsers/cnitool-result";
import { hostStep } from "./exec";

export interface WorkloadNode {
  readonly nodeName: pulumi.Input<string>;
  readonly container: pulumi.Input<string>;
  readonly containerId: pulumi.Input<string>;
}

export interface WorkloadsArgs {
  readonly nodes: readonly WorkloadNode[];
  /** Test workloads per node. */
  readonly perNode: number;
  /** The CNI network name in the conflist. */
  readonly network: pulumi.Input<string>;
}

export interface Workload {
  readonly name: string;
  readonly node: string;
  readonly namespace: string;
  readonly address: string;
  readonly interfaces: readonly string[];
}

/** Test workloads: a network namespace per workload inside its node, plumbed with `cnitool add`, removed with `cnitool del`. */
export class Workloads extends pulumi.ComponentResource {
  public readonly workloads: pulumi.Output<Workload[]>;

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:cni:Workloads", name, {}, opts);
    const added: pulumi.Output<Workload>[] = [];
    args.nodes.forEach((node, nodeIndex) => {
      for (let index = 1; index <= args.perNode; index++) {
        const ref = pulumi.all([node.nodeName, node.container, args.network]).apply(
          ([nodeName, container, network]): WorkloadRef => ({
            node: nodeName,
            container,
            namespace: `wl${index}`,
            containerId: `${name}-${nodeName}-wl${index}`,
            network,
          }),
        );
        const step = hostStep(
          `${name}-${nodeIndex + 1}-${index}`,
          { create: ref.apply(workloadAddScript), delete: ref.apply(workloadDelScript), triggers: [node.containerId] },
          { parent: this },
        );
        added.push(
          pulumi.all([ref, step.stdout]).apply(([r, stdout]) => {
            const result = parseCnitoolAdd(stdout);
            return {
              name: `${r.node}-${r.namespace}`,
              node: r.node,
              namespace: r.namespace,
              address: result.addresses[0] ?? "",
              interfaces: [...result.interfaces],
            };
          }),
        );
      }
    });
    this.workloads = pulumi.all(added);
    this.registerOutputs({ workloads: this.workloads });
  }
}
