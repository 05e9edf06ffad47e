import { calicoNodeRuntime, startRunitAfterFile, type NodeRuntime } from "../../node-runtime";
import { BIRD6_SOCKET, waitUntilScript } from "../../node-scripts";
import { renderCalicoNodeStatus } from "../../substrates/kind/render";
import { shellJoin, shellQuote } from "../../shell";
import { KDD_ADMIN_KUBECONFIG, KDD_CRD_DIR, KDD_NAMESPACE, KDD_NODE_KUBECONFIG } from "./paths";
import { renderKddCalicoNodeEnv, renderKddNodes, renderKddPod, type KddNode, type KddPod } from "./render";

/**
 * Node-side scripts of the kdd scenario: plain POSIX sh that runs inside a lab container (the transport,
 * `docker exec` or ssh, wraps them elsewhere). Two kinds of node:
 * - the kube-apiserver container: kubectl with the admin kubeconfig, Calico's CRDs in its image;
 * - Calico nodes: cnitool, the CNI plugins, BIRD, and the kubeconfig the lab writes in.
 */

function heredoc(command: string, text: string): string {
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `${command} <<'CALICO_LAB_EOF'\n${body}CALICO_LAB_EOF`;
}

const KUBECTL = `kubectl --kubeconfig=${KDD_ADMIN_KUBECONFIG}`;

/** `kubectl apply` of the given documents (apiserver container). */
export function kubectlApplyScript(yaml: string): string {
  return `set -eu\n${heredoc(`${KUBECTL} apply -f -`, yaml)}`;
}

/** `kubectl delete` of the given documents; already gone is fine (apiserver container). */
export function kubectlDeleteScript(yaml: string): string {
  return `${heredoc(`${KUBECTL} delete --ignore-not-found -f -`, yaml)} || echo "calico-lab: kubectl delete failed; the apiserver may already be gone" >&2`;
}

/**
 * Calico's CRDs from the image, applied server-side (idempotent, and no copy of each up-to-50 KB document in
 * a last-applied annotation), then waited for until the apiserver serves them (apiserver container).
 */
export function applyCrdsScript(): string {
  return [
    "set -eu",
    `${KUBECTL} apply --server-side --force-conflicts -f ${KDD_CRD_DIR}`,
    `${KUBECTL} wait --for=condition=Established --timeout=60s -f ${KDD_CRD_DIR}`,
  ].join("\n");
}

export function createNodesScript(nodes: readonly KddNode[]): string {
  return kubectlApplyScript(renderKddNodes(nodes));
}

export function deleteNodesScript(names: readonly string[]): string {
  return `${KUBECTL} delete node --ignore-not-found ${shellJoin(names)} || echo "calico-lab: kubectl delete node failed; the apiserver may already be gone" >&2`;
}

/** Seconds between calico-node's updates of a CalicoNodeStatus. */
export const KDD_NODE_STATUS_PERIOD_SECONDS = 10;

/**
 * A CalicoNodeStatus per Calico node, named after it (Agent, BGP and Routes classes): calico-node's status
 * reporter fills in its BIRD's sessions and routes every KDD_NODE_STATUS_PERIOD_SECONDS (apiserver container).
 */
export function createNodeStatusesScript(names: readonly string[]): string {
  return kubectlApplyScript(
    names.map((name) => renderCalicoNodeStatus({ name, node: name, updatePeriodSeconds: KDD_NODE_STATUS_PERIOD_SECONDS })).join("---\n"),
  );
}

export function deleteNodeStatusesScript(names: readonly string[]): string {
  return `${KUBECTL} delete caliconodestatuses.crd.projectcalico.org --ignore-not-found ${shellJoin(names)} || echo "calico-lab: kubectl delete caliconodestatus failed; the apiserver may already be gone" >&2`;
}

export function createPodScript(pod: KddPod): string {
  return kubectlApplyScript(renderKddPod(pod));
}

/** Deletes the pod, not its namespace: namespaces never finish deleting without a controller manager. */
export function deletePodScript(pod: KddPod): string {
  return `${KUBECTL} delete pod --ignore-not-found -n ${shellQuote(pod.namespace ?? KDD_NAMESPACE)} ${shellQuote(pod.name)} || echo "calico-lab: kubectl delete pod failed; the apiserver may already be gone" >&2`;
}

/** Prints the address the CNI plugin wrote on the pod (cni.projectcalico.org/podIP, e.g. 10.1.0.1/32). */
export function podIpScript(pod: KddPod): string {
  return `${KUBECTL} get pod -n ${shellQuote(pod.namespace ?? KDD_NAMESPACE)} ${shellQuote(pod.name)} -o 'jsonpath={.metadata.annotations.cni\\.projectcalico\\.org/podIP}'`;
}

/** Writes the kubeconfig into a Calico node (root-only), where calico-node and the CNI plugin read it. */
export function writeNodeKubeconfigScript(kubeconfig: string): string {
  const dir = KDD_NODE_KUBECONFIG.slice(0, KDD_NODE_KUBECONFIG.lastIndexOf("/"));
  return `set -eu\nmkdir -p ${dir}\numask 077\n${heredoc(`cat > ${KDD_NODE_KUBECONFIG}.new`, kubeconfig)}\nmv ${KDD_NODE_KUBECONFIG}.new ${KDD_NODE_KUBECONFIG}`;
}

/**
 * Starts the node's bird6 (runit service), as calico/node always does, and waits until it answers. Calico's
 * status reporter reads BIRD over IPv4 and IPv6 for every CalicoNodeStatus, and when bird6's socket is
 * missing it resets the whole BGP and Routes status, the IPv4 sessions included (Calico v3.28,
 * node/pkg/status/populators: peers.go and route.go). The offline image starts bird6 only when IP6 is set.
 */
export function enableBird6Script(waitSeconds = 60): string {
  return [
    "[ -e /etc/service/enabled/bird6 ] || cp -a /etc/service/available/bird6 /etc/service/enabled/",
    waitUntilScript(["birdcl6", "-s", BIRD6_SOCKET, "show", "status"], waitSeconds, "bird6 answering"),
  ].join("\n");
}

/**
 * The Calico node's command: wait for the kubeconfig the lab writes in (calico-node -startup reads it at
 * once and exits without it), then the image's usual start_runit.
 */
export function calicoNodeKddCommand(waitSeconds = 600): string[] {
  return startRunitAfterFile(KDD_NODE_KUBECONFIG, "kubeconfig", waitSeconds);
}

/**
 * A Calico node of the kdd scenario. Ready means waiting for its kubeconfig: the lab writes it in once the
 * node exists, and the BGP status then waits for the sessions.
 */
export function calicoNodeKddRuntime(input: {
  nodeName: string;
  image: string;
  address: string;
  asNumber: number;
  logLevel: string;
}): NodeRuntime {
  return calicoNodeRuntime({
    ...input,
    env: renderKddCalicoNodeEnv({ nodeName: input.nodeName, ip: input.address, asNumber: input.asNumber, logLevel: input.logLevel }),
    command: calicoNodeKddCommand(),
    readiness: { command: ["true"], timeoutSeconds: 30 },
  });
}
