import * as pulumi from "@pulumi/pulumi";
import { parseCidr, planUnderlay } from "../core/addressing";
import type { LabConfig } from "../core/config/types";
import { nodeNames } from "../core/config/validate";
import { mermaidDiagram } from "../core/diagram";
import { routeReflectorScript } from "../core/lab-scripts";
import { etcdEndpoint, labLabels } from "../core/node-spec";
import type { ObservedTopology } from "../core/observed";
import { renderBgpConfiguration, renderCniConflist, renderIpPools, renderRouteReflectorPeer } from "../core/render";
import { expectedTopology, type ExpectedTopology } from "../core/topology";
import { BgpStatus } from "./bgp-status";
import { CalicoNode } from "./calico-node";
import { CalicoResources } from "./calico-resources";
import { CniConfig } from "./cni-config";
import { EtcdNode } from "./etcd-node";
import { hostStep } from "./exec";
import { LabNetwork } from "./lab-network";
import { NodeTools } from "./node-tools";
import { Workloads, type Workload } from "./workloads";

export interface CalicoLabArgs {
  /** The validated lab settings (plain values: they decide how many resources there are). */
  readonly config: LabConfig;
  /** Stack name, put on every Docker object as a label so that leftovers can be found. */
  readonly stack: pulumi.Input<string>;
  /** Host folder for fetched tools. */
  readonly cacheDir: string;
  /** The offline build's artifact manifest. */
  readonly manifestPath: string;
}

export interface LabNodeOutput {
  readonly name: string;
  readonly container: string;
  readonly underlayIp: string;
  readonly asNumber: number;
  readonly role: string;
  /** Pool blocks the other nodes learned routes for via this node. */
  readonly blocks: readonly string[];
  readonly tunnelAddress: string | null;
  readonly workloads: ReadonlyArray<{ name: string; ip: string; namespace: string }>;
}

export interface BgpTopologyOutput {
  readonly asNumber: number;
  readonly mode: string;
  readonly expected: ExpectedTopology;
  readonly observed: ObservedTopology;
  readonly matches: boolean;
  readonly problems: readonly string[];
}

/** The bird scenario on Docker: network, etcd, Calico nodes, tools, BGP settings, IP pools, CNI conf, workloads, then the live BGP status. */
export class CalicoLab extends pulumi.ComponentResource {
  public readonly etcd: pulumi.Output<{ endpoints: string[]; address: string; container: string }>;
  public readonly nodes: pulumi.Output<LabNodeOutput[]>;
  public readonly ipPools: pulumi.Output<{ yaml: string; pools: LabConfig["ipPools"] }>;
  public readonly cniConfig: pulumi.Output<{ path: string; conflist: string }>;
  public readonly bgpTopology: pulumi.Output<BgpTopologyOutput>;
  public readonly diagram: pulumi.Output<string>;

