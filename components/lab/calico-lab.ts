import * as pulumi from "@pulumi/pulumi";
import { comparisonProblems } from "../../core/observed";
import { imageSetOf } from "../../core/config/image-mode";
import { parseCidr } from "../../core/addressing";
import { underlayPlanFor } from "../../core/config/plan";
import type { LabConfig } from "../../core/config/types";
import { nodeNames } from "../../core/config/validate";
import { mermaidDiagram } from "../../core/diagram";
import { calicoNodeRegisteredScript, calicoNodeRemoveScript, routeReflectorScript } from "../../core/node-scripts";
import type { ObservedDataplane } from "../../core/observed";
import { renderBgpConfiguration, renderIpPools, renderNetworkProfile, renderRouteReflectorPeer } from "../../core/render";
import { etcdEndpoint } from "../../core/scenarios/bird";
import { expectedTopology, type ExpectedTopology } from "../../core/topology";
import { BgpStatus } from "../calico/bgp-status";
import { CalicoResources } from "../calico/calico-resources";
import { CniConfig } from "../calico/cni-config";
import { NodeTools } from "../calico/node-tools";
import { Workloads, type Workload } from "../calico/workloads";
import type { Scenario, ScenarioContext } from "../scenarios/scenario";
import { directReach, type LabNode, type Substrate } from "../substrates/substrate";
import { nodeStep, type StepTarget } from "./node-step";
import type { BgpTopologyOutput, CniConfigOutput, EtcdOutput, IpPoolsOutput, LabNodeOutput } from "./outputs";

export interface CalicoLabArgs {
  /** The validated lab settings (plain values: they decide how many resources there are). */
  readonly config: LabConfig;
  /** Stack name, put on everything the substrate makes so that leftovers can be found. */
  readonly stack: pulumi.Input<string>;
  /** Host folder for fetched tools. */
  readonly cacheDir: string;
  /** The offline build's artifact manifest. */
  readonly manifestPath: string;
  /** What Calico runs (bird: the etcd datastore). */
  readonly scenario: Scenario;
  /** Where the nodes live (docker containers, VMs, hosts). */
  readonly substrate: Substrate;
}

/**
 * A Calico lab: a scenario composed with a substrate. The substrate makes the network, the datastore
 * nodes and the Calico nodes; then, inside the nodes and whatever they are: tools, BGP settings, IP
 * pools, CNI conf, workloads, and the live BGP status.
 */
export class CalicoLab extends pulumi.ComponentResource {
  public readonly etcd: pulumi.Output<EtcdOutput>;
  public readonly nodes: pulumi.Output<LabNodeOutput[]>;
  public readonly ipPools: pulumi.Output<IpPoolsOutput>;
  public readonly cniConfig: pulumi.Output<CniConfigOutput>;
  public readonly bgpTopology: pulumi.Output<BgpTopologyOutput>;
  public readonly diagram: pulumi.Output<string>;
  /** The admin kubeconfig of the lab's kube-apiserver (kdd), a secret; absent where the scenario has none (bird). */
  public readonly kubeconfig: pulumi.Output<string> | undefined;

