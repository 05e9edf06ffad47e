import * as pulumi from "@pulumi/pulumi";
import { imageSetOf } from "../../core/config/image-mode";
import { underlayPlanFor } from "../../core/config/plan";
import type { LabConfig } from "../../core/config/types";
import { nodeNames } from "../../core/config/validate";
import { etcdEndpoint } from "../../core/scenarios/bird";
import { expectedTopology } from "../../core/topology";
import type { Scenario, ScenarioContext } from "../scenarios/scenario";
import type { LabNode, Substrate } from "../substrates/substrate";
import type { EtcdTlsOutput } from "./outputs";
import { installTools } from "./phases/calicoctl";
import { makeCalicoNodes } from "./phases/calico-nodes";
import { applyCalicoResources, registerNodes } from "./phases/calico-resources";
import { makeDatastore } from "./phases/datastore";
import { forwardingOutputs } from "./phases/forwarding";
import { watchStatus } from "./phases/status";
import { plumbWorkloads } from "./phases/workloads";
import type { LabParts, LabPlatform } from "./platform";

export interface NodePlatformArgs {
  /** The validated lab settings (plain values: they decide how many resources there are). */
  readonly config: LabConfig;
  /** Stack name, put on everything the substrate makes so that leftovers can be found. */
  readonly stack: pulumi.Input<string>;
  /** Host folder for fetched tools. */
  readonly cacheDir: string;
  /** The offline build's artifact manifest. */
  readonly manifestPath: string;
  /** What Calico runs (bird: the etcd datastore; kdd: the Kubernetes datastore). */
  readonly scenario: Scenario;
  /** Where the nodes live (docker containers, VMs, hosts). */
  readonly substrate: Substrate;
}

/**
 * Calico nodes the lab makes: a scenario composed with a substrate, in phases. The substrate makes the network;
 * then the datastore, the Calico nodes, the Calico resources in the datastore (with the tools calicoctl needs),
 * the workloads, and the live BGP status.
 */
export function nodePlatform(args: NodePlatformArgs): LabPlatform {
  return ({ lab, parent }) => {
    const { config, scenario } = args;
    const plan = underlayPlanFor(config);
    const context: ScenarioContext = { lab, config, plan, images: imageSetOf(config), manifestPath: args.manifestPath };
    const phase = { lab, parent };

    const substrate = args.substrate(
      { lab, stack: args.stack, parent },
      { subnet: plan.subnet, gateway: plan.gateway, internal: config.underlay.internal },
    );
    const datastore = makeDatastore(scenario, context, substrate, parent);
    const names = nodeNames(config);
    const calico = makeCalicoNodes({
      ...phase,
      substrate,
      runtimes: names.map((node, i) => scenario.calicoRuntime(context, node, plan.nodes[i] ?? "")),
      after: datastore.ready,
      // A local build replaces the nodes one at a time; calico.startWave was resolved from the machine by the program.
      startWave: config.artifacts.calicoSource !== "" ? 1 : config.calico.startWave,
      startFirst: config.bgp.routeReflectors,
      ...(datastore.prepared.nodeSetup ? { setup: datastore.prepared.nodeSetup } : {}),
      ...(scenario.nodeSetup ? { ownSetups: names.map((node, i) => scenario.nodeSetup?.(context, node, plan.nodes[i] ?? "")) } : {}),
    });

    const datastoreEnv = scenario.datastoreEnv(context);
    const calicoctl = installTools({
      ...phase,
      tools: context.images.tools,
      cacheDir: args.cacheDir,
      manifestPath: args.manifestPath,
      datastore,
      calico,
      inDatastore: scenario.calicoctlInDatastore?.(context) === true,
    });
    if (scenario.nodesRegisterThemselves) registerNodes(lab, parent, datastoreEnv, { calicoctl, datastore, calico });
    const resources = applyCalicoResources(
      {
        ...phase,
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
        ...phase,
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
        ...phase,
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

    return {
      datastore: etcdOutput(datastore.etcd, datastore.prepared.etcdTls),
      bgp: { asNumber: config.bgp.asNumber, mode: config.bgp.mode },
      expected: pulumi.output(expected),
      places: pulumi
        .all([pulumi.all(calico.nodes.map((n) => n.handle)), pulumi.all(calico.nodes.map((n) => n.accelerator))])
        .apply(([handles, accelerators]) =>
          calico.nodes.map((node, i) => ({
            container: handles[i] ?? "",
            ...(node.access ? { access: node.access } : {}),
            ...(accelerators[i] !== undefined ? { accelerator: accelerators[i] } : {}),
          })),
        ),
      workloads: workloads.workloads,
      status,
      ipPools: config.ipPools,
      poolsYaml: resources.poolsYaml,
      cni: { path: cni.path, conflist },
      ...(vpp ? { vpp } : {}),
      ...(datastore.prepared.kubeconfig ? { kubeconfig: datastore.prepared.kubeconfig } : {}),
    } satisfies LabParts;
  };
}

/** The lab's etcd as the outputs report it. */
function etcdOutput(etcd: LabNode, tls: pulumi.Output<EtcdTlsOutput> | undefined) {
  return pulumi.all([etcd.handle, etcd.accelerator, tls ?? null]).apply(([container, accelerator, facts]) => ({
    endpoints: [etcdEndpoint(etcd.address, !!tls)],
    address: etcd.address,
    container,
    tls: facts,
    ...(accelerator !== undefined ? { accelerator } : {}),
  }));
}
