import type * as pulumi from "@pulumi/pulumi";
import type { NodeRuntime } from "../../../core/node-runtime";
import type { HostCommand } from "../host-command";
import { nodeStep } from "../node-step";
import type { LabNode, SubstrateNodes } from "../../substrates/substrate";

export interface CalicoNodesInputs {
  /** The lab's name: the setups are named from it. */
  readonly lab: string;
  readonly parent: pulumi.Resource;
  readonly substrate: SubstrateNodes;
  /** One calico-node runtime per Calico node, in order. */
  readonly runtimes: readonly NodeRuntime[];
  /** What every Calico node waits for (the datastore). */
  readonly after: readonly pulumi.Resource[];
  /** Each node waits for the one before it. */
  readonly inTurn: boolean;
  /** A node-side script each node runs first (kdd: its kubeconfig), a secret in the state. */
  readonly setup?: pulumi.Output<string>;
  /** Per node (same order), a script of its own it runs after `setup` (vpp-forwarding: VPP's uplink). */
  readonly ownSetups?: readonly (string | undefined)[];
}

export interface CalicoNodes {
  readonly nodes: readonly LabNode[];
  readonly first: LabNode;
  /** Per node (same order), its setup step when the scenario has one. */
  readonly setups: readonly (HostCommand | undefined)[];
  /** Per node (same order), what a step inside it waits for: the node and its setup. */
  readonly ready: readonly (readonly pulumi.Resource[])[];
}

/**
 * The Calico nodes, once the datastore is ready. From a local Calico tree they come up in turn (`inTurn`): a
 * new build then replaces them one at a time, the others keeping their sessions, not all at once.
 */
export function makeCalicoNodes(inputs: CalicoNodesInputs): CalicoNodes {
  const nodes: LabNode[] = [];
  for (const runtime of inputs.runtimes) {
    const previous = inputs.inTurn ? nodes.at(-1)?.resource : undefined;
    nodes.push(inputs.substrate.node(runtime, previous ? [...inputs.after, previous] : inputs.after));
  }
  const first = nodes[0];
  if (!first) throw new Error("calico.nodes was not validated");
  const setups = nodes.map((node, i) => setupStep(inputs, node, inputs.ownSetups?.[i]));
  const ready = nodes.map((node, i) => [node.resource, ...(setups[i] ? [setups[i]] : [])]);
  return { nodes, first, setups, ready };
}

/** The setup script may carry credentials (kdd: the kubeconfig): the script is kept in the state as a secret. */
function setupStep(inputs: CalicoNodesInputs, node: LabNode, own: string | undefined): HostCommand | undefined {
  const { setup } = inputs;
  if (!setup && own === undefined) return undefined;
  const create = setup && own !== undefined ? setup.apply((shared) => `${shared}\n${own}`) : (setup ?? own ?? "");
  return nodeStep(
    `${inputs.lab}-${node.node}-setup`,
    node,
    { create },
    { parent: inputs.parent, dependsOn: [node.resource], additionalSecretOutputs: ["create"] },
  );
}
