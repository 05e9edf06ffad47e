import type { BgpMode } from "./config/types";
import { shellJoin, shellQuote } from "./shell";
import { withStdin } from "./transports/node-shell";

/**
 * Node-side scripts: POSIX sh that runs inside a lab node, whatever the substrate. None of them knows how
 * it reaches the node; a NodeShell (core/transports) wraps each one for the machine running Pulumi.
 */

export const CNI_CONF_DIR = "/etc/cni/net.d";
export const CNI_CONF_FILE = `${CNI_CONF_DIR}/10-calico.conflist`;
export const CNI_BIN_DIR = "/opt/cni/bin";
export const BIRD_SOCKET = "/var/run/calico/bird.ctl";
export const BIRD6_SOCKET = "/var/run/calico/bird6.ctl";

/** How calicoctl inside a node reaches the datastore: its environment (DATASTORE_TYPE and the scenario's settings). */
export type DatastoreEnv = Readonly<Record<string, string>>;

function withEnv(env: DatastoreEnv, argv: readonly string[]): string {
  const assignments = Object.entries(env).map(([key, value]) => `${key}=${shellQuote(value)}`);
  return [...assignments, shellJoin(argv)].join(" ");
}

export function calicoctlApplyScript(env: DatastoreEnv, yaml: string): string {
  return `set -eu\n${withStdin(withEnv(env, ["calicoctl", "apply", "-f", "-"]), yaml)}`;
}

export function calicoctlDeleteScript(env: DatastoreEnv, yaml: string): string {
  return withStdin(withEnv(env, ["calicoctl", "delete", "--skip-not-exists", "-f", "-"]), yaml);
}

/** The Calico Node a calico-node made for itself at startup (etcd datastore): there once the node is ready. */
export function calicoNodeRegisteredScript(env: DatastoreEnv, node: string): string {
  return `set -eu\nregistered=$(${withEnv(env, ["calicoctl", "get", "node", node])})`;
}

/**
 * Deletes a Calico Node the lab no longer has, with what the datastore keeps for it (its IPAM blocks and
 * endpoints), so the other nodes stop peering with it; one already gone is not an error.
 */
export function calicoNodeRemoveScript(env: DatastoreEnv, node: string): string {
  return withEnv(env, ["calicoctl", "delete", "node", node, "--skip-not-exists"]);
}

/** Marks route reflectors the way Calico's docs do: a cluster ID on the node and a label the BGPPeer selects. */
export function routeReflectorScript(env: DatastoreEnv, reflectors: readonly string[], clusterId: string): string {
  const lines = ["set -eu"];
  for (const node of reflectors) {
    lines.push(
      withEnv(env, [
        "calicoctl",
        "patch",
        "node",
        node,
        "--patch",
        JSON.stringify({ spec: { bgp: { routeReflectorClusterID: clusterId } } }),
      ]),
      withEnv(env, ["calicoctl", "label", "nodes", node, "route-reflector=true", "--overwrite"]),
    );
  }
  return lines.join("\n");
}

export function writeFileScript(path: string, content: string): string {
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  return `set -eu\nmkdir -p ${shellQuote(dir)}\n${withStdin(`cat > ${shellQuote(path)}`, content)}`;
}

export function removeFileScript(path: string): string {
  return shellJoin(["rm", "-f", path]);
}

export interface WorkloadRef {
  readonly node: string;
  /**
   * The network namespace, unique in the lab: cnitool (v1.3.0) ignores CNI_CONTAINERID and derives the
   * container id, and so Calico's IPAM handle, from the namespace's path.
   */
  readonly namespace: string;
  readonly network: string;
  /** The Pod the workload stands for, on the Kubernetes datastore: the plugin reads and annotates it (CNI_ARGS). */
  readonly pod?: { readonly namespace: string; readonly name: string };
}

function cnitool(ref: WorkloadRef, verb: "add" | "del"): string {
  const podArgs: Record<string, string> = ref.pod
    ? { CNI_ARGS: `K8S_POD_NAMESPACE=${ref.pod.namespace};K8S_POD_NAME=${ref.pod.name}` }
    : {};
  return withEnv({ CNI_PATH: CNI_BIN_DIR, NETCONFPATH: CNI_CONF_DIR, ...podArgs }, [
    "cnitool",
    verb,
    ref.network,
    `/var/run/netns/${ref.namespace}`,
  ]);
}

