import type { BgpMode } from "./config/types";

export type NodeRole = "mesh" | "reflector" | "client";
export type SessionType = "node-to-node mesh" | "route reflector";

export interface TopologyNode {
  readonly name: string;
  readonly address: string;
  readonly asNumber: number;
  readonly role: NodeRole;
}

/** A BGP session between two nodes, named in a stable order (a < b). */
export interface ExpectedSession {
  readonly a: string;
  readonly b: string;
  readonly type: SessionType;
}

export interface ExpectedTopology {
  readonly asNumber: number;
  readonly mode: BgpMode;
  readonly routeReflectors: readonly string[];
  readonly nodes: readonly TopologyNode[];
  readonly sessions: readonly ExpectedSession[];
}

export function sessionKey(x: string, y: string): string {
  return x < y ? `${x}|${y}` : `${y}|${x}`;
}

/** How many of the expected sessions a node takes part in: what it must see Established. */
export function sessionCountOf(topology: Pick<ExpectedTopology, "sessions">, node: string): number {
  return topology.sessions.filter((s) => s.a === node || s.b === node).length;
}

function session(x: string, y: string, type: SessionType): ExpectedSession {
  return x < y ? { a: x, b: y, type } : { a: y, b: x, type };
}

/**
 * Mesh: every pair of nodes peers. Route reflectors: every reflector peers with every other node
 * (clients and the other reflectors, as the all() -> route-reflector == 'true' BGPPeer selects), and
 * clients do not peer with each other.
 */
export function expectedTopology(input: {
  asNumber: number;
  mode: BgpMode;
  routeReflectors: readonly string[];
  nodes: ReadonlyArray<{ name: string; address: string }>;
}): ExpectedTopology {
  const reflectors = new Set(input.mode === "routeReflectors" ? input.routeReflectors : []);
  const nodes = input.nodes.map((node) => ({
    name: node.name,
    address: node.address,
    asNumber: input.asNumber,
    role: (input.mode === "mesh" ? "mesh" : reflectors.has(node.name) ? "reflector" : "client") as NodeRole,
  }));
  const sessions: ExpectedSession[] = [];
  nodes.forEach((x, i) => {
    nodes.slice(i + 1).forEach((y) => {
      if (input.mode === "mesh") sessions.push(session(x.name, y.name, "node-to-node mesh"));
      else if (reflectors.has(x.name) || reflectors.has(y.name)) sessions.push(session(x.name, y.name, "route reflector"));
    });
  });
  return { asNumber: input.asNumber, mode: input.mode, routeReflectors: [...reflectors], nodes, sessions };
}
