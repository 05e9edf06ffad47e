import type { ConfigIssue } from "../../config/errors";
import type { KubernetesSettings } from "../../config/types";

/** The kubeconfig the lab uses: the setting (~/ expanded), else $KUBECONFIG's first path, else ~/.kube/config. */
export function kubeconfigPath(setting: string, env: Readonly<Record<string, string | undefined>>, home: string): string {
  const path = setting || (env.KUBECONFIG ?? "").split(":").find((p) => p !== "") || "~/.kube/config";
  return path.startsWith("~/") ? `${home}${path.slice(1)}` : path;
}

/** The lab's namespace: the setting, else the lab's name. */
export function labNamespace(settings: Pick<KubernetesSettings, "namespace">, lab: string): string {
  return settings.namespace || lab;
}

/** What this machine lacks to reach the cluster: a readable kubeconfig, and kubectl for the lab's steps. */
export function kubernetesLocalIssues(
  settings: KubernetesSettings,
  machine: { readonly kubeconfig: string; readonly readable: (path: string) => boolean; readonly kubectl: string | undefined },
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!machine.readable(machine.kubeconfig)) {
    issues.push({
      setting: "kubernetes.kubeconfig",
      value: settings.kubeconfig,
      allowed: `the kubeconfig ${machine.kubeconfig} cannot be read on this machine; allowed is the path of a kubeconfig of the cluster (empty: $KUBECONFIG, else ~/.kube/config)`,
    });
  }
  if (machine.kubectl === undefined) {
    issues.push({
      setting: "substrate",
      value: "kubernetes",
      allowed:
        "the lab's steps run kubectl exec in its Pods, and this machine has no kubectl: run npm run offline:build (it builds kubectl), or install kubectl",
    });
  }
  return issues;
}
