import type * as pulumi from "@pulumi/pulumi";
import type { UnderlayPlan } from "../../core/addressing";
import type { ImageSet, LabConfig } from "../../core/config/types";
import type { DatastoreEnv, WorkloadRef } from "../../core/node-scripts";
import type { VppNodeFacts, VppNodeOutput } from "../../core/scenarios/vpp-forwarding-status";
import type { NodeRuntime } from "../../core/node-runtime";
import type { EtcdTlsOutput } from "../lab/outputs";
import type { LabNode, Reach } from "../substrates/substrate";

export interface ScenarioContext {
  readonly lab: string;
  readonly config: LabConfig;
  readonly plan: UnderlayPlan;
  readonly images: ImageSet;
  /** The offline build's manifest (kdd: where Calico's CRDs are on this machine). */
  readonly manifestPath: string;
}

/** A workload's datastore object, as made. */
export interface WorkloadObject {
  readonly resource: pulumi.Resource;
  /**
   * What changes when the object is made anew (a Pod's uid): the workload's wiring is made again with it, so
   * that an object deleted by hand and made again by the next up is wired again (the CNI plugin's DEL, then ADD).
   */
  readonly identity: pulumi.Output<string>;
}

/** What a scenario's datastore steps leave for the rest of the lab. */
export interface PreparedDatastore {
  /** What the Calico nodes wait for (e.g. their Node objects). */
  readonly ready: pulumi.Resource[];
  /** The datastore's admin kubeconfig (kdd), a secret: the lab exports it. */
  readonly kubeconfig?: pulumi.Output<string>;
  /** A node-side script every Calico node runs first, once it exists (kdd: writing its kubeconfig). */
  readonly nodeSetup?: pulumi.Output<string>;
  /** A datastore object made before each workload is plumbed and removed after it is gone (kdd: its Pod). */
  readonly workloadObject?: (workload: { readonly node: string; readonly name: string }) => {
    /** Makes the object as a resource named `name` (its options: parent and dependsOn from the workloads). */
    readonly make: (name: string, opts: pulumi.CustomResourceOptions) => WorkloadObject;
    /** The Pod the CNI plugin is told about (CNI_ARGS). */
    readonly pod?: { readonly namespace: string; readonly name: string };
  };
  /**
   * The BGP settings and the IP pools when the scenario makes them itself (kdd: crd.projectcalico.org/v1
   * objects through the Kubernetes provider); otherwise the lab applies them with calicoctl.
   */
  readonly calicoResources?: { readonly bgp: pulumi.Resource[]; readonly pools: pulumi.Resource[] };
  /** Set when etcd serves TLS (bird with etcd.tls): its endpoint is https, and this is what the lab reports of it. */
  readonly etcdTls?: pulumi.Output<EtcdTlsOutput>;
}

/**
 * How a workload is plumbed when not with cnitool and the CNI conflist (vpp-forwarding: `vpp-lab` attaches it
 * to VPP, with an address from Calico IPAM).
 */
export interface WorkloadPlumbing {
  /** Node-side scripts that make and remove the workload; `add` prints what `parse` reads. */
  add(ref: WorkloadRef): string;
  del(ref: WorkloadRef): string;
  parse(stdout: string): { readonly addresses: readonly string[]; readonly interfaces: readonly string[] };
  /**
   * Removing the workload's Calico node from the datastore releases its address too (the calico CNI plugin's
   * WorkloadEndpoint says whose it is), so its delete may be skipped when its node goes. When false (vpp-lab makes
   * no WorkloadEndpoint), the delete runs while the node goes and is skipped only when the datastore goes too.
   */
  readonly releasedWithNode: boolean;
  /** What the delete step says it is doing, and where to look when `add` fails. */
  readonly deleteWhat: (namespace: string) => string;
  readonly logHint: string;
}

/**
 * A forwarding plane besides the node's kernel (vpp-forwarding: VPP), read live with the BGP status and reported
 * per node as its `vpp` output.
 */
export interface ForwardingPlane {
  /** Node-side scripts read on every node, by name. */
  readonly reads: Readonly<Record<string, string>>;
  /** A node-side check the status waits for too: the forwarding plane follows BGP. */
  readonly ready: string;
  /** Where a node's forwarding plane sits on the underlay (vpp-forwarding: its VPP uplink address). */
  uplinkAddress(context: ScenarioContext, nodeAddress: string): string;
  /** What the readings say, per node; the facts come from the lab (blocks, workloads) and the reads. */
  observe(nodes: readonly VppNodeFacts[], context: ScenarioContext): Record<string, VppNodeOutput>;
}

/**
 * What Calico runs, independent of where: the datastore nodes made first, the calico-node each Calico node
 * runs, how calicoctl and the CNI plugin reach the datastore, and any datastore steps before the Calico
 * nodes start. The lab composes it with a substrate.
 */
export interface Scenario {
  /** Nodes that hold the datastore (bird: etcd; kdd: etcd, then kube-apiserver), made in order, each once the one before is ready. */
  datastoreRuntimes(context: ScenarioContext): NodeRuntime[];
  /** The calico-node runtime of one Calico node. */
  calicoRuntime(context: ScenarioContext, nodeName: string, address: string): NodeRuntime;
  /** calicoctl's environment inside a Calico node. */
  datastoreEnv(context: ScenarioContext): DatastoreEnv;
  /** The calico + calico-ipam conflist written onto every node. */
  conflist(context: ScenarioContext): string;
  /** The lab makes the CNI network's profile before any workload (etcd; the Kubernetes datastore has none to make). */
  readonly networkProfile: boolean;
  /** Route reflectors are marked by the datastore steps (kdd: on the Node objects), not with calicoctl afterwards. */
  readonly reflectorsInDatastore: boolean;
  /**
   * Each calico-node registers its Calico Node in the datastore when it starts and nothing removes it (etcd),
   * so the lab removes the registration of a node taken out of the settings. kdd: the lab makes the Node
   * objects itself, as Kubernetes resources that go with their node.
   */
  readonly nodesRegisterThemselves: boolean;
  /**
   * calicoctl reaches the datastore from the first datastore node (bird: etcd's own node, with calicoctl
   * installed there), so the BGP settings, pools and profile wait for no Calico node. Otherwise calicoctl
   * runs in the first Calico node, once that node is set up (kdd: its kubeconfig).
   */
  calicoctlInDatastore?(context: ScenarioContext): boolean;
  /** A node-side script each Calico node runs once it is up (vpp-forwarding: VPP's uplink, whose address is the node's own). */
  nodeSetup?(context: ScenarioContext, nodeName: string, address: string): string;
  /** Workloads plumbed another way than cnitool and the conflist. */
  readonly workloadPlumbing?: WorkloadPlumbing;
  /** A forwarding plane the lab reads and reports besides the kernel's routes. */
  readonly forwardingPlane?: ForwardingPlane;
  /**
   * Steps between the datastore nodes and the Calico nodes; none for bird. `reach` says how the machine
   * running Pulumi reaches a port of a node (the substrate's; kdd's Kubernetes provider uses it).
   */
  prepare?(
    context: ScenarioContext,
    datastore: readonly LabNode[],
    parent: pulumi.Resource,
    reach: (node: LabNode, port: number) => Reach,
  ): PreparedDatastore;
}
