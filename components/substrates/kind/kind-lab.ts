import { readFileSync } from "node:fs";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import versions from "../../../versions.json";
import { readArtifact } from "../../../core/config/artifacts";
import { imageSetOf } from "../../../core/config/image-mode";
import { KIND_ARTIFACT, renderCalicoManifest, type CalicoImages, type CalicoManifest } from "../../../core/substrates/kind/calico-manifest";
import { onEngine, ownEngine, USER_ENGINE, type KindEngine } from "../../../core/substrates/kind/engine";
import { kindLoadImagesScript } from "../../../core/substrates/kind/scripts";
import type { LabConfig } from "../../../core/config/types";
import { preflightMessage } from "../../../core/substrates/kind/preflight";
import { kindNodeNames, renderVppManifest } from "../../../core/substrates/kind/render";
import { expectedTopology, type ExpectedTopology } from "../../../core/topology";
import { registeredOutputs, type LabOutputs } from "../../lab/outputs";
import { hostStep } from "../../lab/node-step";
import { CalicoInstall } from "../../scenarios/kind/calico-install";
import { CalicoManifestInstall } from "../../scenarios/kind/calico-manifest-install";
import { CalicoPools } from "../../scenarios/kind/calico-pools";
import { KindPods } from "../../scenarios/kind/pods";
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
 * nodes, Calico (offline: Calico's manifest with the offline build's images, on the build's own engine;
 * online: the tigera operator, and the VPP dataplane for vpp), the BGP configuration and IP pools, a workload
 * Pod on every node, then the live BGP status. Fills in the same outputs contract as CalicoLab.
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
    const offline = config.imageMode === "offline";
    const engine = offline ? ownEngine(args.cacheDir) : USER_ENGINE;
    const nodeImage = offline ? versions.kind.nodeImage : config.kind.nodeImage;
    // Read before anything is registered: a missing kind build fails here, saying what to build.
    const manifest = offline ? offlineCalicoManifest(args.manifestPath) : undefined;
    checkMachine(args, names.length, engine, nodeImage);
    super("calicolab:index:KindLab", name, {}, opts);
    const firstPool = config.ipPools[0];
    if (!firstPool) throw new Error("ipPools was not validated");
    const { kind, bgp } = config;

    const cluster = new KindCluster(
      `${name}-cluster`,
      { clusterName: name, workers: kind.workers, nodeImage, podSubnet: firstPool.cidr, serviceSubnet: kind.serviceSubnet, engine },
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
        ...(engine.dockerHost ? { dockerHost: engine.dockerHost } : {}),
      },
      { parent: this, dependsOn: [cluster] },
    );
    const calico = manifest
      ? installFromManifest(name, this, { cluster, provider, engine, manifest: manifest.install })
      : installCalico(name, this, config, cluster, provider);
    // Route reflectors are named by kind role in the settings (control-plane, worker, ...), nodes by <cluster>-<role>.
    const reflectors = bgp.mode === "routeReflectors" ? bgp.routeReflectors.map((role) => `${name}-${role}`) : [];
    const pools = new CalicoPools(
      `${name}-ippools`,
      {
        provider,
        pools: config.ipPools,
        asNumber: bgp.asNumber,
        routeReflectors: reflectors,
        routeReflectorClusterId: bgp.routeReflectorClusterId,
      },
      { parent: this, dependsOn: [calico] },
    );
    const controllers = manifest
      ? [
          new CalicoManifestInstall(
            `${name}-calico-controllers`,
            { provider, manifest: manifest.controllers },
            { parent: this, dependsOn: [pools] },
          ),
        ]
      : [];
    const pods = new KindPods(
      `${name}-workloads`,
      {
        provider,
        nodes: names,
        image: offline ? versions.offlineImages.node : imageSetOf(config).node,
        ...(engine.dockerHost ? { dockerHost: engine.dockerHost } : {}),
      },
      { parent: this, dependsOn: [pools] },
    );

    const expected = expectedOf(cluster, names, bgp.asNumber, reflectors);
    const status = new KindBgpStatus(
      `${name}-bgp-status`,
      {
        provider,
        source: config.scenario === "vpp" ? "gobgp" : "calicoNodeStatus",
        nodes: names,
        expected,
        // What is expected changing (the mesh to route reflectors) reads the sessions anew.
        triggers: [cluster.clusterId, expected],
        engine,
      },
      { parent: this, dependsOn: [pools, calicoctl, pods, ...controllers] },
    );

    const controlPlane = names[0] ?? "";
    const outputs = kindLabOutputs({
      controlPlane,
      controlPlaneIp: cluster.nodes.apply((addresses) => addresses.find((a) => a.name === controlPlane)?.ip ?? ""),
      asNumber: bgp.asNumber,
      mode: reflectors.length > 0 ? "routeReflectors" : "mesh",
      expected,
      ipPools: config.ipPools,
      poolsYaml: pools.yaml,
      status,
      kubeconfig: cluster.kubeconfig,
      pods: pods.pods,
      ...(engine.dockerHost ? { dockerHost: engine.dockerHost } : {}),
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

/** The offline build's Calico images (versions.json): what the manifest runs instead of docker.io/calico's. */
const OFFLINE_CALICO_IMAGES: CalicoImages = {
  node: versions.offlineImages.node,
  cni: versions.kind.calicoImages.cni,
  kubeControllers: versions.kind.calicoImages.kubeControllers,
};

/** Calico's manifest from the offline build (scripts/offline/kind-calico.sh), rendered for the lab. */
function offlineCalicoManifest(manifestPath: string): CalicoManifest {
  const entry = readArtifact(manifestPath, KIND_ARTIFACT);
  if (!entry?.path || entry.version !== versions.calico.version) {
    throw new pulumi.RunError(
      `the offline build has no Calico manifest ${versions.calico.version} for kind (${KIND_ARTIFACT} in ${manifestPath}: ` +
        `${entry ? `version ${entry.version ?? "none"}` : "missing"}): run bash scripts/offline/build.sh --kind`,
    );
  }
  return renderCalicoManifest(readFileSync(entry.path, "utf8"), { version: versions.calico.version, images: OFFLINE_CALICO_IMAGES });
}

/** The offline images into every node (`kind load docker-image`), then Calico's manifest. */
function installFromManifest(
  name: string,
  parent: pulumi.Resource,
  { cluster, provider, engine, manifest }: { cluster: KindCluster; provider: k8s.Provider; engine: KindEngine; manifest: string },
): pulumi.Resource {
  const images = [OFFLINE_CALICO_IMAGES.node, OFFLINE_CALICO_IMAGES.cni, OFFLINE_CALICO_IMAGES.kubeControllers];
  const loaded = hostStep(
    `${name}-images`,
    { create: onEngine(engine, kindLoadImagesScript(name, images)), triggers: [cluster.clusterId], timeoutSeconds: 600 },
    { parent, dependsOn: [cluster] },
  );
  return new CalicoManifestInstall(`${name}-calico`, { provider, manifest }, { parent, dependsOn: [loaded, provider] });
}

/** Before anything is registered: a machine that cannot run kind fails here, with what to do about it. */
function checkMachine(args: KindLabArgs, nodes: number, engine: KindEngine, nodeImage: string): void {
  const { config } = args;
  if (config.scenario === "bird") throw new Error("KindLab runs the kdd and vpp scenarios; bird runs in CalicoLab");
  const problems = args.preflight(
    {
      kindVersion: config.kind.kindVersion,
      nodeImage,
      probeImage: nodeImage,
      nodes,
      hugepagesPerNode: config.scenario === "vpp" ? config.vpp.hugepages : 0,
      // Calico/VPP: pods are tap v2 interfaces of VPP, which need vhost-net in the nodes' kernel (the host's).
      vhostNet: config.scenario === "vpp",
      ownEngine: engine !== USER_ENGINE,
    },
    engine,
  );
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

/** The cluster's nodes at the addresses kind gave them: a full mesh, or each node with the route reflectors. */
function expectedOf(
  cluster: KindCluster,
  names: readonly string[],
  asNumber: number,
  routeReflectors: readonly string[],
): pulumi.Output<ExpectedTopology> {
  return cluster.nodes.apply((addresses) =>
    expectedTopology({
      asNumber,
      mode: routeReflectors.length > 0 ? "routeReflectors" : "mesh",
      routeReflectors,
      nodes: names.map((node) => ({ name: node, address: addresses.find((a) => a.name === node)?.ip ?? "" })),
    }),
  );
}
