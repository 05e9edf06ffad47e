import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import versions from "../../../versions.json";
import { parseCidr } from "../../../core/addressing";
import { imageSetOf } from "../../../core/config/image-mode";
import type { LabConfig } from "../../../core/config/types";
import { onEngineArgv, ownEngine, USER_ENGINE, type KindEngine } from "../../../core/substrates/kind/engine";
import { preflightMessage } from "../../../core/substrates/kind/preflight";
import { kindNodeNames, parseManifest, renderCalicoNodeStatus } from "../../../core/substrates/kind/render";
import { CALICO_CONFLIST, conflistCommand } from "../../../core/substrates/kind/scripts";
import { dockerShell } from "../../../core/transports/docker";
import { expectedTopology, type ExpectedTopology } from "../../../core/topology";
import { BgpStatus } from "../../calico/bgp-status";
import { LiveProbe } from "../../lab/live-probe";
import type { CniConfigOutput } from "../../lab/outputs";
import type { LabParts, LabPlatform } from "../../lab/platform";
import { CalicoManifestInstall } from "../../scenarios/kind/calico-manifest-install";
import { CalicoPools } from "../../scenarios/kind/calico-pools";
import { KindPods } from "../../scenarios/kind/pods";
import { GobgpStatus } from "./bgp-status";
import { calicoSource, declareCalico, type CalicoSource } from "./calico";
import { KindCalicoctl } from "./calicoctl";
import { KindCluster } from "./kind-cluster";
import type { KindPreflight } from "./preflight";

export interface KindPlatformArgs {
  /** The validated lab settings, scenario kdd or calico-vpp (plain values: they decide how many resources there are). */
  readonly config: LabConfig;
  /** The lab's name: the cluster's, and its nodes' prefix. */
  readonly lab: string;
  /** Host folder for fetched tools (calicoctl). */
  readonly cacheDir: string;
  /** The offline build's artifact manifest (used when calicoctl comes from it). */
  readonly manifestPath: string;
  /** Checks the machine before anything is registered; `runKindPreflight` for real runs, a stub under mocks. */
  readonly preflight: KindPreflight;
}

/**
 * A kind cluster that runs Calico the way a cluster does, in stages: the cluster and its Kubernetes provider,
 * calicoctl and birdcl in the nodes, Calico (./calico.ts: offline, Calico's manifest with the offline build's images, on
 * the build's own engine; online, the tigera operator; with the VPP dataplane for calico-vpp), the BGP configuration and IP
 * pools, a workload Pod on every node, then the live BGP status read as on every other platform. The machine is
 * checked, and the offline manifest read, when the platform is made: before the lab registers anything.
 */
export function kindPlatform(args: KindPlatformArgs): LabPlatform {
  const { config } = args;
  const names = kindNodeNames(args.lab, config.kind.workers);
  const offline = config.imageMode === "offline";
  const engine = offline ? ownEngine(args.cacheDir) : USER_ENGINE;
  const nodeImage = offline ? versions.kind.nodeImage : config.kind.nodeImage;
  // Read before anything is registered: a missing kind build fails here, saying what to build.
  const calico = calicoSource(config, args.manifestPath);
  checkMachine(args, names.length, engine, nodeImage);
  return ({ lab, parent }) => declareKind({ ...args, lab }, parent, { names, engine, nodeImage, calico });
}

interface KindChoices {
  readonly names: readonly string[];
  readonly engine: KindEngine;
  readonly nodeImage: string;
  readonly calico: CalicoSource;
}

function declareKind(args: KindPlatformArgs, parent: pulumi.Resource, choices: KindChoices): LabParts {
  const { names, engine, nodeImage } = choices;
  const { config, lab: name } = args;
  const firstPool = config.ipPools[0];
  if (!firstPool) throw new Error("ipPools was not validated");
  const { kind, bgp } = config;
  const dockerHost = engine.dockerHost ? { dockerHost: engine.dockerHost } : {};

  const cluster = new KindCluster(
    `${name}-cluster`,
    { clusterName: name, workers: kind.workers, nodeImage, podSubnet: firstPool.cidr, serviceSubnet: kind.serviceSubnet, engine },
    { parent },
  );
  const provider = new k8s.Provider(
    `${name}-provider`,
    { kubeconfig: cluster.kubeconfig, deleteUnreachable: true },
    { parent, dependsOn: [cluster] },
  );
  const tools = new KindCalicoctl(
    `${name}-calicoctl`,
    {
      source: imageSetOf(config).tools.calicoctl,
      cacheDir: args.cacheDir,
      manifestPath: args.manifestPath,
      nodes: names,
      clusterId: cluster.clusterId,
      ...dockerHost,
    },
    { parent, dependsOn: [cluster] },
  );
  const { install: calico, controllers: controllersManifest } = declareCalico(name, parent, choices.calico, {
    config,
    cluster,
    provider,
    engine,
    cacheDir: args.cacheDir,
  });
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
    { parent, dependsOn: [calico] },
  );
  const controllers =
    controllersManifest === undefined
      ? []
      : [
          new CalicoManifestInstall(
            `${name}-calico-controllers`,
            { provider, manifest: controllersManifest },
            { parent, dependsOn: [pools] },
          ),
        ];
  const pods = new KindPods(
    `${name}-workloads`,
    { provider, nodes: names, image: imageSetOf(config).node, ...dockerHost },
    { parent, dependsOn: [pools] },
  );

  const expected = expectedOf(cluster, names, bgp.asNumber, reflectors);
  const after = [pools, tools, pods, ...controllers];
  const status =
    config.scenario === "calico-vpp"
      ? new GobgpStatus(
          `${name}-bgp-status`,
          { nodes: names, expected, triggers: [cluster.clusterId], engine },
          { parent, dependsOn: after },
        )
      : birdStatus(name, parent, { config, names, expected, cluster, engine, provider, after });
  const controlPlane = names[0] ?? "";
  const controlPlaneIp = cluster.nodes.apply((addresses) => addresses.find((a) => a.name === controlPlane)?.ip ?? "");
  return {
    // The Kubernetes datastore: kind's own etcd on the control plane, behind the API server Calico talks to.
    datastore: controlPlaneIp.apply((address) => ({ endpoints: [`https://${address}:2379`], address, container: controlPlane })),
    bgp: { asNumber: bgp.asNumber, mode: reflectors.length > 0 ? "routeReflectors" : "mesh" },
    expected,
    places: pulumi.output(
      names.map((node) => ({ container: node, access: { transport: "docker" as const, container: node, ...dockerHost } })),
    ),
    workloads: pods.pods.apply((all) =>
      all.map((pod) => ({ name: pod.name, node: pod.node, namespace: pod.namespace, address: pod.ip, interfaces: [] })),
    ),
    status,
    ipPools: config.ipPools,
    poolsYaml: pools.yaml,
    cni: conflistOf(name, parent, { controlPlane, engine, cluster, after: [calico] }),
    kubeconfig: cluster.kubeconfig,
  };
}

