import { contains, parseCidr, type Network } from "../addressing";
import { parseVppFib, parseVppInterfaces, type VppInterface, type VppRoute } from "./vpp-forwarding";

/** One node of the VPP forwarding lab as the lab knows it, and what was read of its VPP. */
export interface VppNodeFacts {
  readonly name: string;
  /** The address of the node's VPP uplink (vppUplinkAddress). */
  readonly uplinkAddress: string;
  /** The pool blocks the node owns (its BIRD blackholes). */
  readonly blocks: readonly string[];
  readonly workloads: ReadonlyArray<{ readonly name: string; readonly ip: string }>;
  /** `vppctl show interface` and `vppctl show ip fib` as read; `error` when the node could not be read. */
  readonly interfaces: string;
  readonly fib: string;
  readonly error?: string;
}

/** A node's VPP in the outputs: its interfaces with their counters, the FIB entries in the pools, and how they differ from what is expected. */
export interface VppNodeOutput {
  readonly uplinkAddress: string;
  readonly interfaces: readonly VppInterface[];
  /** FIB entries inside the lab's pools: other nodes' blocks via their VPP uplinks, this node's workloads' /32s. */
  readonly fib: readonly VppRoute[];
  readonly problems: readonly string[];
}

/** The uplink's VPP interface, and a workload's (vpp-lab: `host-v-<workload>`). */
export const vppUplinkInterface = (device = "eth0") => `host-${device}`;
export const vppWorkloadInterface = (workload: string) => `host-v-${workload}`;

const inPools = (prefix: string, pools: readonly Network[]) => {
  const address = prefix.split("/")[0] ?? "";
  return parseCidr(prefix) !== undefined && pools.some((pool) => contains(pool, address));
};

/**
 * What every node's VPP should hold, compared with what it holds: its uplink and each of its workloads' interfaces
 * up; each other node's block via that node's VPP uplink address; each of its workloads' /32 on the workload's
 * interface; no other route into the pools (a route left behind by a node that went).
 */
export function observeVppNodes(nodes: readonly VppNodeFacts[], pools: readonly Network[]): Record<string, VppNodeOutput> {
  return Object.fromEntries(nodes.map((node) => [node.name, observeVppNode(node, nodes, pools)]));
}

function observeVppNode(node: VppNodeFacts, all: readonly VppNodeFacts[], pools: readonly Network[]): VppNodeOutput {
  const interfaces = parseVppInterfaces(node.interfaces);
  const fib = parseVppFib(node.fib).filter((route) => inPools(route.prefix, pools));
  const base = { uplinkAddress: node.uplinkAddress, interfaces, fib };
  if (node.error) return { ...base, problems: [`${node.name}: VPP cannot be read: ${node.error}`] };
  const problems: string[] = [];
  const up = new Set(interfaces.filter((i) => i.state === "up").map((i) => i.name));
  for (const name of [vppUplinkInterface(), ...node.workloads.map((w) => vppWorkloadInterface(w.name))]) {
    if (!up.has(name)) problems.push(`${node.name}: VPP interface ${name} is not up`);
  }
  const expected = [
    ...all
      .filter((other) => other !== node)
      .flatMap((other) =>
        other.blocks.map((block) => ({ prefix: block, via: other.uplinkAddress, interface: vppUplinkInterface(), of: other.name })),
      ),
    ...node.workloads.map((w) => ({
      prefix: `${w.ip.split("/")[0]}/32`,
      via: undefined,
      interface: vppWorkloadInterface(w.name),
      of: w.name,
    })),
  ];
  for (const want of expected) {
    const have = fib.find((route) => route.prefix === want.prefix);
    if (!have) problems.push(`${node.name}: VPP has no route to ${want.prefix} (${want.of})`);
    else if (have.interface !== want.interface || (want.via !== undefined && have.via !== want.via)) {
      problems.push(
        `${node.name}: VPP routes ${want.prefix} (${want.of}) via ${have.via ?? "?"} ${have.interface ?? "?"}, expected ${want.via ? `${want.via} ` : ""}${want.interface}`,
      );
    }
  }
  for (const route of fib) {
    if (!expected.some((want) => want.prefix === route.prefix)) {
      problems.push(
        `${node.name}: VPP has a route to ${route.prefix} via ${route.via ?? "?"} that no node's block or workload accounts for`,
      );
    }
  }
  return { ...base, problems };
}
