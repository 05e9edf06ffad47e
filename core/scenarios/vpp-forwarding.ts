import { addressAt, addressCount, contains, type Network } from "../addressing";
import { shellJoin } from "../shell";
import { waitUntilScript } from "../node-scripts";

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

const VPP_READY = ["vppctl", "show", "version"];

/** Node-side: waits for VPP, then makes its uplink (af_packet on eth0) and labels the Calico Node. */
export function vppUplinkScript(uplinkCidr: string, device = "eth0"): string {
  return [waitUntilScript(VPP_READY, 60, "VPP answering on /run/vpp/cli.sock"), shellJoin(["vpp-lab", "uplink", uplinkCidr, device])].join(
    "\n",
  );
}

/** A workload's VPP interface is `host-v-NAME` on the veth `v-NAME`, and a Linux interface name has at most 15 characters. */
export const VPP_WORKLOAD_NAME_MAX = 13;

/** Node-side: a workload attached to VPP with an address from Calico IPAM; prints `NAME ADDRESS MAC`. */
export function vppWorkloadAddScript(name: string): string {
  if (!new RegExp(`^[a-z0-9][a-z0-9-]{0,${VPP_WORKLOAD_NAME_MAX - 1}}$`).test(name))
    throw new Error(`VPP workload name ${JSON.stringify(name)}: 1-${VPP_WORKLOAD_NAME_MAX} of a-z 0-9 -`);
  return shellJoin(["vpp-lab", "workload", "add", name]);
}

export function vppWorkloadDelScript(name: string): string {
  return shellJoin(["vpp-lab", "workload", "del", name]);
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
 * `fib:0 index:N locks:M` and the like) followed by its paths; the first `via ADDRESS INTERFACE` path (or an
 * attached `INTERFACE` path, `[@N]: ipv4 via ... INTERFACE:`) names the next hop.
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
    const path = /\bpath:\[\d+\].*?\bvia\b|ipv4 via (\d+\.\d+\.\d+\.\d+) (\S+?):/.exec(line);
    if (path && path[1]) {
      current.via = path[1];
      current.interface = path[2]!;
    }
  }
  return routes;
}
