import type * as pulumi from "@pulumi/pulumi";
import type { IpPoolSettings } from "../../core/config/types";
import type { ObservedDataplane, ObservedTopology, TopologyComparison } from "../../core/observed";
import type { VppNodeOutput } from "../../core/scenarios/vpp-forwarding-status";
import type { NodeAccess } from "../../core/transports/access";
import type { ExpectedTopology } from "../../core/topology";
import type { Workload } from "../calico/workloads";
import type { CniConfigOutput, EtcdOutput } from "./outputs";

/**
 * What a lab runs on. Two shapes, one interface: Calico nodes that the lab makes from a scenario composed with a
 * substrate (docker, qemu, ssh: components/lab/node-platform.ts), or a Kubernetes cluster that runs Calico the way
 * a cluster does (kind: components/substrates/kind/kind-platform.ts). A platform declares its resources under the
 * lab and hands back the parts that one outputs contract (components/lab/phases/outputs.ts) is made of.
 */
export type LabPlatform = (context: PlatformContext) => LabParts;

export interface PlatformContext {
  /** The lab's name: children are named from it. */
  readonly lab: string;
  /** The lab component: the parent of everything the platform makes. */
  readonly parent: pulumi.Resource;
}

/** The live status of a lab, as one reader reads it from every node's BGP daemon and routes. */
export interface LabStatus {
  readonly observed: pulumi.Output<ObservedTopology>;
  readonly comparison: pulumi.Output<TopologyComparison>;
  /** Each node's own blocks and tunnel addresses. */
  readonly dataplane: pulumi.Output<ObservedDataplane>;
}

/** Where a Calico node lives and how it is reached, in the order of the expected topology's nodes. */
export interface NodePlace {
  /** Its container (docker, kind), VM or host. */
  readonly container: string;
  readonly access?: NodeAccess;
  /** The accelerator of its VM (qemu). */
  readonly accelerator?: string;
}

/** What the outputs contract is made of, whatever the platform. */
export interface LabParts {
  /** The datastore as the outputs report it: the lab's etcd, or the cluster's own. */
  readonly datastore: pulumi.Output<EtcdOutput>;
  readonly bgp: { readonly asNumber: number; readonly mode: string };
  readonly expected: pulumi.Output<ExpectedTopology>;
  readonly places: pulumi.Output<NodePlace[]>;
  readonly workloads: pulumi.Output<Workload[]>;
  readonly status: LabStatus;
  readonly ipPools: readonly IpPoolSettings[];
  /** The pools as the lab applied them. */
  readonly poolsYaml: pulumi.Input<string>;
  readonly cni: pulumi.Input<CniConfigOutput>;
  /** The admin kubeconfig of the lab's Kubernetes API (kdd, kind). */
  readonly kubeconfig?: pulumi.Output<string>;
  /** Per node, its VPP (vpp-forwarding). */
  readonly vpp?: pulumi.Output<Record<string, VppNodeOutput>>;
}
