import type { ObservedTopology } from "./observed";
import { sessionKey, type ExpectedTopology } from "./topology";

const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, "_");

/** The lab as a Mermaid flowchart: etcd, each node with its address and role, and each BGP session with its state. */
export function mermaidDiagram(input: {
  etcdAddress: string;
  expected: ExpectedTopology;
  observed?: ObservedTopology;
  workloads: Readonly<Record<string, readonly string[]>>;
}): string {
  const { expected, observed } = input;
  const state = new Map(
    observed?.sessions.map((s) => [sessionKey(s.a, s.b), s.established ? "Established" : s.ends.map((e) => e.info || e.state).join(" / ")]),
  );
  const lines = ["flowchart LR", `  etcd[("etcd<br/>${input.etcdAddress}")]`];
  for (const node of expected.nodes) {
    const workloads = input.workloads[node.name] ?? [];
    const extra = workloads.length > 0 ? `<br/>workloads: ${workloads.join(", ")}` : "";
    lines.push(`  ${id(node.name)}["${node.name}<br/>${node.address}<br/>AS ${node.asNumber} (${node.role})${extra}"]`);
  }
  for (const node of expected.nodes) lines.push(`  ${id(node.name)} -.-> etcd`);
  for (const s of expected.sessions) {
    const label = `${s.type === "node-to-node mesh" ? "mesh" : "RR"}: ${state.get(sessionKey(s.a, s.b)) ?? "not observed"}`;
    lines.push(`  ${id(s.a)} ---|"${label}"| ${id(s.b)}`);
  }
  return `${lines.join("\n")}\n`;
}
