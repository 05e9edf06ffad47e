import * as pulumi from "@pulumi/pulumi";
import { workloadAddScript, workloadDelScript, type WorkloadRef } from "../../core/node-scripts";
import { parseCnitoolAdd } from "../../core/parsers/cnitool-result";
import { goesWithNode, nodeStep, type StepTarget } from "../lab/node-step";
import { readStep } from "../lab/user-error";
import type { PreparedDatastore, WorkloadPlumbing } from "../scenarios/scenario";

export interface WorkloadNode extends StepTarget {
  readonly nodeName: string;
}

export interface WorkloadsArgs {
  readonly nodes: readonly WorkloadNode[];
  /** Test workloads per node. */
  readonly perNode: number;
  /** The CNI network name in the conflist. */
  readonly network: pulumi.Input<string>;
  /** Per node (same order), what its workloads wait for: its CNI conf and tools, the pools. Give the component no `dependsOn`. */
  readonly after?: readonly (readonly pulumi.Resource[])[];
  /** The scenario's datastore object for each workload (kdd: its Pod), made before it is plumbed and removed after. */
  readonly objectFor?: PreparedDatastore["workloadObject"];
  /** How each workload is plumbed; by default cnitool with the node's conflist. */
  readonly plumbing?: WorkloadPlumbing;
  /** The datastore's node: where the addresses live, for plumbing whose addresses do not go with their node. */
  readonly datastore?: StepTarget;
}

/** The default: cnitool add and del with the CNI conflist the lab wrote on the node. */
export const CNITOOL_PLUMBING: WorkloadPlumbing = {
  add: workloadAddScript,
  del: workloadDelScript,
  parse: parseCnitoolAdd,
  releasedWithNode: true,
  deleteWhat: (namespace) => `cnitool del ${namespace}`,
  logHint: "see the node's CNI log (/var/log/calico/cni/cni.log) and run npm run lab:up again",
};

export interface Workload {
  readonly name: string;
  readonly node: string;
  readonly namespace: string;
  readonly address: string;
  readonly interfaces: readonly string[];
}

/** The workload's network namespace: named after node and index, since cnitool derives the IPAM handle from its path. */
export function workloadNamespace(nodeName: string, index: number): string {
  return `${nodeName}-wl${index}`;
}

/** Test workloads: a network namespace per workload inside its node, plumbed with `cnitool add` (or the scenario's plumbing), removed with `cnitool del`. */
export class Workloads extends pulumi.ComponentResource {
  public readonly workloads: pulumi.Output<Workload[]>;

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:cni:Workloads", name, {}, opts);
    const added: pulumi.Output<Workload>[] = [];
    const plumbing = args.plumbing ?? CNITOOL_PLUMBING;
    args.nodes.forEach((node, nodeIndex) => {
      for (let index = 1; index <= args.perNode; index++) {
        const namespace = workloadNamespace(node.nodeName, index);
        const object = args.objectFor?.({ node: node.nodeName, name: namespace });
        const ref = pulumi
          .output(args.network)
          .apply((network): WorkloadRef => ({ node: node.nodeName, namespace, network, ...(object?.pod ? { pod: object.pod } : {}) }));
        const made = object?.make(`${name}-${nodeIndex + 1}-${index}-object`, {
          parent: this,
          dependsOn: [...(args.after?.[nodeIndex] ?? [])],
        });
        // The object and its wiring are one: an object made anew (its identity changed) replaces the wiring,
        // deleting first, so the plugin releases the old address (DEL) before it wires the new object (ADD).
        const step = nodeStep(
          `${name}-${nodeIndex + 1}-${index}`,
          node,
          {
            create: ref.apply((r) => plumbing.add(r)),
            delete: ref.apply((r) => plumbing.del(r)),
            deleteWhat: plumbing.deleteWhat(namespace),
            ...(made ? { triggers: [made.identity] } : {}),
          },
          {
            parent: this,
            dependsOn: [...(args.after?.[nodeIndex] ?? []), ...(made ? [made.resource] : [])],
            ...(plumbing.releasedWithNode ? {} : goesWithNode(args.datastore)),
          },
        );
        added.push(
          pulumi.all([ref, step.stdout]).apply(([r, stdout]) => {
            const result = readStep(`workload ${r.namespace} on ${r.node}`, plumbing.logHint, () => plumbing.parse(stdout));
            return {
              name: r.namespace,
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
