import { calicoNodeRuntime, startRunitAfterFile, type NodeRuntime } from "../../node-runtime";
import { BIRD6_SOCKET, waitUntilScript } from "../../node-scripts";
import { KDD_NODE_KUBECONFIG } from "./paths";
import { renderKddCalicoNodeEnv } from "./render";

/**
 * Node-side scripts of the kdd scenario for its Calico nodes: plain POSIX sh that runs inside a lab
 * container (the transport, `docker exec` or ssh, wraps them elsewhere). The Kubernetes objects themselves
 * (CRDs, Nodes, CalicoNodeStatus, Pods) are @pulumi/kubernetes resources: see objects.ts.
 */

function heredoc(command: string, text: string): string {
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `${command} <<'CALICO_LAB_EOF'\n${body}CALICO_LAB_EOF`;
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
