import type * as pulumi from "@pulumi/pulumi";
import type { NodeRuntime } from "../../../core/node-runtime";
import { startWaves } from "../../../core/start-waves";
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
  /**
   * How many nodes start at once (calico.startWave, resolved): each wave's nodes wait for every node of the wave
   * before, so at most one wave is starting at a time; 0 starts them all at once.
   */
  readonly startWave: number;
  /** The nodes of the first wave, before the others (route reflectors: the nodes the others peer with). */
  readonly startFirst: readonly string[];
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
 * The Calico nodes, once the datastore is ready, in waves of `startWave` (startWaves): every node starting at once
 * starves the datastore that each node's startup reads and writes, and nodes of a late wave then never get ready.
 * A node counts as started once it is ready (its readiness check, and its setup where it has one: kdd and etcd
 * over TLS wait for BIRD there), so a wave waits for the whole wave before it. The order only adds dependencies:
 * resource names stay the same and nothing is replaced. From a local Calico tree the program asks for waves of 1:
 * a new build then replaces the nodes one at a time, the others keeping their sessions, not all at once.
 */
export function makeCalicoNodes(inputs: CalicoNodesInputs): CalicoNodes {
  const made = new Map<number, { node: LabNode; setup: HostCommand | undefined; ready: pulumi.Resource[] }>();
  let previous: pulumi.Resource[] = [];
  for (const wave of startWaves(
    inputs.runtimes.map((runtime) => runtime.node),
    inputs.startFirst,
    inputs.startWave,
  )) {
    const after = [...inputs.after, ...previous];
    for (const i of wave) {
      const node = inputs.substrate.node(inputs.runtimes[i]!, after);
      const setup = setupStep(inputs, node, inputs.ownSetups?.[i]);
      made.set(i, { node, setup, ready: [node.resource, ...(setup ? [setup] : [])] });
    }
    previous = wave.flatMap((i) => made.get(i)!.ready);
  }
  const all = inputs.runtimes.map((_, i) => made.get(i)!);
  const nodes = all.map((one) => one.node);
  const first = nodes[0];
  if (!first) throw new Error("calico.nodes was not validated");
  return { nodes, first, setups: all.map((one) => one.setup), ready: all.map((one) => one.ready) };
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