  constructor(name: string, args: CalicoLabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:index:CalicoLab", name, {}, opts);
    const { config, scenario } = args;
    const names = nodeNames(config);
    const plan = underlayPlanFor(config);
    const context: ScenarioContext = { lab: name, config, plan, images: imageSetOf(config), manifestPath: args.manifestPath };

    const substrate = args.substrate(
      { lab: name, stack: args.stack, parent: this },
      { subnet: plan.subnet, gateway: plan.gateway, internal: config.underlay.internal },
    );
    // Datastore nodes one after another (kube-apiserver needs its etcd), then the scenario's datastore steps.
    const datastore: LabNode[] = [];
    for (const runtime of scenario.datastoreRuntimes(context)) {
      datastore.push(substrate.node(runtime, [datastore.at(-1)?.resource ?? substrate.network]));
    }
    const reach = (node: LabNode, port: number) => substrate.reach?.(node, port) ?? directReach(node, port);
    const prepared = scenario.prepare?.(context, datastore, this, reach) ?? { ready: [] };
    const datastoreReady = [...datastore.map((node) => node.resource), ...prepared.ready];
    // From a local Calico tree, each node waits for the one before it: a new build then replaces them in turn (one
    // node down at a time, the others keeping their sessions), not all at once. Otherwise they start together.
    const inTurn = config.artifacts.calicoSource !== "";
    const nodes: LabNode[] = [];
    names.forEach((nodeName, i) => {
      const previous = inTurn ? nodes.at(-1)?.resource : undefined;
      const runtime = scenario.calicoRuntime(context, nodeName, plan.nodes[i] ?? "");
      nodes.push(substrate.node(runtime, previous ? [...datastoreReady, previous] : datastoreReady));
    });
    // The setup script may carry credentials (kdd: the kubeconfig): the script is kept in the state as a secret.
    const nodeSetup = prepared.nodeSetup;
    const setups = nodeSetup
      ? nodes.map((node) =>
          nodeStep(
            `${name}-${node.node}-setup`,
            node,
            { create: nodeSetup },
            { parent: this, dependsOn: [node.resource], additionalSecretOutputs: ["create"] },
          ),
        )
      : [];
    const first = nodes[0];
    const etcd = datastore[0];
    if (!first || !etcd) throw new Error("calico.nodes was not validated");
    const datastoreEnv = scenario.datastoreEnv(context);
    // calicoctl runs next to the datastore (bird: in etcd's node) or, when the scenario needs a Calico node's
    // credentials for it (kdd: the kubeconfig), in the first Calico node once that node is set up.
    const inDatastore = scenario.calicoctlInDatastore?.(context) === true;
    const client: LabNode = inDatastore ? etcd : first;
    // Re-apply the Calico resources if the datastore or the node calicoctl runs in was made anew.
    const datastoreTriggers = [...datastore.map((node) => node.instanceId), ...(inDatastore ? [] : [first.instanceId])];

    // Downloads start at once, alongside the nodes; each node's install waits for that node (and its setup).
    const tools = new NodeTools(
      `${name}-tools`,
      {
        tools: context.images.tools,
        cacheDir: args.cacheDir,
        manifestPath: args.manifestPath,
        nodes,
        installAfter: nodes.map((node, i) => [node.resource, ...(setups[i] ? [setups[i]] : [])]),
        ...(inDatastore ? { datastoreClient: { target: etcd, after: datastoreReady } } : {}),
      },
      { parent: this },
    );
    const firstInstall = tools.installs[0];
    // What calicoctl waits for: its node with calicoctl in it. Nothing else: no Calico node on the etcd datastore.
    const clientReady: pulumi.Resource[] = tools.datastoreClientInstall
      ? [tools.datastoreClientInstall]
      : [first.resource, ...(setups[0] ? [setups[0]] : []), ...(firstInstall ? [firstInstall] : [])];
    // What the calicoctl resources make lives in the datastore: they go with it, whichever node calicoctl runs in.
    const keptWithDatastore = etcd.deletedWith ? { deletedWith: etcd.deletedWith } : {};
    const calicoctl = { ...client, ...keptWithDatastore };

    // A node taken out of the settings is deleted from the datastore here, or the others would keep peering with it.
    // Keyed on the datastore, not on the node: a node made anew registers again. The scripts run where calicoctl
    // runs when that is etcd's node (it works with the node already gone); else in the node itself, before its
    // container goes (the official etcd image runs no scripts, and the first Calico node may be the one leaving).
    (scenario.nodesRegisterThemselves ? nodes : []).forEach((node, i) => {
      const runsIn: StepTarget = inDatastore ? calicoctl : { shell: node.shell, instanceId: etcd.instanceId, ...keptWithDatastore };
      const install = tools.installs[i];
      nodeStep(
        `${name}-${node.node}-registration`,
        runsIn,
        {
          create: calicoNodeRegisteredScript(datastoreEnv, node.node),
          delete: calicoNodeRemoveScript(datastoreEnv, node.node),
          deleteWhat: `removing Calico node ${node.node} from the datastore`,
        },
        // The node's setup, when it has one (etcd over TLS), is where calico-node starts and registers itself.
        {
          parent: this,
          dependsOn: [node.resource, ...(setups[i] ? [setups[i]] : []), ...(inDatastore ? clientReady : install ? [install] : [])],
        },
      );
    });

    const meshEnabled = config.bgp.mode === "mesh";
    const bgpConfiguration = renderBgpConfiguration({ meshEnabled, asNumber: config.bgp.asNumber });
    const bgp = prepared.calicoResources?.bgp ?? [
      new CalicoResources(
        `${name}-bgp`,
        {
          yaml: meshEnabled ? bgpConfiguration : `${bgpConfiguration}---\n${renderRouteReflectorPeer()}`,
          node: calicoctl,
          datastore: datastoreEnv,
          triggers: datastoreTriggers,
        },
        { parent: this, dependsOn: clientReady },
      ),
    ];
    // Marking a reflector needs its Node in the datastore, which its calico-node makes at startup: only the reflectors are waited for.
    const reflectorNodes = nodes.filter((node) => config.bgp.routeReflectors.includes(node.node));
    const reflectorSteps =
      meshEnabled || scenario.reflectorsInDatastore
        ? []
        : [
            nodeStep(
              `${name}-route-reflectors`,
              calicoctl,
              {
                create: routeReflectorScript(datastoreEnv, config.bgp.routeReflectors, config.bgp.routeReflectorClusterId),
                triggers: [...datastoreTriggers, ...reflectorNodes.map((n) => n.instanceId)],
              },
              { parent: this, dependsOn: [...bgp, ...reflectorNodes.map((n) => n.resource)] },
            ),
          ];

    const poolsYaml = renderIpPools(config.ipPools);
    // On etcd, the network's profile goes in with the pools, before any workload (see renderNetworkProfile).
    const pools = prepared.calicoResources?.pools ?? [
      new CalicoResources(
        `${name}-ippools`,
        {
          yaml: scenario.networkProfile ? `${poolsYaml}---\n${renderNetworkProfile(config.cni.networkName)}` : poolsYaml,
          node: calicoctl,
          datastore: datastoreEnv,
          triggers: datastoreTriggers,
        },
        { parent: this, dependsOn: clientReady },
      ),
    ];

    // Each node's own chain: its conf once it is set up, its workloads once its tools and conf are in and the pools exist.
    const conflist = scenario.conflist(context);
    const cni = new CniConfig(
      `${name}-cni`,
      { conflist, nodes, after: nodes.map((node, i) => [node.resource, ...(setups[i] ? [setups[i]] : [])]) },
      { parent: this },
    );

    const workloads = new Workloads(
      `${name}-workloads`,
      {
        nodes: nodes.map((node) => ({ ...node, nodeName: node.node })),
        perNode: config.workloads.perNode,
        network: config.cni.networkName,
        after: nodes.map((_, i) => [...[tools.installs[i], cni.writes[i]].filter((r) => r !== undefined), ...pools]),
        ...(prepared.workloadObject ? { objectFor: prepared.workloadObject } : {}),
      },
      { parent: this },
    );

    const expected = expectedTopology({
      asNumber: config.bgp.asNumber,
      mode: config.bgp.mode,
      routeReflectors: config.bgp.routeReflectors,
      nodes: names.map((n, i) => ({ name: n, address: plan.nodes[i] ?? "" })),
    });
    const status = new BgpStatus(
      `${name}-bgp-status`,
      {
        expected,
        nodes: nodes.map((node) => ({ ...node, nodeName: node.node })),
        pools: config.ipPools.flatMap((pool) => parseCidr(pool.cidr) ?? []),
        dataplane: {
          vxlan: config.ipPools.some((pool) => !pool.disabled && pool.vxlanMode !== "Never"),
          // every other node holds a block once it has a workload
          remoteBlocks: config.workloads.perNode > 0 ? names.length - 1 : 0,
        },
        timeoutSeconds: config.bgp.convergeTimeoutSeconds,
        failWhenNotConverged: config.bgp.failWhenNotConverged,
      },
      { parent: this, dependsOn: [workloads, ...bgp, ...reflectorSteps] },
    );

    const etcdTls = prepared.etcdTls;
    this.etcd = pulumi.all([etcd.handle, etcd.accelerator, etcdTls ?? null]).apply(([container, accelerator, tls]) => ({
      endpoints: [etcdEndpoint(etcd.address, !!etcdTls)],
      address: etcd.address,
      container,
      tls,
      ...(accelerator !== undefined ? { accelerator } : {}),
    }));
    this.ipPools = pulumi.output({ yaml: poolsYaml, pools: config.ipPools });
    this.cniConfig = pulumi.output({ path: cni.path, conflist });
    this.bgpTopology = pulumi.all([status.observed, status.comparison]).apply(([observed, comparison]) => ({
      asNumber: config.bgp.asNumber,
      mode: config.bgp.mode,
      expected,
      observed,
      matches: comparison.matches,
      problems: comparisonProblems(comparison),
    }));
    this.nodes = pulumi
      .all([pulumi.all(nodes.map((n) => n.handle)), pulumi.all(nodes.map((n) => n.accelerator)), workloads.workloads, status.dataplane])
      .apply(([handles, accelerators, all, dataplane]) =>
        nodeOutputs(expected, handles, all, dataplane).map((node, i) => ({
          ...node,
          access: nodes[i]?.access,
          ...(accelerators[i] !== undefined ? { accelerator: accelerators[i] } : {}),
        })),
      );
    this.diagram = pulumi
      .all([workloads.workloads, status.observed])
      .apply(([all, observed]) => mermaidDiagram({ etcdAddress: plan.etcd, expected, observed, workloads: groupWorkloads(all) }));
    const kubeconfig = prepared.kubeconfig;
    this.kubeconfig = kubeconfig ? pulumi.secret(kubeconfig) : undefined;
    this.registerOutputs({
      ...(this.kubeconfig ? { kubeconfig: this.kubeconfig } : {}),
      etcd: this.etcd,
      nodes: this.nodes,
      ipPools: this.ipPools,
      cniConfig: this.cniConfig,
      bgpTopology: this.bgpTopology,
      diagram: this.diagram,
    });
  }
}

function groupWorkloads(all: readonly Workload[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const w of all) (grouped[w.node] ??= []).push(w.address);
  return grouped;
}

function nodeOutputs(
  expected: ExpectedTopology,
  handles: readonly string[],
  all: readonly Workload[],
  dataplane: ObservedDataplane,
): LabNodeOutput[] {
  return expected.nodes.map((node, i) => {
    const tunnel = dataplane.tunnels[node.name];
    return {
      name: node.name,
      container: handles[i] ?? "",
      underlayIp: node.address,
      asNumber: node.asNumber,
      role: node.role,
      blocks: [...(dataplane.blocks[node.name] ?? [])],
      tunnelAddress: tunnel?.vxlan ?? tunnel?.ipip ?? null,
      workloads: all.filter((w) => w.node === node.name).map((w) => ({ name: w.name, ip: w.address, namespace: w.namespace })),
    };
  });
}
