import * as pulumi from "@pulumi/pulumi";
import type { BgpSettings, IpPoolSettings } from "../../../core/config/types";
import { mermaidDiagram } from "../../../core/diagram";
import type { ObservedDataplane } from "../../../core/observed";
import type { VppNodeOutput } from "../../../core/scenarios/vpp-forwarding-status";
import { etcdEndpoint } from "../../../core/scenarios/bird";
import type { ExpectedTopology } from "../../../core/topology";
import type { BgpStatus } from "../../calico/bgp-status";
import type { Workload } from "../../calico/workloads";
import type { LabNode } from "../../substrates/substrate";
import { bgpTopologyOutput, type EtcdTlsOutput, type LabNodeOutput, type LabOutputs } from "../outputs";

export interface CalicoLabOutputsInputs {
  readonly etcd: LabNode;
  /** etcd's address in the address plan, as the diagram shows it. */
  readonly etcdAddress: string;
  /** Set when etcd serves TLS. */
  readonly etcdTls?: pulumi.Output<EtcdTlsOutput>;
  readonly nodes: readonly LabNode[];
  readonly bgp: Pick<BgpSettings, "asNumber" | "mode">;
  readonly expected: ExpectedTopology;
  readonly ipPools: readonly IpPoolSettings[];
  readonly poolsYaml: string;
  readonly cni: { readonly path: string; readonly conflist: string };
  readonly workloads: pulumi.Output<Workload[]>;
  readonly status: BgpStatus;
  /** Per node, its VPP (vpp-forwarding). */
  readonly vpp?: pulumi.Output<Record<string, VppNodeOutput>>;
  readonly kubeconfig?: pulumi.Output<string>;
}

/** The outputs contract of a lab made of a scenario on a substrate, from what its phases made. */
export function calicoLabOutputs(inputs: CalicoLabOutputsInputs): LabOutputs {
  const { etcd, etcdTls, nodes, expected, status } = inputs;
  return {
    etcd: pulumi.all([etcd.handle, etcd.accelerator, etcdTls ?? null]).apply(([container, accelerator, tls]) => ({
      endpoints: [etcdEndpoint(etcd.address, !!etcdTls)],
      address: etcd.address,
      container,
      tls,
      ...(accelerator !== undefined ? { accelerator } : {}),
    })),
    ipPools: pulumi.output({ yaml: inputs.poolsYaml, pools: [...inputs.ipPools] }),
    cniConfig: pulumi.output({ path: inputs.cni.path, conflist: inputs.cni.conflist }),
    bgpTopology: pulumi
      .all([status.observed, status.comparison])
      .apply(([observed, comparison]) => bgpTopologyOutput(inputs.bgp, expected, observed, comparison)),
    nodes: pulumi
      .all([
        pulumi.all(nodes.map((n) => n.handle)),
        pulumi.all(nodes.map((n) => n.accelerator)),
        inputs.workloads,
        status.dataplane,
        inputs.vpp ?? null,
      ])
      .apply(([handles, accelerators, all, dataplane, vpp]) =>
        nodeOutputs(expected, handles, all, dataplane).map((node, i) => ({
          ...node,
          access: nodes[i]?.access,
          ...(accelerators[i] !== undefined ? { accelerator: accelerators[i] } : {}),
          ...(vpp?.[node.name] ? { vpp: vpp[node.name] } : {}),
        })),
      ),
    diagram: pulumi
      .all([inputs.workloads, status.observed])
      .apply(([all, observed]) => mermaidDiagram({ etcdAddress: inputs.etcdAddress, expected, observed, workloads: groupWorkloads(all) })),
    kubeconfig: inputs.kubeconfig ? pulumi.secret(inputs.kubeconfig) : undefined,
  };
}

function groupWorkloads(all: readonly Workload[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const w of all) (grouped[w.node] ??= []).push(w.address);
  return grouped;
}

function nodeOutputs(
  expected: ExpectedTopology,
  handles: readonly string[],
  all: readonly Workload[],
  dataplane: ObservedDataplane,
): LabNodeOutput[] {
  return expected.nodes.map((node, i) => {
    const tunnel = dataplane.tunnels[node.name];
    return {
      name: node.name,
      container: handles[i] ?? "",
      underlayIp: node.address,
      asNumber: node.asNumber,
      role: node.role,
      blocks: [...(dataplane.blocks[node.name] ?? [])],
      tunnelAddress: tunnel?.vxlan ?? tunnel?.ipip ?? null,
      workloads: all.filter((w) => w.node === node.name).map((w) => ({ name: w.name, ip: w.address, namespace: w.namespace })),
    };
  });
}
