import { addressAt, addressCount, contains, type Network } from "../addressing";
import { shellJoin } from "../shell";

/**
 * The VPP forwarding lab (seed 003: VPP forwards, Calico's IPAM and BIRD give blocks and routes; not
 * Calico/VPP): the pure part. Addresses of VPP's uplinks, the node-side scripts that drive the node-vpp
 * image's `vpp-lab` and `vpp-route-agent` (images/node-vpp), and parsers of VPP's CLI output. See docs/vpp.md.
 */

/** The workloads' gateway: VPP's loop0 in every node (Calico's own convention for workload routes). */
export const VPP_WORKLOAD_GATEWAY = "169.254.1.1";
/** The Calico Node label that tells the other nodes' route agents this node's VPP uplink address. */
export const VPP_UPLINK_LABEL = "calico-lab/vpp-uplink";

/**
 * VPP's uplink address of a node: its kernel address moved into the upper half of the lab subnet
 * (node .5 of a /24 -> VPP .133), so adding a node never moves another node's VPP address.
 */
export function vppUplinkAddress(underlay: Network, nodeAddress: string): string {
  if (underlay.version !== 4) throw new Error(`the VPP forwarding lab is IPv4 only; underlay ${underlay.cidr}`);
  if (!contains(underlay, nodeAddress)) throw new Error(`${nodeAddress} is not in the underlay ${underlay.cidr}`);
  const half = addressCount(underlay) / 2n;
  const offset = ipv4ToBigInt(nodeAddress) - underlay.first;
  if (offset >= half - 1n) throw new Error(`${nodeAddress} is in the upper half of ${underlay.cidr}, which the VPP uplinks use`);
  return addressAt(underlay, Number(offset + half));
}

/** VPP's MAC for an interface with this IPv4 address: 02:fe and the address (locally administered). */
export function vppMac(address: string): string {
  const octets = address.split(".").map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255))
    throw new Error(`not an IPv4 address: ${address}`);
  return ["02", "fe", ...octets.map((o) => o.toString(16).padStart(2, "0"))].join(":");
}

function ipv4ToBigInt(address: string): bigint {
  return address.split(".").reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n);
}

/**
 * vppctl sends VPP whatever its stdin holds, even with a command given: in a node-side script piped into the node's
 * shell, that is the rest of the script. Every vppctl (and vpp-lab, which runs vppctl) in one reads /dev/null.
 */
const NO_STDIN = "</dev/null";
const vppctlLine = (args: readonly string[]) => `${shellJoin(["vppctl", ...args])} ${NO_STDIN}`;
const vppLabLine = (args: readonly string[]) => `${shellJoin(["vpp-lab", ...args])} ${NO_STDIN}`;

/** Node-side: waits for VPP, then makes its uplink (af_packet on eth0) and labels the Calico Node. */
export function vppUplinkScript(uplinkCidr: string, device = "eth0"): string {
  return [
    "i=0",
    `until ${vppctlLine(["show", "version"])} >/dev/null 2>&1; do`,
    '  i=$((i + 1)); if [ "$i" -gt 60 ]; then echo "calico-lab: VPP answering on /run/vpp/cli.sock not within 60s" >&2; exit 1; fi',
    "  sleep 1",
    "done",
    vppLabLine(["uplink", uplinkCidr, device]),
  ].join("\n");
}

/** A workload's VPP interface is `host-v-NAME` on the veth `v-NAME`, and a Linux interface name has at most 15 characters. */
export const VPP_WORKLOAD_NAME_MAX = 13;

/** Node-side: a workload attached to VPP with an address from Calico IPAM; prints `NAME ADDRESS MAC`. */
export function vppWorkloadAddScript(name: string): string {
  if (!new RegExp(`^[a-z0-9][a-z0-9-]{0,${VPP_WORKLOAD_NAME_MAX - 1}}$`).test(name))
    throw new Error(`VPP workload name ${JSON.stringify(name)}: 1-${VPP_WORKLOAD_NAME_MAX} of a-z 0-9 -`);
  return vppLabLine(["workload", "add", name]);
}

export function vppWorkloadDelScript(name: string): string {
  return vppLabLine(["workload", "del", name]);
}

