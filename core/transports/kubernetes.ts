import { shellJoin, shellQuote } from "../shell";
import { pipeScript, type NodeShell } from "./node-shell";

/**
 * A container of a lab Pod, reached through the cluster's API with kubectl (`kubectl exec`): plain data, so
 * that the lab's tools outside the Pulumi program reach it the way the lab does. The kubeconfig is named by
 * its path on this machine, never carried.
 */
export interface KubernetesTarget {
  /** The kubectl binary: the offline build's, or `kubectl` on PATH. */
  readonly kubectl: string;
  /** Path of the kubeconfig on this machine. */
  readonly kubeconfig: string;
  /** Its context; empty: the current one. */
  readonly context: string;
  readonly namespace: string;
  readonly pod: string;
}

/** The container of a lab Pod that runs the node's runtime (etcd, calico-node). */
export const NODE_CONTAINER = "node";
/** The lab Pod's container with tcpdump, in the Pod's network namespace. */
export const TCPDUMP_CONTAINER = "tcpdump";

/** kubectl with the target's kubeconfig, context and namespace. */
export function kubectlCommand(t: Pick<KubernetesTarget, "kubectl" | "kubeconfig" | "context" | "namespace">): string[] {
  return [t.kubectl, `--kubeconfig=${t.kubeconfig}`, ...(t.context ? [`--context=${t.context}`] : []), `--namespace=${t.namespace}`];
}

/** `argv` in `container` of the target's Pod, its stdin the caller's. */
export function kubectlExec(t: KubernetesTarget, container: string, argv: readonly string[]): string[] {
  return [...kubectlCommand(t), "exec", "-i", t.pod, "-c", container, "--", ...argv];
}

/** Nodes that are Pods of a cluster: `kubectl exec` into the node's container, files copied as a tar stream. */
export function kubernetesShell(t: KubernetesTarget): NodeShell {
  return {
    run: (script, options) => pipeScript(shellJoin(kubectlExec(t, NODE_CONTAINER, ["sh", "-s"])), script, options?.tolerate),
    copyDir: (hostDir, nodeDir) =>
      `tar -C ${shellQuote(hostDir)} -cf - . | ${shellJoin(
        kubectlExec(t, NODE_CONTAINER, ["sh", "-c", 'mkdir -p "$1" && tar -C "$1" -xf -', "sh", nodeDir]),
      )}`,
  };
}

/** Host-side bash that runs `argv` (tcpdump) in the Pod's tcpdump container: it shares the node's network namespace. */
export function kubernetesNetnsTool(t: KubernetesTarget, argv: readonly string[]): string {
  return shellJoin(kubectlExec(t, TCPDUMP_CONTAINER, argv));
}
