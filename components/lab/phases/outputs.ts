import * as pulumi from "@pulumi/pulumi";
import { mermaidDiagram } from "../../../core/diagram";
import type { ObservedDataplane } from "../../../core/observed";
import type { ExpectedTopology } from "../../../core/topology";
import type { Workload } from "../../calico/workloads";
import { bgpTopologyOutput, type LabNodeOutput, type LabOutputs } from "../outputs";
import type { LabParts, NodePlace } from "../platform";

/** The outputs contract of every lab, from the parts its platform made. */
export function labOutputs(parts: LabParts): LabOutputs {
  const { expected, status } = parts;
  return {
    etcd: parts.datastore,
    ipPools: pulumi.output(parts.poolsYaml).apply((yaml) => ({ yaml, pools: [...parts.ipPools] })),
    cniConfig: pulumi.output(parts.cni),
    bgpTopology: pulumi
      .all([expected, status.observed, status.comparison])
      .apply(([topology, observed, comparison]) => bgpTopologyOutput(parts.bgp, topology, observed, comparison)),
    nodes: pulumi
      .all([expected, parts.places, parts.workloads, status.dataplane, parts.vpp ?? null])
      .apply(([topology, places, all, dataplane, vpp]) =>
        nodeOutputs(topology, places, all, dataplane).map((node) => ({ ...node, ...(vpp?.[node.name] ? { vpp: vpp[node.name] } : {}) })),
      ),
    diagram: pulumi
      .all([parts.datastore, expected, parts.workloads, status.observed])
      .apply(([datastore, topology, all, observed]) =>
        mermaidDiagram({ etcdAddress: datastore.address, expected: topology, observed, workloads: groupWorkloads(all) }),
      ),
    kubeconfig: parts.kubeconfig ? pulumi.secret(parts.kubeconfig) : undefined,
  };
}

function groupWorkloads(all: readonly Workload[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const w of all) (grouped[w.node] ??= []).push(w.address);
  return grouped;
}

function nodeOutputs(
  expected: ExpectedTopology,
  places: readonly NodePlace[],
  all: readonly Workload[],
  dataplane: ObservedDataplane,
): LabNodeOutput[] {
  return expected.nodes.map((node, i) => {
    const tunnel = dataplane.tunnels[node.name];
    const place = places[i];
    return {
      name: node.name,
      container: place?.container ?? "",
      underlayIp: node.address,
      asNumber: node.asNumber,
      role: node.role,
      blocks: [...(dataplane.blocks[node.name] ?? [])],
      tunnelAddress: tunnel?.vxlan ?? tunnel?.ipip ?? null,
      workloads: all.filter((w) => w.node === node.name).map((w) => ({ name: w.name, ip: w.address, namespace: w.namespace })),
      ...(place?.access ? { access: place.access } : {}),
      ...(place?.accelerator !== undefined ? { accelerator: place.accelerator } : {}),
    };
  });
}
