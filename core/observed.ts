import { parseBirdProtocols, peerFromProtocolName } from "./parsers/birdc-protocols";
import { contains, type Network } from "./addressing";
import { parseIpRoutes, type KernelRoute } from "./parsers/ip-route";
import { sessionKey, type ExpectedTopology } from "./topology";

/** What the lab read from one node after `up`: raw command output, parsed here. */
export interface NodeReadings {
  readonly node: string;
  readonly birdProtocols: string;
  readonly routes: string;
  /** `ip -4 -o addr show` of vxlan.calico and tunl0 (empty when the node has neither). */
  readonly tunnels?: string;
  /** Set when the node could not be read (container gone, BIRD down). */
  readonly error?: string;
}

/** One end's view of a BGP session. */
export interface SessionEnd {
  readonly node: string;
  readonly state: string;
  readonly info: string;
  readonly since: string;
}

export interface ObservedSession {
  readonly a: string;
  readonly b: string;
  readonly type: string;
  readonly established: boolean;
  readonly ends: readonly SessionEnd[];
}

export interface LearnedRoute {
  readonly prefix: string;
  readonly via: string;
  readonly viaNode: string;
  /**
   * Who installed or announced the route: BIRD (bird, kdd), Felix over vxlan.calico, Felix straight over the
   * underlay (a CrossSubnet VXLAN pool between nodes of one subnet: Felix's `proto 80`, no tunnel), or the
   * calico-vpp agent's GoBGP (vpp).
   */
  readonly protocol: "bird" | "vxlan" | "felix" | "gobgp";
}

export interface ObservedTopology {
  readonly sessions: readonly ObservedSession[];
  readonly routes: Readonly<Record<string, readonly LearnedRoute[]>>;
  readonly errors: Readonly<Record<string, string>>;
}

/** Per node: the pool blocks it owns (Calico's affinity, seen as its blackhole routes) and its tunnel addresses. */
export interface ObservedDataplane {
  readonly blocks: Readonly<Record<string, readonly string[]>>;
  readonly tunnels: Readonly<Record<string, { readonly vxlan: string | null; readonly ipip: string | null }>>;
}

/** The addresses of vxlan.calico and tunl0 in `ip -4 -o addr show` output. */
export function parseTunnelAddresses(output: string): { vxlan: string | null; ipip: string | null } {
  const addressOf = (dev: string) =>
    new RegExp(`^\\d+:\\s+${dev.replace(".", "\\.")}(?:@\\S+)?\\s+inet\\s+([0-9.]+)`, "m").exec(output)?.[1] ?? null;
  return { vxlan: addressOf("vxlan.calico"), ipip: addressOf("tunl0") };
}

/** The protocol number Felix marks the routes it programs with (`ip route` prints `proto 80`). */
export const FELIX_ROUTE_PROTO = "80";

const inPools = (route: KernelRoute, pools: readonly Network[]) => pools.some((pool) => contains(pool, route.prefix.split("/")[0] ?? ""));

export function observeDataplane(readings: readonly NodeReadings[], pools: readonly Network[]): ObservedDataplane {
  const blocks: Record<string, string[]> = {};
  const tunnels: Record<string, { vxlan: string | null; ipip: string | null }> = {};
  for (const reading of readings) {
    blocks[reading.node] = parseIpRoutes(reading.routes)
      .filter((route) => route.type === "blackhole" && inPools(route, pools))
      .map((route) => route.prefix)
      .sort();
    tunnels[reading.node] = parseTunnelAddresses(reading.tunnels ?? "");
  }
  return { blocks, tunnels };
}

const TYPE_BY_KIND = { mesh: "node-to-node mesh", node: "route reflector", global: "global" } as const;

/**
 * Sessions from each node's BIRD, and the routes each node has to the other nodes' blocks: BIRD's (via the
 * owner's underlay address, or tunl0 with IPIP) and Felix's over vxlan.calico (via the owner's VXLAN
 * tunnel address). With `pools`, only routes into the lab's pools count; without, every BIRD route.
 */
