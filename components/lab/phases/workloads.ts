import type * as pulumi from "@pulumi/pulumi";
import { CniConfig } from "../../calico/cni-config";
import { Workloads } from "../../calico/workloads";
import type { PreparedDatastore, WorkloadPlumbing } from "../../scenarios/scenario";
import type { StepTarget } from "../node-step";
import type { CalicoNodes } from "./calico-nodes";

export interface WorkloadsInputs {
  readonly lab: string;
  readonly parent: pulumi.Resource;
  /** The calico + calico-ipam conflist written onto every node. */
  readonly conflist: string;
  /** The CNI network's name. */
  readonly network: string;
  readonly perNode: number;
  /** Per node (same order), its tools' install. */
  readonly installs: readonly (pulumi.Resource | undefined)[];
  /** The IP pools: no workload before them. */
  readonly pools: readonly pulumi.Resource[];
  /** A datastore object made for each workload (kdd: its Pod). */
  readonly workloadObject?: PreparedDatastore["workloadObject"];
  /** The scenario's own plumbing (vpp-forwarding: vpp-lab); by default cnitool with the conflist. */
  readonly plumbing?: WorkloadPlumbing;
  /** The datastore's node (see WorkloadsArgs.datastore). */
  readonly datastore?: StepTarget;
}

/** Each node's own chain: its conf once it is set up, its workloads once its tools and conf are in and the pools exist. */
export function plumbWorkloads(inputs: WorkloadsInputs, calico: CalicoNodes): { cni: CniConfig; workloads: Workloads } {
  const { lab, parent } = inputs;
  const cni = new CniConfig(`${lab}-cni`, { conflist: inputs.conflist, nodes: calico.nodes, after: calico.ready }, { parent });
  const workloads = new Workloads(
    `${lab}-workloads`,
    {
      nodes: calico.nodes.map((node) => ({ ...node, nodeName: node.node })),
      perNode: inputs.perNode,
      network: inputs.network,
      after: calico.nodes.map((_, i) => [...[inputs.installs[i], cni.writes[i]].filter((r) => r !== undefined), ...inputs.pools]),
      ...(inputs.workloadObject ? { objectFor: inputs.workloadObject } : {}),
      ...(inputs.plumbing ? { plumbing: inputs.plumbing } : {}),
      ...(inputs.datastore ? { datastore: inputs.datastore } : {}),
    },
    { parent },
  );
  return { cni, workloads };
}
