import type * as pulumi from "@pulumi/pulumi";
import type { NodeRuntime } from "../../core/node-runtime";
import { shellFor, type NodeAccess } from "../../core/transports/access";
import type { NodeShell } from "../../core/transports/node-shell";

/**
 * The seam between a scenario (what Calico runs) and a substrate (where the nodes live). A substrate
 * makes the lab network and one node per runtime the scenario asks for (or, for hosts the user already
 * has, takes them over), and for each node gives an address and a NodeShell; its resources remove what
 * they made. Nothing else about a substrate is visible to the lab or the scenarios.
 */
export interface LabNode {
  /** The lab's name for the node: `etcd`, `calico1`. */
  readonly node: string;
  /** Its underlay address. */
  readonly address: string;
  /** Where it lives, as users see it: a container name, a VM or a host. */
  readonly handle: pulumi.Output<string>;
  /** Runs node-side scripts in it and copies files into it. */
  readonly shell: NodeShell;
  /** The same, as plain data for the outputs (shellFor(access) gives this shell back); absent for test-only substrates. */
  readonly access?: NodeAccess;
  /** The accelerator of the node's VM (`kvm` or `tcg`), as started: VMs only. */
  readonly accelerator?: pulumi.Output<string>;
  /** Changes whenever the node is made anew, so that the steps inside it run again. */
  readonly instanceId: pulumi.Output<string>;
  /** What later steps wait for. */
  readonly resource: pulumi.Resource;
  /**
   * Deleting this resource takes away everything the lab's steps put inside the node (docker: the
   * container). Those steps' deletes are then skipped when it goes in the same update (Pulumi's
   * `deletedWith`); absent where the node outlives the lab (ssh hosts), so every step cleans up after itself.
   */
  readonly deletedWith?: pulumi.Resource;
}

/** What a substrate knows of a node it made, besides the runtime and how it is reached. */
export type LabNodeParts = Pick<LabNode, "handle" | "instanceId" | "resource" | "accelerator" | "deletedWith">;

/** The LabNode of `runtime`, reached through `access` (its shell is `shellFor(access)`): the one way substrates build one. */
export function labNode(runtime: NodeRuntime, access: NodeAccess, parts: LabNodeParts): LabNode {
  return { node: runtime.node, address: runtime.address, shell: shellFor(access), access, ...parts };
}

export interface SubstrateContext {
  /** The lab's name: children are named from it. */
  readonly lab: string;
  /** Stack name, put on everything the substrate makes so that leftovers can be found. */
  readonly stack: pulumi.Input<string>;
  /** The lab component: the parent of everything the substrate makes. */
  readonly parent: pulumi.Resource;
}

export interface UnderlaySpec {
  readonly subnet: string;
  readonly gateway: string;
  /** No route out of the machine. */
  readonly internal: boolean;
}

/** Where the machine running Pulumi connects to reach a port of a node, and what must exist first. */
export interface Reach {
  readonly host: string;
  readonly port: number;
  /** What makes that way (a forwarder); empty when the node's address is reachable as it is. */
  readonly after: readonly pulumi.Resource[];
}

/** The node's own address and port: where this machine has a leg in the lab network (docker), or the hosts are the user's (ssh). */
export function directReach(node: LabNode, port: number): Reach {
  return { host: node.address, port, after: [] };
}

export interface SubstrateNodes {
  /** The lab network; nodes are made after it. */
  readonly network: pulumi.Resource;
  /** Makes (or takes over) the node that runs `runtime`, after `dependsOn`. */
  node(runtime: NodeRuntime, dependsOn: readonly pulumi.Resource[]): LabNode;
  /**
   * How the machine running Pulumi reaches `port` of `node` (kdd: the Kubernetes provider, kube-apiserver).
   * Absent: directReach. Each call makes what it needs (the qemu substrate: a forwarder), once per node and port.
   */
  reach?(node: LabNode, port: number): Reach;
}

export type Substrate = (context: SubstrateContext, underlay: UnderlaySpec) => SubstrateNodes;
