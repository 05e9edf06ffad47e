import type { Network } from "./addressing";
import {
  compareTopology,
  comparisonProblems,
  observeDataplane,
  observeTopology,
  type NodeReadings,
  type ObservedDataplane,
  type ObservedTopology,
} from "./observed";
import type { ExpectedTopology } from "./topology";
import { observeVppNodes, type VppNodeFacts, type VppNodeOutput } from "./scenarios/vpp-forwarding-status";

/** What was read of one node's VPP (vpp-forwarding), with the uplink address its outputs name. */
export type VppReading = Pick<VppNodeFacts, "uplinkAddress" | "interfaces" | "fib" | "error">;

/** The live lab as `npm run lab:status` reports it: read from the nodes now, compared with what the settings expect. */
export interface LiveStatus {
  readonly nodes: ReadonlyArray<{
    readonly name: string;
    readonly address: string;
    readonly role: string;
    readonly asNumber: number;
    readonly up: boolean;
    readonly error?: string;
    readonly blocks: readonly string[];
    readonly tunnelAddress: string | null;
    readonly workloads: ReadonlyArray<{ name: string; ip: string }>;
    /** vpp-forwarding: the node's VPP interfaces and pool FIB entries, and how they differ from what is expected. */
    readonly vpp?: VppNodeOutput;
  }>;
  readonly sessions: ObservedTopology["sessions"];
  readonly routes: ObservedTopology["routes"];
  readonly matches: boolean;
  readonly problems: readonly string[];
}

/** Exit codes, as netlab's validate uses them. */
export const STATUS_EXIT = { matches: 0, differs: 1, noLab: 2 } as const;

export function liveStatus(
  expected: ExpectedTopology,
  readings: readonly NodeReadings[],
  pools: readonly Network[],
  workloads: Readonly<Record<string, ReadonlyArray<{ name: string; ip: string }>>>,
  vppReadings?: Readonly<Record<string, VppReading>>,
): LiveStatus {
  const observed = observeTopology(expected, readings, pools);
  const dataplane: ObservedDataplane = observeDataplane(readings, pools);
  const comparison = compareTopology(expected, observed);
  const down = readings.filter((r) => r.error).map((r) => `${r.node} cannot be read: ${r.error}`);
  const vpp = vppReadings
    ? observeVppNodes(
        expected.nodes.map((node) => ({
          name: node.name,
          blocks: dataplane.blocks[node.name] ?? [],
          workloads: workloads[node.name] ?? [],
          ...(vppReadings[node.name] ?? { uplinkAddress: "", interfaces: "", fib: "", error: "its outputs name no VPP" }),
        })),
        pools,
      )
    : {};
  const vppProblems = Object.values(vpp).flatMap((node) => node.problems);
  return {
    nodes: expected.nodes.map((node) => {
      const reading = readings.find((r) => r.node === node.name);
      const tunnel = dataplane.tunnels[node.name];
      return {
        name: node.name,
        address: node.address,
        role: node.role,
        asNumber: node.asNumber,
        up: reading !== undefined && !reading.error,
        ...(reading?.error ? { error: reading.error } : {}),
        blocks: dataplane.blocks[node.name] ?? [],
        tunnelAddress: tunnel?.vxlan ?? tunnel?.ipip ?? null,
        workloads: workloads[node.name] ?? [],
        ...(vpp[node.name] ? { vpp: vpp[node.name] } : {}),
      };
    }),
    sessions: observed.sessions,
    routes: observed.routes,
    matches: comparison.matches && down.length === 0 && vppProblems.length === 0,
    problems: [...down, ...comparisonProblems(comparison), ...vppProblems],
  };
}

/** The status as text: nodes, sessions with both ends, blocks and how they are reached, then the differences. */
export function formatStatus(status: LiveStatus): string {
  const lines = ["nodes:"];
  for (const n of status.nodes) {
    const blocks = n.blocks.length > 0 ? n.blocks.join(", ") : "-";
    lines.push(
      `  ${n.name.padEnd(10)} ${n.address.padEnd(15)} ${n.role.padEnd(9)} AS ${n.asNumber}  ${n.up ? "up" : "DOWN"}  blocks ${blocks}${n.tunnelAddress ? `  tunnel ${n.tunnelAddress}` : ""}`,
    );
    for (const w of n.workloads) lines.push(`    workload ${w.name} ${w.ip}`);
    if (n.vpp) lines.push(...formatVpp(n.vpp));
  }
  lines.push("sessions:");
  for (const s of status.sessions) {
    const ends = s.ends.map((e) => `${e.node}: ${e.state} ${e.info} since ${e.since}`).join("; ");
    lines.push(`  ${s.a} <-> ${s.b}  ${s.type}  ${s.established ? "Established" : "NOT ESTABLISHED"}  (${ends})`);
  }
  lines.push("routes to other nodes' blocks:");
  for (const [node, routes] of Object.entries(status.routes)) {
    for (const r of routes) lines.push(`  ${node}: ${r.prefix} via ${r.via} (${r.viaNode}, ${r.protocol})`);
  }
  lines.push(status.matches ? "the lab matches its settings" : `differences:\n${status.problems.map((p) => `  - ${p}`).join("\n")}`);
  return lines.join("\n");
}

/** A node's VPP: its uplink, its interfaces (state, rx/tx packets) and its FIB entries in the pools. */
function formatVpp(vpp: VppNodeOutput): string[] {
  const packets = (counters: Readonly<Record<string, number>>, what: string) => counters[`${what} packets`] ?? 0;
  return [
    `    VPP uplink ${vpp.uplinkAddress}`,
    ...vpp.interfaces.map(
      (i) =>
        `    VPP interface ${i.name.padEnd(20)} ${i.state.padEnd(4)} rx ${packets(i.counters, "rx")} tx ${packets(i.counters, "tx")} packets`,
    ),
    ...vpp.fib.map((r) => `    VPP route ${r.prefix} via ${r.via ?? "-"} ${r.interface ?? ""}`.trimEnd()),
  ];
}
