import type * as pulumi from "@pulumi/pulumi";
import type { UnderlayPlan } from "../../core/addressing";
import type { ImageSet, LabConfig } from "../../core/config/types";
import type { DatastoreEnv } from "../../core/node-scripts";
import type { NodeRuntime } from "../../core/node-runtime";
import type { LabNode } from "../substrates/substrate";

export interface ScenarioContext {
  readonly lab: string;
  readonly config: LabConfig;
  readonly plan: UnderlayPlan;
  readonly images: ImageSet;
}

/**
 * What Calico runs, independent of where: the datastore nodes made first, the calico-node each Calico node
 * runs, how calicoctl and the CNI plugin reach the datastore, and any datastore steps before the Calico
 * nodes start. The lab composes it with a substrate.
 */
export interface Scenario {
  /** Nodes that hold the datastore (bird: etcd), made before the Calico nodes. */
  datastoreRuntimes(context: ScenarioContext): NodeRuntime[];
  /** The calico-node runtime of one Calico node. */
  calicoRuntime(context: ScenarioContext, nodeName: string, address: string): NodeRuntime;
  /** calicoctl's environment inside a Calico node. */
  datastoreEnv(context: ScenarioContext): DatastoreEnv;
  /** The calico + calico-ipam conflist written onto every node. */
  conflist(context: ScenarioContext): string;
  /** Steps between the datastore nodes and the Calico nodes (e.g. Node objects); none for bird. */
  prepare?(context: ScenarioContext, datastore: readonly LabNode[], parent: pulumi.Resource): pulumi.Resource[];
}
