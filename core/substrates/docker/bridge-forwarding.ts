import { shellJoin } from "../../shell";

/**
 * Docker drops forwarded packets on an --internal network whose source or destination lies outside the
 * network's subnet (DOCKER-ISOLATION-STAGE-1), and with br_netfilter that includes frames bridged
 * between two containers of the network. Workload traffic routed by BIRD without encapsulation
 * (10.1.x.x between node containers) is exactly that, so an internal lab network admits traffic that
 * enters and leaves its own bridge, and nothing else: still no route out of the machine.
 */

/** The Linux bridge Docker creates for a user-defined network, named from the network id. */
export function bridgeInterface(networkId: string): string {
  if (!/^[0-9a-f]{12,}$/.test(networkId)) throw new Error(`not a Docker network id: ${JSON.stringify(networkId)}`);
  return `br-${networkId.slice(0, 12)}`;
}

function ruleArgs(bridge: string, networkName: string): string[] {
  return ["DOCKER-USER", "-i", bridge, "-o", bridge, "-m", "comment", "--comment", `calico-lab:${networkName}`, "-j", "ACCEPT"];
}

export function allowIntraBridgeScript(networkId: string, networkName: string): string {
  const rule = ruleArgs(bridgeInterface(networkId), networkName);
  return [
    "set -euo pipefail",
    `command -v iptables >/dev/null || { echo "calico-lab: iptables not found on this machine; an internal lab network needs it to let routed workload traffic cross its bridge" >&2; exit 1; }`,
    `${shellJoin(["iptables", "-C", ...rule])} 2>/dev/null || ${shellJoin(["iptables", "-I", ...rule])}`,
  ].join("\n");
}

export function removeIntraBridgeScript(networkId: string, networkName: string): string {
  const rule = ruleArgs(bridgeInterface(networkId), networkName);
  return `while ${shellJoin(["iptables", "-D", ...rule])} 2>/dev/null; do :; done; true`;
}
