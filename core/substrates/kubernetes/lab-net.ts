import { shellQuote } from "../../shell";
import { CALICO_NODE_SYSCTLS, NET_SYSCTLS_WRITABLE } from "../docker/container-spec";

/**
 * The lab network on the kubernetes substrate: a VXLAN device (`lab0`) in every lab Pod, carrying the
 * lab's own underlay addresses over the Pod network. The cluster sees only UDP between Pod addresses, so
 * the lab's plan (etcd .4, Calico nodes .5 onwards), BGP over those addresses and every pool mode work as
 * on the other substrates. Each Pod floods to the others, found through a headless Service; replies are
 * learned. This is how network emulators on Kubernetes link their nodes (KNE's meshnet: VXLAN between Pods).
 */
export const LAB_NET = {
  device: "lab0",
  /** VNI and port of the lab network's VXLAN; Calico's own VXLAN (VNI 4096, port 4789) runs inside it. */
  vni: 4242,
  port: 8472,
  /** The headless Service whose DNS name lists every lab Pod's address. */
  service: "lab-net",
  overhead: 50,
} as const;

export interface LabNetAddress {
  readonly address: string;
  readonly prefixLength: number;
}

/** What Calico's dataplane expects from the start (the docker substrate's --sysctl), written in the Pod's network namespace. */
const dataplaneSysctls = () =>
  Object.entries(CALICO_NODE_SYSCTLS).map(([key, value]) => `echo ${value} > /proc/sys/${key.replaceAll(".", "/")}`);

/**
 * The init container's script: `lab0` on the Pod's eth0 (its MTU the Pod network's less VXLAN's), with the
 * node's underlay address; for a Calico node, the dataplane's sysctls. $POD_IP is the Pod's own address.
 */
export function labNetUpScript(node: LabNetAddress, dataplane: boolean): string {
  const { device, vni, port, overhead } = LAB_NET;
  return [
    "set -eu",
    `mtu=$(( $(cat /sys/class/net/eth0/mtu) - ${overhead} ))`,
    `ip link del ${device} 2>/dev/null || true`,
    `ip link add ${device} type vxlan id ${vni} dstport ${port} local "$POD_IP" dev eth0`,
    `ip link set ${device} mtu "$mtu"`,
    `ip address add ${shellQuote(`${node.address}/${node.prefixLength}`)} dev ${device}`,
    `ip link set ${device} up`,
    ...(dataplane ? [NET_SYSCTLS_WRITABLE, ...dataplaneSysctls()] : []),
  ].join("\n");
}

/**
 * The sidecar's loop: every second, the lab Pods' addresses (the Service's DNS answer, without its own); when they
 * changed, the flood list of `lab0` made equal to them: a Pod made anew, with a new address, is reached again, and a
 * Pod gone is no longer flooded to. A steady lab costs each Pod one DNS query and four processes a second; an empty
 * answer (DNS not answering) changes nothing.
 */
export function labNetSyncScript(): string {
  const { device, service } = LAB_NET;
  return [
    "trap 'exit 0' TERM INT",
    "zero=00:00:00:00:00:00",
    "last=",
    "while :; do",
    `  want=$(getent ahostsv4 ${service} | awk -v self="$POD_IP" '$1 != self { print $1 }' | sort -u)`,
    '  if [ -n "$want" ] && [ "$want" != "$last" ]; then',
    `    have=" $(bridge fdb show dev ${device} | awk -v z="$zero" '$1 == z { printf "%s ", $3 }')"`,
    '    for ip in $want; do case "$have" in *" $ip "*) ;; *) bridge fdb append "$zero" dev ' + device + ' dst "$ip" ;; esac; done',
    '    wanted=" $(echo $want) "',
    '    for ip in $have; do case "$wanted" in *" $ip "*) ;; *) bridge fdb del "$zero" dev ' + device + ' dst "$ip" ;; esac; done',
    "    last=$want",
    "  fi",
    "  sleep 1",
    "done",
  ].join("\n");
}

/** A container that only waits, and goes at once when its Pod does. */
export const IDLE_SCRIPT = "trap 'exit 0' TERM INT\nwhile :; do sleep 1; done";
