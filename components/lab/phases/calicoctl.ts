import type * as pulumi from "@pulumi/pulumi";
import type { ToolSet } from "../../../core/config/types";
import { NodeTools } from "../../calico/node-tools";
import { goesWithNode, type StepTarget } from "../node-step";
import type { CalicoNodes } from "./calico-nodes";
import type { Datastore } from "./datastore";

export interface ToolsInputs {
  readonly lab: string;
  readonly parent: pulumi.Resource;
  /** Where each tool comes from (the image mode's tool set). */
  readonly tools: ToolSet;
  readonly cacheDir: string;
  readonly manifestPath: string;
  readonly datastore: Datastore;
  readonly calico: CalicoNodes;
  /** calicoctl runs in the first datastore node (bird: etcd's), not in the first Calico node. */
  readonly inDatastore: boolean;
}

/** Where calicoctl runs, and when it can. */
export interface Calicoctl {
  readonly tools: NodeTools;
  /** The node calicoctl runs in; what it makes lives in the datastore, so it goes with the datastore's node. */
  readonly target: StepTarget;
  /** Its node with calicoctl in it. Nothing else: no Calico node on the etcd datastore. */
  readonly ready: readonly pulumi.Resource[];
  /** Re-apply the Calico resources if the datastore or the node calicoctl runs in was made anew. */
  readonly triggers: readonly pulumi.Output<string>[];
  readonly inDatastore: boolean;
}

/**
 * The tools in every Calico node (and calicoctl in the datastore's node when it runs there). Downloads start at
 * once, alongside the nodes; each node's install waits for that node and its setup.
 */
export function installTools(inputs: ToolsInputs): Calicoctl {
  const { datastore, calico, inDatastore } = inputs;
  const tools = new NodeTools(
    `${inputs.lab}-tools`,
    {
      tools: inputs.tools,
      cacheDir: inputs.cacheDir,
      manifestPath: inputs.manifestPath,
      nodes: calico.nodes,
      installAfter: calico.ready,
      ...(inDatastore ? { datastoreClient: { target: datastore.etcd, after: datastore.ready } } : {}),
    },
    { parent: inputs.parent },
  );
  const firstInstall = tools.installs[0];
  const ready = tools.datastoreClientInstall
    ? [tools.datastoreClientInstall]
    : [...(calico.ready[0] ?? [calico.first.resource]), ...(firstInstall ? [firstInstall] : [])];
  const client = inDatastore ? datastore.etcd : calico.first;
  return {
    tools,
    target: { ...client, ...goesWithNode(datastore.etcd) },
    ready,
    triggers: [...datastore.nodes.map((node) => node.instanceId), ...(inDatastore ? [] : [calico.first.instanceId])],
    inDatastore,
  };
}
