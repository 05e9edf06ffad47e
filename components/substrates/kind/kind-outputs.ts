import * as pulumi from "@pulumi/pulumi";
import type { IpPoolSettings } from "../../../core/config/types";
import { mermaidDiagram } from "../../../core/diagram";
import type { ObservedTopology } from "../../../core/observed";
import { CALICO_CONFLIST } from "../../../core/substrates/kind/scripts";
import type { ExpectedTopology } from "../../../core/topology";
import { bgpTopologyOutput, type LabNodeOutput, type LabOutputs } from "../../lab/outputs";
import type { KindPod } from "../../scenarios/kind/pods";
import type { KindBgpStatus } from "./bgp-status";

export interface KindLabOutputsInputs {
  /** The control plane's node name. */
  readonly controlPlane: string;
  /** Its address on kind's network. */
  readonly controlPlaneIp: pulumi.Output<string>;
  readonly asNumber: number;
  /** The BGP mode: mesh, or routeReflectors. */
  readonly mode: string;
  readonly expected: pulumi.Output<ExpectedTopology>;
  readonly ipPools: readonly IpPoolSettings[];
  /** The pools as the lab applied them. */
  readonly poolsYaml: pulumi.Output<string>;
  readonly status: KindBgpStatus;
  readonly kubeconfig: pulumi.Output<string>;
  /** The workload Pods, one per node. */
  readonly pods: pulumi.Output<KindPod[]>;
  /** The engine the nodes run on (DOCKER_HOST form), for the nodes' access; docker's default when undefined. */
  readonly dockerHost?: string;
}

/** The outputs contract of a kind lab: the same outputs as every other lab, read from the cluster. */
export function kindLabOutputs(inputs: KindLabOutputsInputs): LabOutputs {
  const { controlPlaneIp, expected, status } = inputs;
  const bgp = { asNumber: inputs.asNumber, mode: inputs.mode };
  return {
    // The Kubernetes datastore: kind's own etcd on the control plane, behind the API server Calico talks to.
    etcd: controlPlaneIp.apply((address) => ({ endpoints: [`https://${address}:2379`], address, container: inputs.controlPlane })),
    ipPools: inputs.poolsYaml.apply((yaml) => ({ yaml, pools: [...inputs.ipPools] })),
    cniConfig: status.conflist.apply((conflist) => ({ path: CALICO_CONFLIST, conflist })),
    bgpTopology: pulumi
      .all([expected, status.observed, status.comparison])
      .apply(([exp, observed, comparison]) => bgpTopologyOutput(bgp, exp, observed, comparison)),
    nodes: pulumi
      .all([expected, status.observed, inputs.pods])
      .apply(([exp, observed, pods]) => kindNodeOutputs(exp, observed, pods, inputs.dockerHost)),
    diagram: pulumi
      .all([controlPlaneIp, expected, status.observed, inputs.pods])
      .apply(([etcdAddress, exp, observed, pods]) =>
        mermaidDiagram({ etcdAddress, expected: exp, observed, workloads: workloadsByNode(pods) }),
      ),
    kubeconfig: inputs.kubeconfig,
  };
}

function workloadsByNode(pods: readonly KindPod[]): Record<string, string[]> {
  const byNode: Record<string, string[]> = {};
  for (const pod of pods) (byNode[pod.node] ??= []).push(`${pod.name} ${pod.ip}`);
  return byNode;
}

/** The node rows: the container is the kind node itself, reached on its engine; its workloads are its Pods. */
function kindNodeOutputs(
  expected: ExpectedTopology,
  observed: ObservedTopology,
  pods: readonly KindPod[],
  dockerHost?: string,
): LabNodeOutput[] {
  return expected.nodes.map((node) => {
    const blocks = new Set<string>();
    for (const routes of Object.values(observed.routes)) for (const r of routes) if (r.viaNode === node.name) blocks.add(r.prefix);
    return {
      name: node.name,
      container: node.name,
      underlayIp: node.address,
      asNumber: node.asNumber,
      role: node.role,
      blocks: [...blocks].sort(),
      tunnelAddress: null,
      workloads: pods.filter((pod) => pod.node === node.name).map((pod) => ({ name: pod.name, ip: pod.ip, namespace: pod.namespace })),
      access: { transport: "docker", container: node.name, ...(dockerHost ? { dockerHost } : {}) },
    };
  });
}