/** Creates the workload's network namespace in the node and plumbs it with cnitool; prints the CNI result. */
export function workloadAddScript(ref: WorkloadRef): string {
  const ns = shellQuote(ref.namespace);
  return [
    "set -eu",
    `[ -e /var/run/netns/${ns} ] || ip netns add ${ns}`,
    `ip netns exec ${ns} ip link set lo up`,
    cnitool(ref, "add"),
  ].join("\n");
}

export function workloadDelScript(ref: WorkloadRef): string {
  const ns = shellQuote(ref.namespace);
  return [
    `${cnitool(ref, "del")} || echo "calico-lab: cnitool del ${ref.namespace} failed" >&2`,
    `ip netns del ${ns} 2>/dev/null || true`,
  ].join("\n");
}

/** Waits, up to `seconds`, until `command` succeeds in the node; fails naming what it waited for. */
export function waitUntilScript(command: readonly string[], seconds: number, what: string): string {
  return [
    "i=0",
    `until ${shellJoin(command)} >/dev/null 2>&1; do`,
    `  i=$((i + 1)); if [ "$i" -gt ${seconds} ]; then echo "calico-lab: ${what} not within ${seconds}s" >&2; exit 1; fi`,
    "  sleep 1",
    "done",
  ].join("\n");
}

/**
 * Succeeds once BIRD in this node reports at least `sessions` Established sessions; with `mode`, only sessions of
 * that kind count (Calico names them Mesh_<peer> in the mesh, Node_<peer> for a BGPPeer), so that right after the
 * mode changed the old kind's sessions do not pass for the new.
 */
export function sessionsEstablishedScript(sessions: number, mode?: BgpMode): string {
  const established = mode === undefined ? "grep -c Established" : `grep -cE '^${mode === "mesh" ? "Mesh_" : "Node_"}[^ ]* .*Established'`;
  return `[ "$(birdcl -s ${BIRD_SOCKET} show protocols 2>/dev/null | ${established})" -ge ${sessions} ]`;
}

/**
 * Succeeds once the node's dataplane is programmed: its VXLAN device has its tunnel address (when a pool
 * uses VXLAN) and it has a route to at least `remoteBlocks` blocks of other nodes, BIRD's or Felix's (over
 * vxlan.calico, or straight over the underlay: a CrossSubnet pool between nodes of one subnet).
 */
export function dataplaneReadyScript(expect: { readonly vxlan: boolean; readonly remoteBlocks: number }): string {
  const routes = "dev vxlan.calico|proto (bird|80)( |$)"; // 80: Felix's own routes (CrossSubnet between nodes of one subnet)
  const checks = [`[ "$(ip -4 route show | grep -v '^blackhole' | grep -cE '${routes}')" -ge ${expect.remoteBlocks} ]`];
  if (expect.vxlan) checks.unshift("ip -4 -o addr show dev vxlan.calico 2>/dev/null | grep ' inet ' >/dev/null");
  return checks.join(" && ");
}

export const BIRD_PROTOCOLS_SCRIPT = `birdcl -s ${BIRD_SOCKET} show protocols`;

/** The node's IPv4 routes: blackholes for the blocks it owns, BIRD's and Felix's (VXLAN) routes to the others' blocks. */
export const ROUTES_SCRIPT = "ip -4 route show";
/** The node's tunnel devices' addresses; empty when it has neither. */
export const TUNNELS_SCRIPT = "ip -4 -o addr show dev vxlan.calico 2>/dev/null; ip -4 -o addr show dev tunl0 2>/dev/null; true";

/**
 * What a node says about a lab that did not converge, the way Calico's own test harness collects it:
 * calicoctl's view of the sessions, the end of BIRD's and Felix's logs, and the peers confd rendered.
 */
export function convergenceDiagnostics(): Record<string, string> {
  return {
    "calicoctl node status": "calicoctl node status 2>&1",
    "BIRD log": "tail -n 10 /var/log/calico/bird/current 2>&1",
    "Felix log": "tail -n 10 /var/log/calico/felix/current 2>&1",
    "peers in bird.cfg": "grep -E '^protocol bgp|neighbor' /etc/calico/confd/config/bird.cfg 2>&1",
  };
}