export function observeTopology(
  expected: ExpectedTopology,
  readings: readonly NodeReadings[],
  pools?: readonly Network[],
): ObservedTopology {
  const nameByAddress = new Map(expected.nodes.map((node) => [node.address, node.name]));
  for (const reading of readings) {
    const tunnel = parseTunnelAddresses(reading.tunnels ?? "");
    for (const address of [tunnel.vxlan, tunnel.ipip]) if (address) nameByAddress.set(address, reading.node);
  }
  const sessions = new Map<string, { a: string; b: string; type: string; ends: SessionEnd[] }>();
  const routes: Record<string, LearnedRoute[]> = {};
  const errors: Record<string, string> = {};

  for (const reading of readings) {
    if (reading.error) errors[reading.node] = reading.error;
    for (const protocol of parseBirdProtocols(reading.birdProtocols)) {
      if (protocol.protocol !== "BGP") continue;
      const peer = peerFromProtocolName(protocol.name);
      if (!peer) continue;
      const peerName = nameByAddress.get(peer.address) ?? peer.address;
      const key = sessionKey(reading.node, peerName);
      const [a, b] = reading.node < peerName ? [reading.node, peerName] : [peerName, reading.node];
      const entry = sessions.get(key) ?? { a, b, type: TYPE_BY_KIND[peer.kind], ends: [] };
      entry.ends.push({ node: reading.node, state: protocol.state, info: protocol.info, since: protocol.since });
      sessions.set(key, entry);
    }
    routes[reading.node] = parseIpRoutes(reading.routes).flatMap((route) => {
      if (!route.via || route.type !== "unicast") return [];
      if (pools && !inPools(route, pools)) return [];
      const protocol = routeProtocol(route, !pools);
      return protocol ? [{ prefix: route.prefix, via: route.via, viaNode: nameByAddress.get(route.via) ?? route.via, protocol }] : [];
    });
  }

  const observed = [...sessions.values()]
    .map((s) => ({
      ...s,
      ends: [...s.ends].sort((x, y) => x.node.localeCompare(y.node)),
      established: s.ends.length === 2 && s.ends.every((end) => end.info.startsWith("Established")),
    }))
    .sort((x, y) => sessionKey(x.a, x.b).localeCompare(sessionKey(y.a, y.b)));
  return { sessions: observed, routes, errors };
}

/** Who put a route to another node's block there; undefined for routes that are not one (unless `anyRoute`: BIRD's then). */
function routeProtocol(route: KernelRoute, anyRoute: boolean): LearnedRoute["protocol"] | undefined {
  if (route.dev === "vxlan.calico") return "vxlan";
  if (route.proto === "bird" || anyRoute) return "bird";
  return route.proto === FELIX_ROUTE_PROTO ? "felix" : undefined;
}

export interface TopologyComparison {
  readonly matches: boolean;
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly notEstablished: readonly string[];
}

/** Every expected session must be seen Established from both ends, and no other session may exist. */
export function compareTopology(expected: ExpectedTopology, observed: ObservedTopology): TopologyComparison {
  const seen = new Map(observed.sessions.map((s) => [sessionKey(s.a, s.b), s]));
  const wanted = new Set(expected.sessions.map((s) => sessionKey(s.a, s.b)));
  const missing = [...wanted].filter((key) => !seen.has(key));
  const unexpected = [...seen.keys()].filter((key) => !wanted.has(key));
  const notEstablished = [...wanted].filter((key) => seen.has(key) && !seen.get(key)?.established);
  return { matches: missing.length + unexpected.length + notEstablished.length === 0, missing, unexpected, notEstablished };
}

/** The differences, one line each, as the outputs and lab:status report them. */
export function comparisonProblems(comparison: TopologyComparison): string[] {
  return [
    ...comparison.missing.map((s) => `missing ${s}`),
    ...comparison.unexpected.map((s) => `unexpected ${s}`),
    ...comparison.notEstablished.map((s) => `not established ${s}`),
  ];
}
