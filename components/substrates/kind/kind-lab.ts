import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageSetOf } from "../../../core/config/image-mode";
import type { LabConfig } from "../../../core/config/types";
import { preflightMessage } from "../../../core/substrates/kind/preflight";
import { kindNodeNames, renderVppManifest } from "../../../core/substrates/kind/render";
import { expectedTopology, type ExpectedTopology } from "../../../core/topology";
import { registeredOutputs, type LabOutputs } from "../../lab/outputs";
import { CalicoInstall } from "../../scenarios/kind/calico-install";
import { CalicoPools } from "../../scenarios/kind/calico-pools";
import { KindBgpStatus } from "./bgp-status";
import { KindCalicoctl } from "./calicoctl";
import { KindCluster } from "./kind-cluster";
import { kindLabOutputs } from "./kind-outputs";
import type { KindPreflight } from "./preflight";

export interface KindLabArgs {
  /** The validated lab settings, scenario kdd or vpp (plain values: they decide how many resources there are). */
  readonly config: LabConfig;
  /** Host folder for fetched tools (calicoctl). */
  readonly cacheDir: string;
  /** The offline build's artifact manifest (used when calicoctl comes from it). */
  readonly manifestPath: string;
  /** Checks the machine before anything is registered; `runKindPreflight` for real runs, a stub under mocks. */
  readonly preflight: KindPreflight;
}

/**
 * kdd and vpp on kind, in stages: preflight, the kind cluster and its Kubernetes provider, calicoctl in the
 * nodes, Calico through the tigera operator (and the VPP dataplane for vpp), the BGP configuration and IP
 * pools, then the live BGP status. Fills in the same outputs contract as CalicoLab.
 */
export class KindLab extends pulumi.ComponentResource implements LabOutputs {
  public readonly etcd: LabOutputs["etcd"];
  public readonly nodes: LabOutputs["nodes"];
  public readonly ipPools: LabOutputs["ipPools"];
  public readonly cniConfig: LabOutputs["cniConfig"];
  public readonly bgpTopology: LabOutputs["bgpTopology"];
  public readonly diagram: LabOutputs["diagram"];
  /** Admin kubeconfig of the cluster (secret). */
  public readonly kubeconfig: pulumi.Output<string>;

  constructor(name: string, args: KindLabArgs, opts?: pulumi.ComponentResourceOptions) {
    const { config } = args;
    const names = kindNodeNames(name, config.kind.workers);
    checkMachine(args, names.length);
    super("calicolab:index:KindLab", name, {}, opts);
    const firstPool = config.ipPools[0];
    if (!firstPool) throw new Error("ipPools was not validated");
    const { kind, bgp } = config;

    const cluster = new KindCluster(
      `${name}-cluster`,
      { clusterName: name, workers: kind.workers, nodeImage: kind.nodeImage, podSubnet: firstPool.cidr, serviceSubnet: kind.serviceSubnet },
      { parent: this },
    );
    const provider = new k8s.Provider(
      `${name}-provider`,
      { kubeconfig: cluster.kubeconfig, deleteUnreachable: true },
      { parent: this, dependsOn: [cluster] },
    );
    const calicoctl = new KindCalicoctl(
      `${name}-calicoctl`,
      {
        source: imageSetOf(config).tools.calicoctl,
        cacheDir: args.cacheDir,
        manifestPath: args.manifestPath,
        nodes: names,
        clusterId: cluster.clusterId,
      },
      { parent: this, dependsOn: [cluster] },
    );
    const calico = installCalico(name, this, config, cluster, provider);
    const pools = new CalicoPools(
      `${name}-ippools`,
      { provider, pools: config.ipPools, asNumber: bgp.asNumber },
      { parent: this, dependsOn: [calico] },
    );

    const expected = expectedOf(cluster, names, bgp.asNumber);
    const status = new KindBgpStatus(
      `${name}-bgp-status`,
      { provider, source: config.scenario === "vpp" ? "gobgp" : "calicoNodeStatus", nodes: names, expected, triggers: [cluster.clusterId] },
      { parent: this, dependsOn: [pools, calicoctl] },
    );

    const controlPlane = names[0] ?? "";
    const outputs = kindLabOutputs({
      controlPlane,
      controlPlaneIp: cluster.nodes.apply((addresses) => addresses.find((a) => a.name === controlPlane)?.ip ?? ""),
      asNumber: bgp.asNumber,
      expected,
      ipPools: config.ipPools,
      poolsYaml: pools.yaml,
      status,
      kubeconfig: cluster.kubeconfig,
    });
    this.etcd = outputs.etcd;
    this.nodes = outputs.nodes;
    this.ipPools = outputs.ipPools;
    this.cniConfig = outputs.cniConfig;
    this.bgpTopology = outputs.bgpTopology;
    this.diagram = outputs.diagram;
    this.kubeconfig = cluster.kubeconfig;
    this.registerOutputs(registeredOutputs(outputs));
  }
}

/** Before anything is registered: a machine that cannot run kind fails here, with what to do about it. */
function checkMachine(args: KindLabArgs, nodes: number): void {
  const { config } = args;
  if (config.scenario === "bird") throw new Error("KindLab runs the kdd and vpp scenarios; bird runs in CalicoLab");
  const problems = args.preflight({
    kindVersion: config.kind.kindVersion,
    nodeImage: config.kind.nodeImage,
    probeImage: config.kind.nodeImage,
    nodes,
    hugepagesPerNode: config.scenario === "vpp" ? config.vpp.hugepages : 0,
  });
  if (problems.length > 0) throw new pulumi.RunError(preflightMessage(problems));
}

/** Calico the way users install it (the tigera operator), with the VPP dataplane for vpp. */
function installCalico(name: string, parent: pulumi.Resource, config: LabConfig, cluster: KindCluster, provider: k8s.Provider) {
  const vpp = config.scenario === "vpp";
  const vppManifest = vpp
    ? cluster.dnsServer.apply((dnsServer) =>
        renderVppManifest({
          version: config.vpp.version,
          uplinkInterface: config.vpp.uplinkInterface,
          driver: config.vpp.driver,
          hugepages: config.vpp.hugepages,
          serviceSubnet: config.kind.serviceSubnet,
          dnsServer,
        }),
      )
    : undefined;
  return new CalicoInstall(
    `${name}-calico`,
    {
      provider,
      calicoVersion: config.artifacts.versions.calico,
      linuxDataplane: vpp ? "VPP" : "Iptables",
      ...(vppManifest ? { vppManifest } : {}),
    },
    { parent, dependsOn: [provider] },
  );
}

/** A full mesh of the cluster's nodes at the addresses kind gave them. */
function expectedOf(cluster: KindCluster, names: readonly string[], asNumber: number): pulumi.Output<ExpectedTopology> {
  return cluster.nodes.apply((addresses) =>
    expectedTopology({
      asNumber,
      mode: "mesh",
      routeReflectors: [],
      nodes: names.map((node) => ({ name: node, address: addresses.find((a) => a.name === node)?.ip ?? "" })),
    }),
  );
}
