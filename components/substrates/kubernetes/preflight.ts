import { readArtifact } from "../../../core/config/artifacts";
import type { ConfigIssue } from "../../../core/config/errors";
import { manifestPathFor } from "../../../core/config/keys";
import type { LabConfig } from "../../../core/config/types";
import { kubeconfigPath, kubernetesLocalIssues } from "../../../core/substrates/kubernetes/cluster";
import { onPath, readable, type Machine } from "../../lab/machine";

/** kubectl: the offline build's (the artifact manifest's), else the one on PATH; undefined when there is none. */
export function kubectlFor(config: LabConfig, cacheDir: string): string | undefined {
  const built = readArtifact(manifestPathFor(config.artifacts.manifest, process.env, cacheDir), "kubectl")?.path;
  if (built) return built;
  return onPath("kubectl") ? "kubectl" : undefined;
}

/** What this machine lacks for the kubernetes substrate: the kubeconfig, kubectl (as kubectlFor found it). */
export function kubernetesPreflight(config: LabConfig, machine: Machine, kubectl: string | undefined): ConfigIssue[] {
  return kubernetesLocalIssues(config.kubernetes, {
    kubeconfig: kubeconfigPath(config.kubernetes.kubeconfig, process.env, machine.home),
    readable,
    kubectl,
  });
}
