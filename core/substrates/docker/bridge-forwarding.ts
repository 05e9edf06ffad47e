import { shellJoin } from "../../shell";

/**
 * Docker drops forwarded packets on an --internal network whose source or destination lies outside the
 * network's subnet (DOCKER-ISOLATION-STAGE-1), and with br_netfilter that includes frames bridged
 * between two containers of the network. Workload traffic routed by BIRD without encapsulation
 * (10.1.x.x between node containers) is exactly that, so an internal lab network admits traffic that
 * enters and leaves its own bridge, and nothing else: still no route out of the machine.
 *
 * The rule goes in two chains. DOCKER-USER is the one Docker keeps for users' rules. But whenever any
 * network is created on the engine, Docker moves FORWARD's jump to DOCKER-USER back to the top by
 * deleting it and inserting it again; for that instant frames skip DOCKER-USER and meet the isolation
 * chain's drop (15 networks created and removed beside a 100-a-second ping between workloads lost 2.4%
 * of it; one CI run lost a 3-ping check's first packet). The same rule at the top of
 * DOCKER-ISOLATION-STAGE-1 holds through that window: Docker only inserts rules there that name other
 * bridges, and moves FORWARD's jump to it while the jump to DOCKER-USER stands.
 */
export const INTRA_BRIDGE_CHAINS = ["DOCKER-USER", "DOCKER-ISOLATION-STAGE-1"] as const;

/** The Linux bridge Docker creates for a user-defined network, named from the network id. */
export function bridgeInterface(networkId: string): string {
  if (!/^[0-9a-f]{12,}$/.test(networkId)) throw new Error(`not a Docker network id: ${JSON.stringify(networkId)}`);
  return `br-${networkId.slice(0, 12)}`;
}

/**
 * Stands for the bridge in rules given before the network exists: its bridge is named from its id. The lab
 * network's provider (providers/steps/network.go) puts the bridge in its place.
 */
export const BRIDGE_MARKER = "{bridge}";

/** The rule's iptables arguments in each chain, the chain first, for this bridge (or BRIDGE_MARKER). */
export function intraBridgeRules(bridge: string, networkName: string): string[][] {
  return INTRA_BRIDGE_CHAINS.map((chain) => [
    chain,
    "-i",
    bridge,
    "-o",
    bridge,
    "-m",
    "comment",
    "--comment",
    `calico-lab:${networkName}`,
    "-j",
    "ACCEPT",
  ]);
}

export function allowIntraBridgeScript(networkId: string, networkName: string): string {
  return [
    "set -euo pipefail",
    `command -v iptables >/dev/null || { echo "calico-lab: iptables not found on this machine; an internal lab network needs it to let routed workload traffic cross its bridge" >&2; exit 1; }`,
    ...intraBridgeRules(bridgeInterface(networkId), networkName).map(
      (rule) => `${shellJoin(["iptables", "-C", ...rule])} 2>/dev/null || ${shellJoin(["iptables", "-I", ...rule])}`,
    ),
  ].join("\n");
}

export function removeIntraBridgeScript(networkId: string, networkName: string): string {
  return [
    ...intraBridgeRules(bridgeInterface(networkId), networkName).map(
      (rule) => `while ${shellJoin(["iptables", "-D", ...rule])} 2>/dev/null; do :; done`,
    ),
    "true",
  ].join("; ");
}