  constructor(name: string, args: CalicoLabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:index:CalicoLab", name, {}, opts);
    const { config } = args;
    const images = config.artifacts[config.imageMode];
    const underlay = parseCidr(config.underlay.cidr);
    if (!underlay) throw new Error(`underlay.cidr ${config.underlay.cidr} was not validated`);
    const names = nodeNames(config);
    const plan = planUnderlay(underlay, names.length);
    const labels = (role: string) => pulumi.output(args.stack).apply((stack) => labLabels(name, stack, role));
    const endpoints = etcdEndpoint(plan.etcd);

    const network = new LabNetwork(
      `${name}-underlay`,
      { subnet: plan.subnet, gateway: plan.gateway, internal: config.underlay.internal, labels: labels("network") },
      { parent: this },
    );

    const etcd = new EtcdNode(
      `${name}-etcd`,
      { image: images.etcd, network: network.networkName, address: plan.etcd, labels: labels("etcd") },
      { parent: this, dependsOn: [network] },
    );

    const nodes = names.map(
      (nodeName, i) =>
        new CalicoNode(
          `${name}-${nodeName}`,
          {
            nodeName,
            image: images.node,
            network: network.networkName,
            address: plan.nodes[i] ?? "",
            asNumber: config.bgp.asNumber,
            etcdEndpoints: etcd.endpoint,
            logLevel: config.calico.logLevel,
            labels: labels("calico-node"),
          },
          { parent: this, dependsOn: [etcd] },
        ),
    );
    const targets = nodes.map((node) => ({ container: node.containerName, containerId: node.containerId }));
    const first = nodes[0];
    if (!first) throw new Error("calico.nodes was not validated");
    // calicoctl runs in the first node; its container id re-applies the Calico resources if etcd or it was recreated.
    const datastoreTriggers = [etcd.containerId, first.containerId];

    const tools = new NodeTools(
      `${name}-tools`,
      { tools: images.tools, cacheDir: args.cacheDir, manifestPath: args.manifestPath, nodes: targets },
      { parent: this, dependsOn: nodes },
    );

    const meshEnabled = config.bgp.mode === "mesh";
    const bgpYaml = meshEnabled
      ? renderBgpConfiguration({ meshEnabled, asNumber: config.bgp.asNumber })
      : `${renderBgpConfiguration({ meshEnabled, asNumber: config.bgp.asNumber })}---\n${renderRouteReflectorPeer()}`;
    const bgp = new CalicoResources(
      `${name}-bgp`,
      { yaml: bgpYaml, container: first.containerName, etcdEndpoints: etcd.endpoint, triggers: datastoreTriggers },
      { parent: this, dependsOn: [tools] },
    );
    const reflectorSteps = meshEnabled
      ? []
      : [
          hostStep(
            `${name}-route-reflectors`,
            {
              create: pulumi
                .all([first.containerName, etcd.endpoint])
                .apply(([container, ep]) =>
                  routeReflectorScript(container, ep, config.bgp.routeReflectors, config.bgp.routeReflectorClusterId),
                ),
              triggers: [...datastoreTriggers, ...nodes.map((n) => n.containerId)],
            },
            { parent: this, dependsOn: [bgp] },
          ),
        ];

    const poolsYaml = renderIpPools(config.ipPools);
    const pools = new CalicoResources(
      `${name}-ippools`,
      { yaml: poolsYaml, container: first.containerName, etcdEndpoints: etcd.endpoint, triggers: datastoreTriggers },
      { parent: this, dependsOn: [bgp, ...reflectorSteps] },
    );

    const conflist = renderCniConflist(config.cni, endpoints);
    const cni = new CniConfig(`${name}-cni`, { conflist, nodes: targets }, { parent: this, dependsOn: [tools, pools] });

    const workloads = new Workloads(
      `${name}-workloads`,
      {
        nodes: nodes.map((node) => ({ nodeName: node.nodeName, container: node.containerName, containerId: node.containerId })),
        perNode: config.workloads.perNode,
        network: config.cni.networkName,
      },
      { parent: this, dependsOn: [cni, pools] },
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
        nodes: nodes.map((node, i) => ({ nodeName: names[i] ?? "", container: node.containerName, containerId: node.containerId })),
      },
      { parent: this, dependsOn: [workloads] },
    );

    this.etcd = pulumi
      .all([etcd.endpoint, etcd.container.name])
      .apply(([endpoint, container]) => ({ endpoints: [endpoint], address: plan.etcd, container }));
    this.ipPools = pulumi.output({ yaml: poolsYaml, pools: config.ipPools });
    this.cniConfig = pulumi.output({ path: cni.path, conflist });
    this.bgpTopology = pulumi.all([status.observed, status.comparison]).apply(([observed, comparison]) => ({
      asNumber: config.bgp.asNumber,
      mode: config.bgp.mode,
      expected,
      observed,
      matches: comparison.matches,
      problems: [
        ...comparison.missing.map((s) => `missing ${s}`),
        ...comparison.unexpected.map((s) => `unexpected ${s}`),
        ...comparison.notEstablished.map((s) => `not established ${s}`),
      ],
    }));
    this.nodes = pulumi
      .all([pulumi.all(nodes.map((n) => n.containerName)), workloads.workloads, status.observed])
      .apply(([containers, all, observed]) => nodeOutputs(expected, containers, all, observed));
    this.diagram = pulumi
      .all([workloads.workloads, status.observed])
      .apply(([all, observed]) => mermaidDiagram({ etcdAddress: plan.etcd, expected, observed, workloads: groupWorkloads(all) }));
    this.registerOutputs({
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
  containers: readonly string[],
  all: readonly Workload[],
  observed: ObservedTopology,
): LabNodeOutput[] {
  return expected.nodes.map((node, i) => {
    const blocks = new Set<string>();
    for (const routes of Object.values(observed.routes)) for (const r of routes) if (r.viaNode === node.name) blocks.add(r.prefix);
    return {
      name: node.name,
      container: containers[i] ?? "",
      underlayIp: node.address,
      asNumber: node.asNumber,
      role: node.role,
      blocks: [...blocks].sort(),
      tunnelAddress: null,
      workloads: all.filter((w) => w.node === node.name).map((w) => ({ name: w.name, ip: w.address, namespace: w.namespace })),
    };
  });
}
