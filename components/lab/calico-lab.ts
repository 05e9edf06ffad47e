import * as pulumi from "@pulumi/pulumi";
import { imageSetOf } from "../../core/config/image-mode";
import { underlayPlanFor } from "../../core/config/plan";
import type { LabConfig } from "../../core/config/types";
import { nodeNames } from "../../core/config/validate";
import { expectedTopology } from "../../core/topology";
import type { Scenario, ScenarioContext } from "../scenarios/scenario";
import type { Substrate } from "../substrates/substrate";
import { registeredOutputs, type LabOutputs } from "./outputs";
import { installTools } from "./phases/calicoctl";
import { makeCalicoNodes } from "./phases/calico-nodes";
import { applyCalicoResources, registerNodes } from "./phases/calico-resources";
import { makeDatastore } from "./phases/datastore";
import { forwardingOutputs } from "./phases/forwarding";
import { calicoLabOutputs } from "./phases/outputs";
import { watchStatus } from "./phases/status";
import { plumbWorkloads } from "./phases/workloads";

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
 * A Calico lab: a scenario composed with a substrate, in phases. The substrate makes the network; then the
 * datastore, the Calico nodes, the Calico resources in the datastore (with the tools calicoctl needs), the
 * workloads, and the live BGP status that the outputs report.
 */
export class CalicoLab extends pulumi.ComponentResource implements LabOutputs {
  public readonly etcd: LabOutputs["etcd"];
  public readonly nodes: LabOutputs["nodes"];
  public readonly ipPools: LabOutputs["ipPools"];
  public readonly cniConfig: LabOutputs["cniConfig"];
  public readonly bgpTopology: LabOutputs["bgpTopology"];
  public readonly diagram: LabOutputs["diagram"];
  public readonly kubeconfig: LabOutputs["kubeconfig"];

  constructor(name: string, args: CalicoLabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:index:CalicoLab", name, {}, opts);
    const { config, scenario } = args;
    const plan = underlayPlanFor(config);
    const context: ScenarioContext = { lab: name, config, plan, images: imageSetOf(config), manifestPath: args.manifestPath };
    const lab = { lab: name, parent: this };

    const substrate = args.substrate(
      { lab: name, stack: args.stack, parent: this },
      { subnet: plan.subnet, gateway: plan.gateway, internal: config.underlay.internal },
    );
    const datastore = makeDatastore(scenario, context, substrate, this);
    const names = nodeNames(config);
    const calico = makeCalicoNodes({
      ...lab,
      substrate,
      runtimes: names.map((node, i) => scenario.calicoRuntime(context, node, plan.nodes[i] ?? "")),
      after: datastore.ready,
      inTurn: config.artifacts.calicoSource !== "",
      ...(datastore.prepared.nodeSetup ? { setup: datastore.prepared.nodeSetup } : {}),
      ...(scenario.nodeSetup ? { ownSetups: names.map((node, i) => scenario.nodeSetup?.(context, node, plan.nodes[i] ?? "")) } : {}),
    });

    const datastoreEnv = scenario.datastoreEnv(context);
    const calicoctl = installTools({
      ...lab,
      tools: context.images.tools,
      cacheDir: args.cacheDir,
      manifestPath: args.manifestPath,
      datastore,
      calico,
      inDatastore: scenario.calicoctlInDatastore?.(context) === true,
    });
    if (scenario.nodesRegisterThemselves) registerNodes(name, this, datastoreEnv, { calicoctl, datastore, calico });
    const resources = applyCalicoResources(
      {
        ...lab,
        bgp: config.bgp,
        ipPools: config.ipPools,
        networkName: config.cni.networkName,
        datastoreEnv,
        calicoctl,
        ...(datastore.prepared.calicoResources ? { made: datastore.prepared.calicoResources } : {}),
        networkProfile: scenario.networkProfile,
        reflectorsInDatastore: scenario.reflectorsInDatastore,
      },
      calico,
    );

    const conflist = scenario.conflist(context);
    const { cni, workloads } = plumbWorkloads(
      {
        ...lab,
        conflist,
        network: config.cni.networkName,
        perNode: config.workloads.perNode,
        installs: calicoctl.tools.installs,
        pools: resources.pools,
        ...(datastore.prepared.workloadObject ? { workloadObject: datastore.prepared.workloadObject } : {}),
        ...(scenario.workloadPlumbing ? { plumbing: scenario.workloadPlumbing, datastore: datastore.etcd } : {}),
      },
      calico,
    );

    const expected = expectedTopology({
      asNumber: config.bgp.asNumber,
      mode: config.bgp.mode,
      routeReflectors: config.bgp.routeReflectors,
      nodes: names.map((n, i) => ({ name: n, address: plan.nodes[i] ?? "" })),
    });
    const status = watchStatus(
      {
        ...lab,
        expected,
        bgp: config.bgp,
        ipPools: config.ipPools,
        workloadsPerNode: config.workloads.perNode,
        after: [workloads, ...resources.bgp, ...resources.reflectors],
        ...(scenario.forwardingPlane ? { forwarding: scenario.forwardingPlane } : {}),
      },
      calico,
    );
    const plane = scenario.forwardingPlane;
    const vpp = plane
      ? forwardingOutputs({
          plane,
          context,
          nodes: names.map((node, i) => ({ name: node, address: plan.nodes[i] ?? "" })),
          status,
          workloads: workloads.workloads,
        })
      : undefined;

    const outputs = calicoLabOutputs({
      etcd: datastore.etcd,
      etcdAddress: plan.etcd,
      ...(datastore.prepared.etcdTls ? { etcdTls: datastore.prepared.etcdTls } : {}),
      nodes: calico.nodes,
      bgp: config.bgp,
      expected,
      ipPools: config.ipPools,
      poolsYaml: resources.poolsYaml,
      cni: { path: cni.path, conflist },
      workloads: workloads.workloads,
      status,
      ...(vpp ? { vpp } : {}),
      ...(datastore.prepared.kubeconfig ? { kubeconfig: datastore.prepared.kubeconfig } : {}),
    });
    this.etcd = outputs.etcd;
    this.nodes = outputs.nodes;
    this.ipPools = outputs.ipPools;
    this.cniConfig = outputs.cniConfig;
    this.bgpTopology = outputs.bgpTopology;
    this.diagram = outputs.diagram;
    this.kubeconfig = outputs.kubeconfig;
    this.registerOutputs(registeredOutputs(outputs));
  }
}
