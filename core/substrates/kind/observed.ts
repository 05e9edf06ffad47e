import type { LearnedRoute, ObservedSession, ObservedTopology, SessionEnd } from "../../observed";
import { gobgpStateName, parseGobgpNeighbors, parseGobgpRib } from "../../parsers/gobgp";
import { sessionKey, type ExpectedTopology } from "../../topology";

/** The observed topology of a kind lab, from CalicoNodeStatus (kdd) or from the calico-vpp agents' GoBGP (vpp). */

interface PeerView {
  readonly node: string;
  readonly peerAddress: string;
  readonly type: string;
  readonly state: string;
  readonly since: string;
}

function assemble(
  expected: ExpectedTopology,
  views: readonly PeerView[],
  routes: Record<string, LearnedRoute[]>,
  errors: Record<string, string>,
): ObservedTopology {
  const nameByAddress = new Map(expected.nodes.map((node) => [node.address, node.name]));
  const sessions = new Map<string, { a: string; b: string; type: string; ends: SessionEnd[] }>();
  for (const view of views) {
    const peerName = nameByAddress.get(view.peerAddress) ?? view.peerAddress;
    const key = sessionKey(view.node, peerName);
    const [a, b] = view.node < peerName ? [view.node, peerName] : [peerName, view.node];
    const entry = sessions.get(key) ?? { a, b, type: view.type, ends: [] };
    entry.ends.push({ node: view.node, state: view.state, info: view.state, since: view.since });
    sessions.set(key, entry);
  }
  const observed: ObservedSession[] = [...sessions.values()]
    .map((s) => ({
      ...s,
      ends: [...s.ends].sort((x, y) => x.node.localeCompare(y.node)),
      established: s.ends.length === 2 && s.ends.every((end) => end.state === "Established"),
    }))
    .sort((x, y) => sessionKey(x.a, x.b).localeCompare(sessionKey(y.a, y.b)));
  return { sessions: observed, routes, errors };
}

interface CalicoNodeStatusItem {
  readonly spec?: { readonly node?: string };
  readonly status?: {
    readonly bgp?: { readonly peersV4?: ReadonlyArray<{ peerIP?: string; type?: string; state?: string; since?: string }> };
    readonly routes?: {
      readonly routesV4?: ReadonlyArray<{
        type?: string;
        destination?: string;
        gateway?: string;
        learnedFrom?: { sourceType?: string; peerIP?: string };
      }>;
    };
  };
}

/** Calico's peer types (BGPPeerType) in the words the bird scenario uses for session types. */
const PEER_TYPES: Readonly<Record<string, string>> = {
  NodeMesh: "node-to-node mesh",
  NodePeer: "route reflector",
  GlobalPeer: "global",
};

/**
 * From `kubectl get caliconodestatuses -o json`: each node's IPv4 peers (a session is established when
 * both ends say Established) and the BGP-learned routes in its FIB.
 */
export function observeFromCalicoNodeStatus(expected: ExpectedTopology, listJson: string, readError?: string): ObservedTopology {
  const errors: Record<string, string> = {};
  let items: CalicoNodeStatusItem[] = [];
  try {
    items = (JSON.parse(listJson || "{}") as { items?: CalicoNodeStatusItem[] }).items ?? [];
  } catch (error) {
    readError = readError ?? `CalicoNodeStatus list is not JSON: ${(error as Error).message}`;
  }
  const nameByAddress = new Map(expected.nodes.map((node) => [node.address, node.name]));
  const views: PeerView[] = [];
  const routes: Record<string, LearnedRoute[]> = {};
  for (const node of expected.nodes) {
    const item = items.find((i) => i.spec?.node === node.name);
    if (!item?.status?.bgp) {
      errors[node.name] = readError ?? "calico-node has not reported a status for this node yet";
      routes[node.name] = [];
      continue;
    }
    for (const peer of item.status.bgp.peersV4 ?? []) {
      views.push({
        node: node.name,
        peerAddress: peer.peerIP ?? "",
        type: PEER_TYPES[peer.type ?? ""] ?? peer.type ?? "",
        state: peer.state ?? "",
        since: peer.since ?? "",
      });
    }
    routes[node.name] = (item.status.routes?.routesV4 ?? [])
      .filter((r) => r.type === "FIB" && (r.learnedFrom?.sourceType === "NodeMesh" || r.learnedFrom?.sourceType === "BGPPeer"))
      .map((r) => {
        const via = r.gateway ?? "";
        const viaNode = nameByAddress.get(via) ?? nameByAddress.get(r.learnedFrom?.peerIP ?? "") ?? via;
        return { prefix: r.destination ?? "", via, viaNode, protocol: "bird" as const };
      });
  }
  return assemble(expected, views, routes, errors);
}

/** What was read from one node's calico-vpp agent. */
export interface VppReadings {
  readonly node: string;
  readonly neighbors: string;
  readonly rib: string;
  readonly error?: string;
}

/** From each node's `gobgp neighbor` and `gobgp global rib`: sessions with the other nodes, and the best routes they announced. */
export function observeFromGobgp(expected: ExpectedTopology, readings: readonly VppReadings[]): ObservedTopology {
  const names = new Set(expected.nodes.map((node) => node.address));
  const nameByAddress = new Map(expected.nodes.map((node) => [node.address, node.name]));
  const views: PeerView[] = [];
  const routes: Record<string, LearnedRoute[]> = {};
  const errors: Record<string, string> = {};
  for (const reading of readings) {
    if (reading.error) errors[reading.node] = reading.error;
    for (const neighbor of parseGobgpNeighbors(reading.neighbors)) {
      views.push({
        node: reading.node,
        peerAddress: neighbor.peer,
        type: names.has(neighbor.peer) ? "node-to-node mesh" : "global",
        state: gobgpStateName(neighbor.state),
        since: neighbor.upDown,
      });
    }
    routes[reading.node] = parseGobgpRib(reading.rib)
      .filter((route) => route.best && route.nextHop !== "0.0.0.0")
      .map((route) => ({
        prefix: route.prefix,
        via: route.nextHop,
        viaNode: nameByAddress.get(route.nextHop) ?? route.nextHop,
        protocol: "gobgp" as const,
      }));
  }
  return assemble(expected, views, routes, errors);
}
