import { shellJoin, shellQuote } from "../../shell";

/**
 * Commands the kind substrate runs on the machine running Pulumi. Inside the cluster they go through
 * `docker exec` into the control-plane node, whose kubectl and admin kubeconfig kind itself uses: the
 * host needs docker and kind, nothing else.
 */

export const ADMIN_KUBECONFIG = "/etc/kubernetes/admin.conf";
export const CALICO_CONFLIST = "/etc/cni/net.d/10-calico.conflist";
export const CALICOCTL_CONFIG = "/etc/calico/calicoctl.cfg";
export const BIRDCL_PATH = "/usr/local/bin/birdcl";

/**
 * birdcl in a kind node. BIRD runs in the calico-node Pod (its control socket is on the node, a hostPath), and the
 * node holds no birdcl: this one runs calico-node's through the node's container runtime, so that every lab node
 * answers `birdcl -s /var/run/calico/bird.ctl show protocols` alike (lab:status, the status probe, lab:exec).
 */
export const BIRDCL_SHIM = [
  "#!/bin/sh",
  "id=$(crictl ps --name '^calico-node$' --state running -q | sed -n 1p)",
  '[ -n "$id" ] || { echo "birdcl: no running calico-node container on this node" >&2; exit 1; }',
  'exec crictl exec -i "$id" birdcl "$@"',
  "",
].join("\n");
export const VPP_NAMESPACE = "calico-vpp-dataplane";

function heredoc(text: string): string {
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `<<'CALICO_LAB_EOF'\n${body}CALICO_LAB_EOF`;
}

/**
 * Creates the cluster from the rendered kind config (read from stdin). kind writes an admin kubeconfig: into a
 * folder of its own here, removed on exit, never the user's ~/.kube/config (the lab reads it with
 * kindKubeconfigScript into its state, as a secret). kind keeps the nodes of a failed create: they are deleted
 * then, and a cluster of the lab's name that is not in its state (what an interrupted create left) before.
 */
export function kindCreateScript(clusterName: string, kindConfig: string): string {
  return [
    "set -euo pipefail",
    `${shellJoin(["kind", "delete", "cluster", "--name", clusterName])} >/dev/null 2>&1 || true`,
    'kubeconfig=$(mktemp -d "${TMPDIR:-/tmp}/calico-lab-kind.XXXXXX")',
    "trap 'rm -rf \"$kubeconfig\"' EXIT",
    // kind keeps the nodes of a failed create: removed, so that a failed up leaves nothing behind.
    `if ! ${shellJoin(["kind", "create", "cluster", "--name", clusterName])} --kubeconfig "$kubeconfig/config" --config=- ${heredoc(kindConfig)}`,
    "then",
    `  ${shellJoin(["kind", "delete", "cluster", "--name", clusterName])} >&2 || true`,
    "  exit 1",
    "fi",
  ].join("\n");
}

/**
 * Host bash: each image of this machine's engine into the engine at `dockerHost` under the same ID
 * (`docker save` keeps it), skipped when that engine has it already. The offline Calico/VPP images are built
 * on the machine's engine (scripts/offline/calico-vpp.sh); kind loads images from the engine it runs on.
 * `missing` says what to do when the machine's engine lacks one.
 */
export function copyImagesScript(dockerHost: string, images: readonly string[], missing: string): string {
  const into = `DOCKER_HOST=${shellQuote(dockerHost)} docker`;
  const lines = images.flatMap((image) => {
    const name = shellQuote(image);
    return [
      `id=$(env -u DOCKER_HOST docker image inspect --format '{{.Id}}' ${name}) || { echo ${shellQuote(`no image ${image} on the Docker engine of this machine: ${missing}`)} >&2; exit 1; }`,
      `[ "$(${into} image inspect --format '{{.Id}}' ${name} 2>/dev/null)" = "$id" ] || env -u DOCKER_HOST docker save ${name} | ${into} load -q`,
    ];
  });
  return ["set -euo pipefail", ...lines].join("\n");
}

/** Copies images from the engine into every node of the cluster (containerd's k8s.io namespace), as kind does. */
export function kindLoadImagesScript(clusterName: string, images: readonly string[]): string {
  return `set -euo pipefail\n${shellJoin(["kind", "load", "docker-image", "--name", clusterName, ...images])}`;
}

/** Node-side: prints the name of the network namespace containerd made for the ready Pod `pod` (namespace default). */
export function podNetnsScript(pod: string): string {
  return [
    "set -eu",
    `id=$(crictl pods --name ${shellQuote(pod)} --namespace default --state ready -q | sed -n 1p)`,
    `[ -n "$id" ] || { echo ${shellQuote(`no ready sandbox of pod ${pod}`)} >&2; exit 1; }`,
    `crictl inspectp "$id" | jq -r '.info.runtimeSpec.linux.namespaces[] | select(.type == "network") | .path' | xargs basename`,
  ].join("\n");
}

