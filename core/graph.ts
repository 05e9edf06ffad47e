import type { LiveStatus } from "./status";
import { sessionKey, type ExpectedSession } from "./topology";

/** What `npm run lab:graph` draws: the live status, the sessions the settings expect, and the datastore. */
export interface GraphInput {
  /** The stack's name: the picture's title. */
  readonly stack: string;
  readonly status: LiveStatus;
  /** Expected sessions that no node reports are drawn too (dashed, "missing"). */
  readonly expectedSessions: readonly ExpectedSession[];
  /** The lab's datastore (etcd); null when the outputs name none. */
  readonly datastore: { readonly name: string; readonly address: string } | null;
}

/** Colours of the picture: sessions by state, nodes by role and health. */
export const GRAPH_COLOURS = {
  established: "#2e7d32",
  notEstablished: "#c62828",
  missing: "#9e9e9e",
  reflector: "#ef6c00",
  node: "#1565c0",
  down: "#c62828",
  datastore: "#6a1b9a",
  workload: "#607d8b",
} as const;

const SHORT_TYPE: Readonly<Record<string, string>> = { "node-to-node mesh": "mesh", "route reflector": "RR", global: "global" };

/** Text for a Graphviz HTML-like label. */
function html(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A quoted DOT id or string. */
function quoted(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function attributes(attrs: Record<string, string | number>): string {
  return Object.entries(attrs)
    .map(([key, value]) => `${key}=${typeof value === "number" ? value : key === "label" && value.startsWith("<") ? value : quoted(value)}`)
    .join(", ");
}

const lines = (parts: readonly string[]) => `<${parts.join("<br/>")}>`;

/** An edge's label on a white ground, so that a line passing under it does not strike it through. */
const onWhite = (parts: readonly string[]) =>
  `<<table border="0" cellborder="0" cellpadding="1" bgcolor="white"><tr><td>${parts.map(html).join("<br/>")}</td></tr></table>>`;

/** The picture's key, under its title. */
const KEY = [
  "sessions: green Established from both ends, red not established (each end's state),",
  "grey dashed expected but missing; orange double border: route reflector",
];

/**
 * The lab as Graphviz DOT, for the dot layout: the datastore on top (every node uses it: no edges),
 * then the nodes (address, AS, role, blocks, tunnel address) with their BGP sessions between them, coloured by state (green Established
 * from both ends, red otherwise with each end's state, grey dashed when an expected session is
 * missing); route reflectors in orange with a double border, a row above their clients; nodes that
 * cannot be read in red; each node's workloads below it. Text is monospaced (Courier, whose widths
 * Graphviz knows exactly), so labels fit their boxes whichever monospaced font draws them.
 */
export function topologyDot(input: GraphInput): string {
  const { status } = input;
  const c = GRAPH_COLOURS;
  const font = "Courier";
  const verdict = status.matches ? "matches its settings" : `${status.problems.length} difference(s) from its settings`;
  const out: string[] = [
    "graph lab {",
    `  graph [${attributes({
      label: lines([
        `<b>${html(`calico-lab ${input.stack}: ${verdict}`)}</b>`,
        ...KEY.map((line) => `<font point-size="10">${html(line)}</font>`),
      ]),
      labelloc: "t",
      fontname: font,
      fontsize: 14,
      rankdir: "TB",
      nodesep: 0.6,
      ranksep: 0.8,
      pad: 0.3,
      bgcolor: "white",
    })}];`,
    `  node [${attributes({ fontname: font, fontsize: 11, shape: "box", style: "rounded,filled", fillcolor: "white", penwidth: 1.5 })}];`,
    `  edge [${attributes({ fontname: font, fontsize: 10 })}];`,
  ];
  if (input.datastore) {
    out.push(
      `  datastore [${attributes({
        label: lines([`<b>${html(input.datastore.name)}</b>`, html(input.datastore.address), html("every node's datastore")]),
        shape: "cylinder",
        style: "filled",
        color: c.datastore,
        fillcolor: "#f3e5f5",
      })}];`,
    );
  }
  const reflectors = status.nodes.filter((n) => n.role === "reflector").map((n) => n.name);
  const rows =
    reflectors.length > 0
      ? [reflectors, status.nodes.filter((n) => n.role !== "reflector").map((n) => n.name)]
      : [status.nodes.map((n) => n.name)];
  for (const row of rows) {
    out.push("  { rank=same;");
    for (const node of status.nodes.filter((n) => row.includes(n.name))) {
      const reflector = node.role === "reflector";
      const parts = [
        `<b>${html(node.name)}</b>`,
        html(node.address),
        html(`AS ${node.asNumber} ${reflector ? "route reflector" : node.role}`),
        ...node.blocks.map((block) => html(`block ${block}`)),
        ...(node.tunnelAddress ? [html(`tunnel ${node.tunnelAddress}`)] : []),
        ...(node.up ? [] : [`<font color="${c.down}">${html(`DOWN: ${node.error ?? "not read"}`)}</font>`]),
      ];
      out.push(
        `    ${quoted(`node:${node.name}`)} [${attributes({
          label: lines(parts),
          color: !node.up ? c.down : reflector ? c.reflector : c.node,
          fillcolor: !node.up ? "#ffebee" : reflector ? "#fff3e0" : "#e3f2fd",
          ...(reflector ? { peripheries: 2 } : {}),
        })}];`,
      );
    }
    out.push("  }");
  }
  // Every node uses the datastore: an invisible edge only puts it above the first row.
  if (input.datastore) for (const name of rows[0] ?? []) out.push(`  datastore -- ${quoted(`node:${name}`)} [style=invis];`);
  const known = new Set(status.nodes.map((n) => n.name));
  const strangers = new Set<string>();
  const edge = (a: string, b: string, attrs: Record<string, string | number>) => {
    for (const end of [a, b]) if (!known.has(end)) strangers.add(end);
    // Between rows (a reflector and its client) the session places the client; within a row it must not.
    const acrossRows = rows.length > 1 && reflectors.includes(a) !== reflectors.includes(b);
    out.push(
      `  ${quoted(`node:${a}`)} -- ${quoted(`node:${b}`)} [${attributes({ ...attrs, ...(acrossRows ? {} : { constraint: "false" }) })}];`,
    );
  };
  const seen = new Set<string>();
  const expected = new Set(input.expectedSessions.map((s) => sessionKey(s.a, s.b)));
  for (const session of status.sessions) {
    const key = sessionKey(session.a, session.b);
    seen.add(key);
    const ends = [session.a, session.b].map((name) => {
      const end = session.ends.find((e) => e.node === name);
      return `${name}: ${end ? (end.info || end.state).replace(/\s+/g, " ") : "no session"}`;
    });
    const type = `${expected.has(key) ? "" : "unexpected "}${SHORT_TYPE[session.type] ?? session.type}`;
    const colour = session.established ? c.established : c.notEstablished;
    edge(session.a, session.b, {
      label: onWhite(session.established ? [`${type} Established`] : [`${type} not established`, ...ends]),
      color: colour,
      fontcolor: colour,
      penwidth: 2.5,
    });
  }
  for (const session of input.expectedSessions) {
    if (seen.has(sessionKey(session.a, session.b))) continue;
    edge(session.a, session.b, {
      label: onWhite([`${SHORT_TYPE[session.type] ?? session.type} missing`]),
      color: c.missing,
      fontcolor: c.missing,
      style: "dashed",
      penwidth: 2,
    });
  }
  for (const peer of strangers) {
    out.push(
      `  ${quoted(`node:${peer}`)} [${attributes({ label: `peer ${peer}\n(not a lab node)`, style: "rounded,dashed", color: c.notEstablished })}];`,
    );
  }
  for (const node of status.nodes) {
    for (const workload of node.workloads) {
      const id = quoted(`workload:${workload.name}`);
      out.push(
        `  ${id} [${attributes({ label: lines([html(workload.name), html(workload.ip)]), fontsize: 9, color: c.workload, fillcolor: "#eceff1" })}];`,
        `  ${quoted(`node:${node.name}`)} -- ${id} [${attributes({ color: c.workload })}];`,
      );
    }
  }
  out.push("}");
  return `${out.join("\n")}\n`;
}
