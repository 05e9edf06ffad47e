import type * as pulumi from "@pulumi/pulumi";
import type { PreparedDatastore, Scenario, ScenarioContext } from "../../scenarios/scenario";
import { directReach, type LabNode, type SubstrateNodes } from "../../substrates/substrate";

/** The lab's datastore: its nodes, what the scenario prepared in it, and what the Calico nodes wait for. */
export interface Datastore {
  /** The datastore nodes in the order they were made; the first holds etcd. */
  readonly nodes: readonly LabNode[];
  readonly etcd: LabNode;
  readonly prepared: PreparedDatastore;
  /** Every datastore node and the scenario's datastore steps. */
  readonly ready: readonly pulumi.Resource[];
}

/** Datastore nodes one after another (kube-apiserver needs its etcd), then the scenario's datastore steps. */
export function makeDatastore(scenario: Scenario, context: ScenarioContext, substrate: SubstrateNodes, parent: pulumi.Resource): Datastore {
  const nodes: LabNode[] = [];
  for (const runtime of scenario.datastoreRuntimes(context)) {
    nodes.push(substrate.node(runtime, [nodes.at(-1)?.resource ?? substrate.network]));
  }
  const etcd = nodes[0];
  if (!etcd) throw new Error(`scenario made no datastore node for lab ${context.lab}`);
  const reach = (node: LabNode, port: number) => substrate.reach?.(node, port) ?? directReach(node, port);
  const prepared = scenario.prepare?.(context, nodes, parent, reach) ?? { ready: [] };
  return { nodes, etcd, prepared, ready: [...nodes.map((node) => node.resource), ...prepared.ready] };
}