/** Deletes the cluster: its node containers and its kubeconfig entry. kind succeeds when the cluster is already gone. */
export function kindDeleteScript(clusterName: string): string {
  return shellJoin(["kind", "delete", "cluster", "--name", clusterName]);
}

export function kindKubeconfigScript(clusterName: string): string {
  return shellJoin(["kind", "get", "kubeconfig", "--name", clusterName]);
}

/**
 * Prints {"nodes":[{"name","ip"}],"dns":"..."}: each node's address on kind's Docker network, and the
 * nameserver kind wrote into the nodes' resolv.conf (the Docker host, reached by VPP's DNS redirect).
 */
export function kindNodesScript(nodes: readonly string[]): string {
  const first = nodes[0] ?? "";
  const lines = ["set -euo pipefail", "printf '{\"nodes\":['"];
  nodes.forEach((node, i) => {
    lines.push(
      `ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' ${shellQuote(node)})`,
      `printf '${i > 0 ? "," : ""}{"name":"%s","ip":"%s"}' ${shellQuote(node)} "$ip"`,
    );
  });
  lines.push(
    `dns=$(docker exec ${shellQuote(first)} awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)`,
    `printf '],"dns":"%s"}\\n' "$dns"`,
  );
  return lines.join("\n");
}

export interface KindNodeAddress {
  readonly name: string;
  readonly ip: string;
}

/** Parses kindNodesScript's output. */
export function parseKindNodes(stdout: string): { nodes: KindNodeAddress[]; dns: string } {
  const parsed = JSON.parse(stdout) as { nodes?: KindNodeAddress[]; dns?: string };
  return { nodes: parsed.nodes ?? [], dns: parsed.dns ?? "" };
}

/**
 * Strict reverse-path filtering on every node, as kind's node image sets it in /etc/sysctl.d. Felix
 * no longer refuses loose RPF and has no IgnoreLooseRPF setting (both removed in December 2019): it checks workload
 * sources itself with an iptables rpfilter rule and sets rp_filter on each cali* interface from the
 * node's default. Pinning all/default to 1 keeps a host whose systemd makes them 2 (loose) out of the
 * lab. Prints each node's resulting values.
 */
export function rpFilterScript(nodes: readonly string[]): string {
  const lines = ["set -euo pipefail"];
  for (const node of nodes) {
    lines.push(
      `docker exec ${shellQuote(node)} sysctl -q -w net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1`,
      `echo "${node}: $(docker exec ${shellQuote(node)} sysctl -n net.ipv4.conf.all.rp_filter net.ipv4.conf.default.rp_filter | tr '\\n' ' ')"`,
    );
  }
  return lines.join("\n");
}

/** kubectl as the cluster admin, inside the control-plane node. */
export function kubectlInNode(controlPlane: string, args: readonly string[]): string[] {
  return ["docker", "exec", controlPlane, "kubectl", `--kubeconfig=${ADMIN_KUBECONFIG}`, ...args];
}

export function conflistCommand(node: string): string[] {
  return ["docker", "exec", node, "cat", CALICO_CONFLIST];
}

/** Runs a command in the calico-vpp agent container of one node (the agent image carries the gobgp CLI). */
export function vppAgentCommand(controlPlane: string, node: string, args: readonly string[]): string[] {
  const kubectl = `kubectl --kubeconfig=${ADMIN_KUBECONFIG} -n ${VPP_NAMESPACE}`;
  const script =
    `pod=$(${kubectl} get pods -l k8s-app=calico-vpp-node --field-selector spec.nodeName=${shellQuote(node)} -o name) && ` +
    `[ -n "$pod" ] && ${kubectl} exec "$pod" -c agent -- ${shellJoin(args)}`;
  return ["docker", "exec", controlPlane, "sh", "-c", script];
}

export function gobgpNeighborCommand(controlPlane: string, node: string): string[] {
  return vppAgentCommand(controlPlane, node, ["gobgp", "neighbor"]);
}

export function gobgpRibCommand(controlPlane: string, node: string): string[] {
  return vppAgentCommand(controlPlane, node, ["gobgp", "global", "rib", "-a", "ipv4"]);
}

/** Succeeds once every node's GoBGP shows at least its expected number of Established ("Establ") neighbors. */
export function gobgpReadyCheck(controlPlane: string, expected: ReadonlyArray<{ node: string; sessions: number }>): string[] {
  const checks = expected.map(
    ({ node, sessions }) =>
      `[ "$(${shellJoin(gobgpNeighborCommand(controlPlane, node))} 2>/dev/null | grep -c ' Establ ')" -ge ${sessions} ]`,
  );
  return ["bash", "-c", checks.length > 0 ? checks.join(" && ") : "true"];
}
