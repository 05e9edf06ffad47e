import * as pulumi from "@pulumi/pulumi";
import type { BgpSettings, IpPoolSettings } from "../../../core/config/types";
import { calicoNodeRegisteredScript, calicoNodeRemoveScript, routeReflectorScript, type DatastoreEnv } from "../../../core/node-scripts";
import { renderBgpConfiguration, renderIpPools, renderNetworkProfile, renderRouteReflectorPeer } from "../../../core/render";
import { CalicoResources } from "../../calico/calico-resources";
import type { PreparedDatastore } from "../../scenarios/scenario";
import { goesWithNode, nodeStep, type StepTarget } from "../node-step";
import type { Calicoctl } from "./calicoctl";
import type { CalicoNodes } from "./calico-nodes";
import type { Datastore } from "./datastore";

export interface CalicoResourcesInputs {
  readonly lab: string;
  readonly parent: pulumi.Resource;
  readonly bgp: BgpSettings;
  readonly ipPools: readonly IpPoolSettings[];
  /** The CNI network, whose profile goes in with the pools when `networkProfile`. */
  readonly networkName: string;
  /** calicoctl's environment. */
  readonly datastoreEnv: DatastoreEnv;
  readonly calicoctl: Calicoctl;
  /** The BGP settings and pools when the scenario made them itself (kdd). */
  readonly made?: PreparedDatastore["calicoResources"];
  /** The lab makes the CNI network's profile before any workload (etcd). */
  readonly networkProfile: boolean;
  /** The scenario's datastore steps marked the route reflectors already (kdd). */
  readonly reflectorsInDatastore: boolean;
}

/** The Calico resources in the datastore: the BGP settings, the route reflectors' marks and the IP pools. */
export interface AppliedResources {
  readonly bgp: readonly pulumi.Resource[];
  readonly reflectors: readonly pulumi.Resource[];
  readonly pools: readonly pulumi.Resource[];
  /** The pools as calicoctl applies them (the lab's `ipPools` output). */
  readonly poolsYaml: string;
}

export function applyCalicoResources(inputs: CalicoResourcesInputs, calico: CalicoNodes): AppliedResources {
  const settings = inputs.bgp;
  const meshEnabled = settings.mode === "mesh";
  const bgpConfiguration = renderBgpConfiguration({ meshEnabled, asNumber: settings.asNumber });
  const bgp = inputs.made?.bgp ?? [
    calicoResources(inputs, "bgp", meshEnabled ? bgpConfiguration : `${bgpConfiguration}---\n${renderRouteReflectorPeer()}`),
  ];
  const reflectors = meshEnabled || inputs.reflectorsInDatastore ? [] : [markReflectors(inputs, calico, bgp)];
  const poolsYaml = renderIpPools(inputs.ipPools);
  // On etcd, the network's profile goes in with the pools, before any workload (see renderNetworkProfile).
  const pools = inputs.made?.pools ?? [
    calicoResources(inputs, "ippools", inputs.networkProfile ? `${poolsYaml}---\n${renderNetworkProfile(inputs.networkName)}` : poolsYaml),
  ];
  return { bgp, reflectors, pools, poolsYaml };
}

function calicoResources(inputs: CalicoResourcesInputs, suffix: string, yaml: string): CalicoResources {
  const { calicoctl } = inputs;
  return new CalicoResources(
    `${inputs.lab}-${suffix}`,
    { yaml, node: calicoctl.target, datastore: inputs.datastoreEnv, triggers: [...calicoctl.triggers] },
    { parent: inputs.parent, dependsOn: [...calicoctl.ready] },
  );
}

/** Marking a reflector needs its Node in the datastore, which its calico-node makes at startup: only the reflectors are waited for. */
function markReflectors(inputs: CalicoResourcesInputs, calico: CalicoNodes, bgp: readonly pulumi.Resource[]): pulumi.Resource {
  const { bgp: settings, calicoctl } = inputs;
  const reflectorNodes = calico.nodes.filter((node) => settings.routeReflectors.includes(node.node));
  return nodeStep(
    `${inputs.lab}-route-reflectors`,
    calicoctl.target,
    {
      create: routeReflectorScript(inputs.datastoreEnv, settings.routeReflectors, settings.routeReflectorClusterId),
      triggers: [...calicoctl.triggers, ...reflectorNodes.map((n) => n.instanceId)],
    },
    { parent: inputs.parent, dependsOn: [...bgp, ...reflectorNodes.map((n) => n.resource)] },
  );
}

/**
 * A node taken out of the settings is deleted from the datastore here, or the others would keep peering with it.
 * Keyed on the datastore, not on the node: a node made anew registers again. The scripts run where calicoctl
 * runs when that is etcd's node (it works with the node already gone); else in the node itself, before its
 * container goes (the official etcd image runs no scripts, and the first Calico node may be the one leaving).
 */
export function registerNodes(
  lab: string,
  parent: pulumi.Resource,
  datastoreEnv: DatastoreEnv,
  { calicoctl, datastore, calico }: { calicoctl: Calicoctl; datastore: Datastore; calico: CalicoNodes },
): void {
  calico.nodes.forEach((node, i) => {
    const runsIn: StepTarget = calicoctl.inDatastore
      ? calicoctl.target
      : { shell: node.shell, instanceId: datastore.etcd.instanceId, ...goesWithNode(datastore.etcd) };
    const install = calicoctl.tools.installs[i];
    nodeStep(
      `${lab}-${node.node}-registration`,
      runsIn,
      {
        create: calicoNodeRegisteredScript(datastoreEnv, node.node),
        delete: calicoNodeRemoveScript(datastoreEnv, node.node),
        deleteWhat: `removing Calico node ${node.node} from the datastore`,
      },
      // The node's setup, when it has one (etcd over TLS), is where calico-node starts and registers itself.
      {
        parent,
        dependsOn: [...(calico.ready[i] ?? []), ...(calicoctl.inDatastore ? calicoctl.ready : install ? [install] : [])],
      },
    );
  });
}
