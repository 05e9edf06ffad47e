import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podNetnsScript } from "../../../core/substrates/kind/scripts";
import { dockerShell } from "../../../core/transports/docker";
import { hostStep } from "../../lab/node-step";

export interface KindPodsArgs {
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
  /** The kind nodes, one workload Pod each (plain: one resource each). */
  readonly nodes: readonly string[];
  /** The Pods' image, with ping (the lab's node image; offline, one the nodes hold already). */
  readonly image: pulumi.Input<string>;
  /** The engine the nodes run on (DOCKER_HOST form); docker's default when undefined. */
  readonly dockerHost?: string;
}

/** One workload per node: a Pod the kubelet runs, its address from Calico's IPAM. */
export interface KindPod {
  readonly node: string;
  readonly name: string;
  /** The Pod's network namespace in its node (/var/run/netns/<namespace>, made by containerd's CNI). */
  readonly namespace: string;
  readonly ip: string;
}

/**
 * The lab's workloads on kind: a Pod bound to each node (nodeName, tolerating the control plane's taint), so
 * that every node has one and the kubelet, Calico's CNI plugin and IPAM do the wiring as in any cluster.
 */
export class KindPods extends pulumi.ComponentResource {
  public readonly pods: pulumi.Output<KindPod[]>;

  constructor(name: string, args: KindPodsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:kind:KindPods", name, {}, opts);
    const made = args.nodes.map(
      (node, i) =>
        new k8s.core.v1.Pod(
          `${name}-${i + 1}`,
          {
            metadata: { name: `wl-${node}`, namespace: "default", labels: { "calico-lab/workload": "true" } },
            spec: {
              nodeName: node,
              tolerations: [{ operator: "Exists" }],
              terminationGracePeriodSeconds: 0,
              containers: [{ name: "wl", image: args.image, imagePullPolicy: "IfNotPresent", command: ["sleep", "infinity"] }],
            },
          },
          { parent: this, provider: args.provider },
        ),
    );
    // The Pod's network namespace, where lab:exec and the tests reach it as they reach other substrates' workloads.
    const netns = made.map((pod, i) => {
      const node = args.nodes[i] ?? "";
      return hostStep(
        `${name}-${i + 1}-netns`,
        {
          create: pod.metadata.name.apply((podName) => dockerShell(node, args.dockerHost).run(podNetnsScript(podName))),
          triggers: [pod.metadata.uid],
        },
        { parent: this, dependsOn: [pod] },
      ).stdout;
    });
    this.pods = pulumi.all(
      made.map((pod, i) =>
        pulumi.all([pod.metadata.name, pod.status.podIP, netns[i] ?? ""]).apply(([podName, ip, ns]) => ({
          node: args.nodes[i] ?? "",
          name: podName,
          namespace: ns.trim(),
          ip,
        })),
      ),
    );
    this.registerOutputs({ pods: this.pods });
  }
}
