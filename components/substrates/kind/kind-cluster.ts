import * as pulumi from "@pulumi/pulumi";
import { onEngine, type KindEngine } from "../../../core/substrates/kind/engine";
import { kindNodeNames, renderKindConfig } from "../../../core/substrates/kind/render";
import {
  kindCreateScript,
  kindDeleteScript,
  kindKubeconfigScript,
  kindNodesScript,
  parseKindNodes,
  rpFilterScript,
  type KindNodeAddress,
} from "../../../core/substrates/kind/scripts";
import { hostStep } from "../../lab/node-step";
import { readStep } from "../../lab/user-error";

export interface KindClusterArgs {
  /** The kind cluster's name; its nodes are `<name>-control-plane`, `<name>-worker`, `<name>-worker2`, ... */
  readonly clusterName: string;
  /** Worker nodes besides the control plane (a plain number: it decides how many nodes there are). */
  readonly workers: number;
  /** The kind node image: kindest/node pinned by digest, or the offline build's. */
  readonly nodeImage: pulumi.Input<string>;
  /** The engine the nodes run on and the kind command (plain: it is in every script). */
  readonly engine: KindEngine;
  /** kind's podSubnet: the first IP pool's CIDR. */
  readonly podSubnet: pulumi.Input<string>;
  readonly serviceSubnet: pulumi.Input<string>;
}

/**
 * A kind cluster made by `kind create cluster` from the rendered config and removed by `kind delete
 * cluster`, on the engine it is given; then the nodes' addresses, the admin kubeconfig (a secret) and
 * strict rp_filter on every node. Host steps, so the lab needs no provider plugin beyond Kubernetes'.
 */
export class KindCluster extends pulumi.ComponentResource {
  /** The rendered kind config the cluster was made from. */
  public readonly config: pulumi.Output<string>;
  /** kind node names, control plane first (plain: known before the cluster exists). */
  public readonly nodeNames: readonly string[];
  public readonly controlPlane: string;
  /** Each node's address on kind's Docker network. */
  public readonly nodes: pulumi.Output<KindNodeAddress[]>;
  /** The nameserver in the nodes' resolv.conf (the Docker host). */
  public readonly dnsServer: pulumi.Output<string>;
  /** Admin kubeconfig for the cluster's API server on 127.0.0.1; secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Changes whenever the cluster is created again: steps that act inside the nodes re-run on it. */
  public readonly clusterId: pulumi.Output<string>;

  constructor(name: string, args: KindClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:kind:KindCluster", name, {}, opts);
    this.nodeNames = kindNodeNames(args.clusterName, args.workers);
    this.controlPlane = this.nodeNames[0] ?? "";
    this.config = pulumi.all([args.nodeImage, args.podSubnet, args.serviceSubnet]).apply(([nodeImage, podSubnet, serviceSubnet]) =>
      renderKindConfig({
        name: args.clusterName,
        workers: args.workers,
        nodeImage,
        podSubnet,
        serviceSubnet,
        ...(args.engine.apiServerAddress ? { apiServerAddress: args.engine.apiServerAddress } : {}),
      }),
    );

    // A changed config replaces the cluster: kind cannot change a cluster's nodes or subnets in place.
    const on = (script: string) => onEngine(args.engine, script);
    const cluster = hostStep(
      `${name}-create`,
      {
        create: this.config.apply((config) => on(kindCreateScript(args.clusterName, config))),
        delete: on(kindDeleteScript(args.clusterName)),
        triggers: [this.config],
        timeoutSeconds: 600,
      },
      { parent: this },
    );
    this.clusterId = cluster.id;

    const nodes = hostStep(
      `${name}-nodes`,
      { create: on(kindNodesScript(this.nodeNames)), triggers: [cluster.id] },
      { parent: this, dependsOn: [cluster] },
    );
    const parsed = nodes.stdout.apply((stdout) =>
      readStep(`reading the kind cluster ${name}'s nodes`, "check `kind get nodes` and `docker ps`, then run npm run lab:up again", () =>
        parseKindNodes(stdout),
      ),
    );
    this.nodes = parsed.apply((p) => p.nodes);
    this.dnsServer = parsed.apply((p) => p.dns);

    const kubeconfig = hostStep(
      `${name}-kubeconfig`,
      { create: on(kindKubeconfigScript(args.clusterName)), triggers: [cluster.id] },
      { parent: this, dependsOn: [cluster], additionalSecretOutputs: ["stdout"] },
    );
    this.kubeconfig = pulumi.secret(kubeconfig.stdout);

    const rpFilter = hostStep(
      `${name}-rp-filter`,
      { create: on(rpFilterScript(this.nodeNames)), triggers: [cluster.id] },
      { parent: this, dependsOn: [cluster] },
    );

    // Ready means: nodes listed, kubeconfig read, rp_filter pinned. Dependents of this component wait for all three.
    this.registerOutputs({
      config: this.config,
      nodes: this.nodes,
      dnsServer: this.dnsServer,
      kubeconfig: this.kubeconfig,
      clusterId: this.clusterId,
      rpFilter: rpFilter.stdout,
    });
  }
}