/** One VPP interface of `vppctl show interface`, with its counters (rx packets, tx packets, drops, ...). */
export interface VppInterface {
  readonly name: string;
  readonly index: number;
  readonly state: string;
  readonly counters: Readonly<Record<string, number>>;
}

/** Parses `vppctl show interface`. */
export function parseVppInterfaces(text: string): VppInterface[] {
  const out: { name: string; index: number; state: string; counters: Record<string, number> }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const head = /^(\S+)\s+(\d+)\s+(up|down)\s+\S+\s*(.*)$/.exec(line);
    const rest = head ? head[4] : /^\s+(\S.*)$/.exec(line)?.[1];
    if (head) out.push({ name: head[1]!, index: Number(head[2]), state: head[3]!, counters: {} });
    const current = out[out.length - 1];
    const counter = rest ? /^(.*\S)\s+(\d+)$/.exec(rest.trim()) : null;
    if (current && counter) current.counters[counter[1]!.replace(/\s+/g, " ")] = Number(counter[2]);
  }
  return out;
}

/** A route of `vppctl show ip fib`: prefix and where it goes (next hop and interface, when it has them). */
export interface VppRoute {
  readonly prefix: string;
  readonly via?: string;
  readonly interface?: string;
}

/**
 * Parses `vppctl show ip fib [PREFIX]`: each entry line (`10.1.2.0/26`, unindented after the table header,
 * `fib:0 index:N locks:M` and the like) followed by its paths; the first adjacency, `[@N]: ipv4 via ADDRESS
 * INTERFACE:` (or `arp-ipv4: via ...` while ARP is pending), names the next hop.
 */
export function parseVppFib(text: string): VppRoute[] {
  const routes: { prefix: string; via?: string; interface?: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const entry = /^(\d+\.\d+\.\d+\.\d+\/\d+)\b/.exec(line);
    if (entry) {
      routes.push({ prefix: entry[1]! });
      continue;
    }
    const current = routes[routes.length - 1];
    if (!current || current.via) continue;
    // a resolved adjacency (`ipv4 via A IF: mtu...`) or one still waiting for ARP (`arp-ipv4: via A IF`)
    const path = /(?:arp-ipv4: |\bipv4 )via (\d+\.\d+\.\d+\.\d+) ([^\s:]+)/.exec(line);
    if (path && path[1]) {
      current.via = path[1];
      current.interface = path[2]!;
    }
  }
  return routes;
}

/** What `vpp-lab workload add` printed (`NAME ADDRESS MAC`), as the lab reports a workload. */
export function parseVppWorkloadAdd(stdout: string): { addresses: string[]; interfaces: string[] } {
  const line = stdout.trim().split(/\r?\n/).pop() ?? "";
  const [name, address] = line.split(/\s+/);
  if (!name || !address || !/^\d+\.\d+\.\d+\.\d+$/.test(address))
    throw new Error(`vpp-lab workload add printed no NAME ADDRESS MAC: ${line}`);
  return { addresses: [`${address}/32`], interfaces: [`v-${name}`] };
}

/** VPP's interfaces with their counters (the lab's `vpp.interfaces` output). */
export const VPP_INTERFACES_SCRIPT = vppctlLine(["show", "interface"]);
/** VPP's IPv4 FIB, all of it: the pools' entries are picked out of it (the lab's `vpp.fib` output). */
export const VPP_FIB_SCRIPT = vppctlLine(["show", "ip", "fib"]);

/**
 * Node-side: passes once VPP's FIB holds every route BIRD put in the kernel (a route to another node's block),
 * each resolved over the uplink: the route agent has caught up. `show ip fib PREFIX` prints the longest match, so
 * the entry must be the prefix itself.
 */
export function vppFibFollowsBirdScript(uplinkDevice = "eth0"): string {
  // A subshell: the check is composed into others' conditions (`{ a && b; }`), where an exit would end them all.
  return [
    "(",
    `  for p in $(ip -4 route show proto bird | awk '$2 == "via" {print $1}'); do`,
    `    out=$(vppctl show ip fib "$p" ${NO_STDIN}) || exit 1`,
    `    case "$out" in *"$p fib:"*"host-${uplinkDevice}"*) ;; *) exit 1 ;; esac`,
    "  done",
    ")",
  ].join("\n");
}
