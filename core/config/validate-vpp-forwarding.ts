import { parseCidr, planUnderlay } from "../addressing";
import { vppUplinkAddress, VPP_WORKLOAD_NAME_MAX } from "../scenarios/vpp-forwarding";
import type { CrossCheck } from "./check";
import type { LabConfig } from "./types";

/** The lab's workload names on a node (`<node>-wl<i>`, components/calico/workloads.ts), the longest one. */
function longestWorkloadName(node: string, perNode: number): string {
  return `${node}-wl${perNode}`;
}

/**
 * Checks for the seed's VPP forwarding lab (scenario vpp-forwarding, docs/vpp.md): what VPP forwards here and what
 * the node-vpp image was built from. Each passes for the other scenarios.
 */
export function vppForwardingChecks(nodeNames: (config: LabConfig) => string[]): CrossCheck[] {
  return [
    {
      reads: ["scenario", "ipPools"],
      run: (config, report) => {
        if (config.scenario !== "vpp-forwarding") return;
        config.ipPools.forEach((pool, i) => {
          for (const mode of ["ipipMode", "vxlanMode"] as const) {
            if (pool[mode] !== "Never") {
              report(
                `ipPools[${i}].${mode}`,
                pool[mode],
                "scenario vpp-forwarding routes the blocks natively in VPP (af_packet uplinks on one L2 segment); VPP here has no IPIP or VXLAN tunnel to Calico's encapsulation: allowed is Never",
              );
            }
          }
        });
      },
    },
    {
      reads: ["scenario", "imageMode", "artifacts.calicoSource"],
      run: (config, report) => {
        if (config.scenario !== "vpp-forwarding") return;
        if (config.imageMode === "online") {
          report(
            "imageMode",
            config.imageMode,
            "scenario vpp-forwarding runs the node-vpp image, which only this machine's offline build makes (bash scripts/offline/build.sh --vpp); allowed are offline and auto",
          );
        }
        if (config.artifacts.calicoSource !== "") {
          report(
            "artifacts.calicoSource",
            config.artifacts.calicoSource,
            "scenario vpp-forwarding runs the node-vpp image, built on the pinned release's node image; a local Calico tree would not reach it: allowed is empty",
          );
        }
      },
    },
    {
      reads: ["scenario", "bgp.mode"],
      run: (config, report) => {
        if (config.scenario === "vpp-forwarding" && config.bgp.mode !== "mesh") {
          report(
            "bgp.mode",
            config.bgp.mode,
            "scenario vpp-forwarding is built and tested with the node-to-node mesh (its route agents map each BIRD next hop to that node's VPP); allowed is mesh",
          );
        }
      },
    },
    {
      reads: ["scenario", "underlay.cidr", "calico", "substrate", "workloads.perNode"],
      run: (config, report) => {
        if (config.scenario !== "vpp-forwarding") return;
        const underlay = parseCidr(config.underlay.cidr);
        const names = nodeNames(config);
        const tooLong = names.filter((node) => longestWorkloadName(node, config.workloads.perNode).length > VPP_WORKLOAD_NAME_MAX);
        if (tooLong.length > 0) {
          report(
            config.calico.names.length > 0 ? "calico.names" : "calico.namePrefix",
            config.calico.names.length > 0 ? config.calico.names : config.calico.namePrefix,
            `a workload's VPP interface is named after it (v-<node>-wl<i>, at most 15 characters), so node names of at most ${VPP_WORKLOAD_NAME_MAX - longestWorkloadName("", config.workloads.perNode).length} characters are allowed with workloads.perNode ${config.workloads.perNode}; too long: ${tooLong.join(", ")}`,
          );
        }
        if (!underlay || underlay.version !== 4) return;
        const last = planUnderlay(underlay, names.length).nodes.at(-1);
        try {
          if (last) vppUplinkAddress(underlay, last);
        } catch {
          report(
            "calico.nodes",
            config.calico.nodes,
            `each node's VPP uplink takes the node's address moved into the upper half of underlay ${underlay.cidr}, so the nodes must fit in its lower half; use a larger underlay or fewer nodes`,
          );
        }
      },
    },
  ];
}