/** Before anything is registered: a machine that cannot run kind fails here, with what to do about it. */
function checkMachine(args: KindPlatformArgs, nodes: number, engine: KindEngine, nodeImage: string): void {
  const { config } = args;
  if (config.scenario !== "kdd" && config.scenario !== "calico-vpp") {
    throw new Error(`kind runs the kdd and calico-vpp scenarios; ${config.scenario} runs on Calico nodes the lab makes`);
  }
  const problems = args.preflight(
    {
      kindVersion: config.kind.kindVersion,
      nodeImage,
      probeImage: nodeImage,
      nodes,
      hugepagesPerNode: config.scenario === "calico-vpp" ? config.vpp.hugepages : 0,
      // Calico/VPP: pods are tap v2 interfaces of VPP, which need vhost-net in the nodes' kernel (the host's).
      vhostNet: config.scenario === "calico-vpp",
      ownEngine: engine !== USER_ENGINE,
    },
    engine,
  );
  if (problems.length > 0) throw new pulumi.RunError(preflightMessage(problems));
}

interface StatusInputs {
  readonly config: LabConfig;
  readonly names: readonly string[];
  readonly expected: pulumi.Output<ExpectedTopology>;
  readonly cluster: KindCluster;
  readonly engine: KindEngine;
  readonly provider: k8s.Provider;
  readonly after: readonly pulumi.Resource[];
}

/**
 * BIRD in calico-node, read as on every other platform (BgpStatus: its protocols through the node's birdcl, the
 * node's routes and tunnel devices). Beside it, a CalicoNodeStatus per node, named as the node: Calico's own
 * status API on a cluster, which calico-node fills in for `kubectl get caliconodestatus <node>`.
 */
function birdStatus(name: string, parent: pulumi.Resource, inputs: StatusInputs): BgpStatus {
  const { config, names, cluster, engine } = inputs;
  const requests = names.map((node, index) => {
    const [object] = parseManifest(renderCalicoNodeStatus({ name: node, node, updatePeriodSeconds: 10 }));
    if (!object) throw new Error("the CalicoNodeStatus template rendered no object");
    return new k8s.apiextensions.CustomResource(`${name}-node-status-${index + 1}`, object, {
      parent,
      provider: inputs.provider,
      dependsOn: [...inputs.after],
    });
  });
  return new BgpStatus(
    `${name}-bgp-status`,
    {
      expected: inputs.expected,
      nodes: names.map((node) => ({ nodeName: node, shell: dockerShell(node, engine.dockerHost), instanceId: cluster.clusterId })),
      pools: config.ipPools.flatMap((pool) => parseCidr(pool.cidr) ?? []),
      dataplane: { vxlan: config.ipPools.some((pool) => !pool.disabled && pool.vxlanMode !== "Never"), remoteBlocks: names.length - 1 },
      timeoutSeconds: config.bgp.convergeTimeoutSeconds,
      failWhenNotConverged: config.bgp.failWhenNotConverged,
    },
    { parent, dependsOn: [...inputs.after, ...requests] },
  );
}

/** The CNI configuration Calico's install wrote on the control plane, read back (again on refresh). */
function conflistOf(
  name: string,
  parent: pulumi.Resource,
  inputs: { controlPlane: string; engine: KindEngine; cluster: KindCluster; after: readonly pulumi.Resource[] },
): pulumi.Output<CniConfigOutput> {
  const probe = new LiveProbe(
    `${name}-cni`,
    { commands: { conflist: onEngineArgv(inputs.engine, conflistCommand(inputs.controlPlane)) }, triggers: [inputs.cluster.clusterId] },
    { parent, dependsOn: [...inputs.after] },
  );
  return probe.readings.apply((readings) => ({ path: CALICO_CONFLIST, conflist: readings.conflist?.stdout ?? "" }));
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
