import * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "../../../core/addressing";
import type { BgpSettings, IpPoolSettings } from "../../../core/config/types";
import type { ExpectedTopology } from "../../../core/topology";
import { BgpStatus } from "../../calico/bgp-status";
import type { CalicoNodes } from "./calico-nodes";

export interface StatusInputs {
  readonly lab: string;
  readonly parent: pulumi.Resource;
  readonly expected: ExpectedTopology;
  readonly bgp: Pick<BgpSettings, "convergeTimeoutSeconds" | "failWhenNotConverged">;
  readonly ipPools: readonly IpPoolSettings[];
  readonly workloadsPerNode: number;
  /** What the status is read after: the workloads, the BGP settings and the reflectors' marks. */
  readonly after: readonly pulumi.Resource[];
  /** The scenario's forwarding plane besides the kernel (vpp-forwarding: VPP), read and waited for with the rest. */
  readonly forwarding?: { readonly reads: Readonly<Record<string, string>>; readonly ready: string };
}

/** The live BGP status, read from the nodes once everything is in, compared with what the settings expect. */
export function watchStatus(inputs: StatusInputs, calico: CalicoNodes): BgpStatus {
  return new BgpStatus(
    `${inputs.lab}-bgp-status`,
    {
      expected: inputs.expected,
      nodes: calico.nodes.map((node) => ({ ...node, nodeName: node.node })),
      pools: inputs.ipPools.flatMap((pool) => parseCidr(pool.cidr) ?? []),
      dataplane: {
        vxlan: inputs.ipPools.some((pool) => !pool.disabled && pool.vxlanMode !== "Never"),
        // every other node holds a block once it has a workload
        remoteBlocks: inputs.workloadsPerNode > 0 ? calico.nodes.length - 1 : 0,
      },
      timeoutSeconds: inputs.bgp.convergeTimeoutSeconds,
      failWhenNotConverged: inputs.bgp.failWhenNotConverged,
      ...(inputs.forwarding ? { forwarding: inputs.forwarding } : {}),
    },
    { parent: inputs.parent, dependsOn: [...inputs.after] },
  );
}
