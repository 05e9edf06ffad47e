import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { comparisonProblems } from "../../../core/observed";
import { imageSetOf } from "../../../core/config/image-mode";
import type { LabConfig } from "../../../core/config/types";
import { mermaidDiagram } from "../../../core/diagram";
import { preflightMessage } from "../../../core/substrates/kind/preflight";
import { kindNodeNames, renderVppManifest } from "../../../core/substrates/kind/render";
import { CALICO_CONFLIST } from "../../../core/substrates/kind/scripts";
import type { ObservedTopology } from "../../../core/observed";
import { expectedTopology, type ExpectedTopology } from "../../../core/topology";
import type { BgpTopologyOutput, LabNodeOutput } from "../../lab/outputs";
import { KindBgpStatus } from "./bgp-status";
import { CalicoInstall } from "../../scenarios/kind/calico-install";
import { CalicoPools } from "../../scenarios/kind/calico-pools";
import { KindCalicoctl } from "./calicoctl";
import { KindCluster } from "./kind-cluster";
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
 * kdd and vpp on kind: preflight, the kind cluster, its Kubernetes provider, calicoctl in the nodes,
 * Calico through the tigera operator (and the VPP dataplane for vpp), the BGP configuration and IP pools,
 * then the live BGP status. Exports the same outputs as CalicoLab.
 */
export class KindLab extends pulumi.ComponentResource {
  public readonly etcd: pulumi.Output<{ endpoints: string[]; address: string; container: string }>;
  public readonly nodes: pulumi.Output<LabNodeOutput[]>;
  public readonly ipPools: pulumi.Output<{ yaml: string; pools: LabConfig["ipPools"] }>;
  public readonly cniConfig: pulumi.Output<{ path: string; conflist: string }>;
  public readonly bgpTopology: pulumi.Output<BgpTopologyOutput>;
  public readonly diagram: pulumi.Output<string>;
  /** Admin kubeconfig of the cluster (secret). */
  public readonly kubeconfig: pulumi.Output<string>;

  constructor(name: string, args: KindLabArgs, opts?: pulumi.ComponentResourceOptions) {
    const { config } = args;
    if (config.scenario === "bird") throw new Error("KindLab runs the kdd and vpp scenarios; bird runs in CalicoLab");
    const vpp = config.scenario === "vpp";
    const names = kindNodeNames(name, config.kind.workers);
    // Before anything is registered: a machine that cannot run kind fails here, with what to do about it.
    const problems = args.preflight({
      kindVersion: config.kind.kindVersion,
      nodeImage: config.kind.nodeImage,
      probeImage: config.kind.nodeImage,
      nodes: names.length,
      hugepagesPerNode: vpp ? config.vpp.hugepages : 0,
    });
    if (problems.length > 0) throw new pulumi.RunError(preflightMessage(problems));

    super("calicolab:index:KindLab", name, {}, opts);
    const firstPool = config.ipPools[0];
    if (!firstPool) throw new Error("ipPools was not validated");

    const cluster = new KindCluster(
      `${name}-cluster`,
      {
        clusterName: name,
        workers: config.kind.workers,
        nodeImage: config.kind.nodeImage,
        podSubnet: firstPool.cidr,
        serviceSubnet: config.kind.serviceSubnet,
      },
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
    const calico = new CalicoInstall(
      `${name}-calico`,
      {
        provider,
        calicoVersion: config.artifacts.versions.calico,
        linuxDataplane: vpp ? "VPP" : "Iptables",
        ...(vppManifest ? { vppManifest } : {}),
      },
      { parent: this, dependsOn: [provider] },
    );

    const pools = new CalicoPools(
      `${name}-ippools`,
      { provider, pools: config.ipPools, asNumber: config.bgp.asNumber },
      { parent: this, dependsOn: [calico] },
    );

    const expected: pulumi.Output<ExpectedTopology> = cluster.nodes.apply((addresses) =>
      expectedTopology({
        asNumber: config.bgp.asNumber,
        mode: "mesh",
        routeReflectors: [],
        nodes: names.map((node) => ({ name: node, address: addresses.find((a) => a.name === node)?.ip ?? "" })),
      }),
    );
    const status = new KindBgpStatus(
      `${name}-bgp-status`,
      { provider, source: vpp ? "gobgp" : "calicoNodeStatus", nodes: names, expected, triggers: [cluster.clusterId] },
      { parent: this, dependsOn: [pools, calicoctl] },
    );

    const controlPlaneIp = cluster.nodes.apply((addresses) => addresses.find((a) => a.name === names[0])?.ip ?? "");
    // The Kubernetes datastore: kind's own etcd on the control plane, behind the API server Calico talks to.
    this.etcd = controlPlaneIp.apply((address) => ({ endpoints: [`https://${address}:2379`], address, container: names[0] ?? "" }));
    this.ipPools = pools.yaml.apply((yaml) => ({ yaml, pools: config.ipPools }));
    this.cniConfig = status.conflist.apply((conflist) => ({ path: CALICO_CONFLIST, conflist }));
    this.bgpTopology = pulumi.all([expected, status.observed, status.comparison]).apply(([exp, observed, comparison]) => ({
      asNumber: config.bgp.asNumber,
      mode: "mesh",
      expected: exp,
      observed,
      matches: comparison.matches,
      problems: comparisonProblems(comparison),
    }));
    this.nodes = pulumi.all([expected, status.observed]).apply(([exp, observed]) => kindNodeOutputs(exp, observed));
    this.diagram = pulumi
      .all([controlPlaneIp, expected, status.observed])
      .apply(([etcdAddress, exp, observed]) => mermaidDiagram({ etcdAddress, expected: exp, observed, workloads: {} }));
    this.kubeconfig = cluster.kubeconfig;
    this.registerOutputs({
      etcd: this.etcd,
      nodes: this.nodes,
      ipPools: this.ipPools,
      cniConfig: this.cniConfig,
      bgpTopology: this.bgpTopology,
      diagram: this.diagram,
      kubeconfig: this.kubeconfig,
    });
  }
}

/** The bird lab's node rows: the container is the kind node itself; no cnitool workloads on kind. */
function kindNodeOutputs(expected: ExpectedTopology, observed: ObservedTopology): LabNodeOutput[] {
  return expected.nodes.map((node) => {
    const blocks = new Set<string>();
    for (const routes of Object.values(observed.routes)) for (const r of routes) if (r.viaNode === node.name) blocks.add(r.prefix);
    return {
      name: node.name,
      container: node.name,
      underlayIp: node.address,
      asNumber: node.asNumber,
      role: node.role,
      blocks: [...blocks].sort(),
      tunnelAddress: null,
      workloads: [],
    };
  });
}
