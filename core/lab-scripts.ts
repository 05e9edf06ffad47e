import { shellJoin, shellQuote } from "./shell";

/** Scripts the lab runs on the machine running Pulumi; every step inside a node goes through `docker exec`. */

export const CNI_CONF_DIR = "/etc/cni/net.d";
export const CNI_CONF_FILE = `${CNI_CONF_DIR}/10-calico.conflist`;
export const CNI_BIN_DIR = "/opt/cni/bin";
export const BIRD_SOCKET = "/var/run/calico/bird.ctl";

/** `command` reading `text` from a here-document; `rest` continues the command's line (before the text). */
function withStdin(command: string, text: string, rest = ""): string {
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `${command} <<'CALICO_LAB_EOF'${rest}\n${body}CALICO_LAB_EOF`;
}

function orWarn(what: string): string {
  return ` || echo "calico-lab: ${what} failed; the node may already be gone" >&2`;
}

/** A step that may find its target already gone (a node removed by hand): say so on stderr and go on. */
function tolerant(command: string, what: string): string {
  return `${command}${orWarn(what)}`;
}

function calicoctl(container: string, etcdEndpoints: string, args: readonly string[], stdin = false): string {
  return shellJoin([
    "docker",
    "exec",
    ...(stdin ? ["-i"] : []),
    "-e",
    "DATASTORE_TYPE=etcdv3",
    "-e",
    `ETCD_ENDPOINTS=${etcdEndpoints}`,
    container,
    "calicoctl",
    ...args,
  ]);
}

export function calicoctlApplyScript(container: string, etcdEndpoints: string, yaml: string): string {
  return `set -euo pipefail\n${withStdin(calicoctl(container, etcdEndpoints, ["apply", "-f", "-"], true), yaml)}`;
}

export function calicoctlDeleteScript(container: string, etcdEndpoints: string, yaml: string): string {
  return withStdin(calicoctl(container, etcdEndpoints, ["delete", "--skip-not-exists", "-f", "-"], true), yaml, orWarn("calicoctl delete"));
}

/** Marks route reflectors the way Calico's docs do: a cluster ID on the node and a label the BGPPeer selects. */
export function routeReflectorScript(container: string, etcdEndpoints: string, reflectors: readonly string[], clusterId: string): string {
  const lines = ["set -euo pipefail"];
  for (const node of reflectors) {
    lines.push(
      calicoctl(container, etcdEndpoints, [
        "patch",
        "node",
        node,
        "--patch",
        JSON.stringify({ spec: { bgp: { routeReflectorClusterID: clusterId } } }),
      ]),
      calicoctl(container, etcdEndpoints, ["label", "nodes", node, "route-reflector=true", "--overwrite"]),
    );
  }
  return lines.join("\n");
}

export function writeFileScript(container: string, path: string, content: string): string {
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  return `set -euo pipefail\n${withStdin(`docker exec -i ${shellQuote(container)} sh -c ${shellQuote(`mkdir -p ${dir} && cat > ${path}`)}`, content)}`;
}

export function removeFileScript(container: string, path: string): string {
  return tolerant(shellJoin(["docker", "exec", container, "rm", "-f", path]), `removing ${path}`);
}

export interface WorkloadRef {
  readonly node: string;
  readonly container: string;
  readonly namespace: string;
  /** CNI_CONTAINERID: unique per workload, or the second ADD on a node breaks the first. */
  readonly containerId: string;
  readonly network: string;
}

function cnitool(ref: WorkloadRef, verb: "add" | "del"): string {
  return shellJoin([
    "docker",
    "exec",
    "-e",
    `CNI_PATH=${CNI_BIN_DIR}`,
    "-e",
    `NETCONFPATH=${CNI_CONF_DIR}`,
    "-e",
    `CNI_CONTAINERID=${ref.containerId}`,
    ref.container,
    "cnitool",
    verb,
    ref.network,
    `/var/run/netns/${ref.namespace}`,
  ]);
}

/** Creates the workload's network namespace in the node and plumbs it with cnitool; prints the CNI result. */
export function workloadAddScript(ref: WorkloadRef): string {
  return [
    "set -euo pipefail",
    `docker exec ${shellQuote(ref.container)} sh -c ${shellQuote(`[ -e /var/run/netns/${ref.namespace} ] || ip netns add ${ref.namespace}`)}`,
    `docker exec ${shellQuote(ref.container)} ip netns exec ${shellQuote(ref.namespace)} ip link set lo up`,
    cnitool(ref, "add"),
  ].join("\n");
}

export function workloadDelScript(ref: WorkloadRef): string {
  return [
    tolerant(cnitool(ref, "del"), `cnitool del ${ref.namespace}`),
    tolerant(shellJoin(["docker", "exec", ref.container, "ip", "netns", "del", ref.namespace]), `ip netns del ${ref.namespace}`),
  ].join("\n");
}

/** Succeeds once every node reports at least its expected number of Established BGP sessions. */
export function sessionsEstablishedCheck(expected: ReadonlyArray<{ container: string; sessions: number }>): string[] {
  const checks = expected.map(
    ({ container, sessions }) =>
      `[ "$(docker exec ${shellQuote(container)} birdcl -s ${BIRD_SOCKET} show protocols 2>/dev/null | grep -c Established)" -ge ${sessions} ]`,
  );
  return ["bash", "-c", checks.length > 0 ? checks.join(" && ") : "true"];
}

export function birdProtocolsCommand(container: string): string[] {
  return ["docker", "exec", container, "birdcl", "-s", BIRD_SOCKET, "show", "protocols"];
}

export function birdRoutesCommand(container: string): string[] {
  return ["docker", "exec", container, "ip", "-4", "route", "show", "proto", "bird"];
}
