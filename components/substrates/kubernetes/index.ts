import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import versions from "../../../versions.json";
import { parseCidr } from "../../../core/addressing";
import type { KubernetesSettings } from "../../../core/config/types";
import { labLabels, LABEL_PREFIX, type NodeRuntime } from "../../../core/node-runtime";
import { shellJoin } from "../../../core/shell";
import { labNamespace } from "../../../core/substrates/kubernetes/cluster";
import { imageFrom, labNamespaceManifest, labNetServiceManifest, labPodManifest } from "../../../core/substrates/kubernetes/pod";
import { kubernetesAccess, shellFor } from "../../../core/transports/access";
import type { KubernetesTarget } from "../../../core/transports/kubernetes";
import { nodeStep } from "../../lab/node-step";
import { pollInside } from "../../lab/process";
import { labNode, type Substrate } from "../substrate";

export interface KubernetesSubstrateOptions {
  readonly kubernetes: KubernetesSettings;
  /** The kubeconfig's path on this machine (the setting resolved: kubeconfigPath). */
  readonly kubeconfig: string;
  /** The kubectl the lab's steps run. */
  readonly kubectl: string;
  /** The lab's node image: it carries ip and bridge for the lab network's containers. */
  readonly nodeImage: string;
}

/** A manifest's metadata and spec, as a Kubernetes resource's args. */
function fromManifest<T>(manifest: pulumi.Output<Record<string, unknown>>): T {
  return { metadata: manifest.apply((m) => m.metadata), spec: manifest.apply((m) => m.spec) } as T;
}

/** How long a lab Pod may take to be scheduled, get its images and start: past it, `up` fails naming the Pod. */
export const POD_CREATE_TIMEOUT = "5m";

/**
 * Nodes as Pods of a cluster the user already has (the kubeconfig's): one namespace per lab, one Pod per node
 * spread over the cluster's machines, joined by the lab network (a VXLAN overlay between the Pods: see
 * core/substrates/kubernetes/lab-net.ts), so every node keeps its planned underlay address. Managed with
 * Pulumi's Kubernetes provider; the lab's steps reach the Pods with kubectl exec. Deleting the namespace
 * takes everything with it.
 */
export function kubernetesSubstrate(options: KubernetesSubstrateOptions): Substrate {
  return (context, underlay) => {
    const namespace = labNamespace(options.kubernetes, context.lab);
    const labels = (role: string) => pulumi.output(context.stack).apply((stack) => labLabels(context.lab, stack, role));
    const selector = { [`${LABEL_PREFIX}.lab`]: context.lab };
    const prefixLength = parseCidr(underlay.subnet)?.prefixLength;
    if (prefixLength === undefined) throw new pulumi.RunError(`underlay.cidr ${underlay.subnet} was not validated`);
    const provider = new k8s.Provider(
      `${context.lab}-cluster`,
      {
        kubeconfig: options.kubeconfig,
        ...(options.kubernetes.context ? { context: options.kubernetes.context } : {}),
        deleteUnreachable: true,
      },
      { parent: context.parent },
    );
    const made = { parent: context.parent, provider };
    const ns = new k8s.core.v1.Namespace(
      `${context.lab}-namespace`,
      fromManifest<k8s.core.v1.NamespaceArgs>(labels("namespace").apply((l) => labNamespaceManifest(namespace, l))),
      made,
    );
    const network = new k8s.core.v1.Service(
      `${context.lab}-underlay`,
      fromManifest<k8s.core.v1.ServiceArgs>(labels("network").apply((l) => labNetServiceManifest(namespace, l, selector))),
      { ...made, dependsOn: [ns], deletedWith: ns },
    );
    const image = (name: string) => imageFrom(options.kubernetes.imageRegistry, name);
    const target = (pod: string): KubernetesTarget => ({
      kubectl: options.kubectl,
      kubeconfig: options.kubeconfig,
      context: options.kubernetes.context,
      namespace,
      pod,
    });
    return {
      network,
      node(runtime, dependsOn) {
        const name = `${context.lab}-${runtime.node}`;
        const placed: NodeRuntime = { ...runtime, image: image(runtime.image) };
        const pod = new k8s.core.v1.Pod(
          name,
          fromManifest<k8s.core.v1.PodArgs>(
            labels(runtime.role).apply((l) =>
              labPodManifest(placed, {
                namespace,
                labels: l,
                labSelector: selector,
                labNet: { address: runtime.address, prefixLength },
                netImage: image(options.nodeImage),
                tcpdumpImage: image(versions.offlineImages.tcpdump),
              }),
            ),
          ),
          { ...made, dependsOn: [...new Set([network, ...dependsOn])], deletedWith: ns, customTimeouts: { create: POD_CREATE_TIMEOUT } },
        );
        const access = kubernetesAccess(target(runtime.node));
        const parts = { instanceId: pod.metadata.uid, deletedWith: pod };
        const { command, timeoutSeconds } = runtime.readiness;
        const ready = nodeStep(
          `${name}-ready`,
          { shell: shellFor(access), ...parts },
          {
            create: `${shellJoin(pollInside(command, timeoutSeconds))} || { echo "calico-lab: ${name} was not ready within ${timeoutSeconds}s (${command.join(" ")} kept failing)" >&2; exit 1; }`,
          },
          { parent: context.parent, dependsOn: [pod] },
        );
        return labNode(runtime, access, { ...parts, handle: pulumi.output(`${namespace}/${runtime.node}`), resource: ready });
      },
    };
  };
}
