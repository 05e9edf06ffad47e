import * as pulumi from "@pulumi/pulumi";
import type { NodeRuntime } from "../../../core/node-runtime";
import { containerSpecFor } from "../../../core/substrates/docker/container-spec";
import { goesWithNode } from "../../lab/node-step";
import { DockerContainer } from "./container";

export interface DockerNodeArgs {
  /** What the node runs (image, environment, command, readiness), as the scenario asked. */
  readonly runtime: NodeRuntime;
  /** Docker network the node joins. */
  readonly network: pulumi.Input<string>;
  readonly labels: pulumi.Input<Record<string, string>>;
}

/** The component type each role had before the substrate seam; kept as aliases so existing labs are not replaced. */
const FORMER_TYPES: Partial<Record<NodeRuntime["role"], string>> = {
  etcd: "calicolab:docker:EtcdNode",
  "calico-node": "calicolab:docker:CalicoNode",
};

/** One lab node as a container named after the component, ready once the runtime's readiness command passes. */
export class DockerNode extends pulumi.ComponentResource {
  public readonly containerName: pulumi.Output<string>;
  public readonly containerId: pulumi.Output<string>;
  public readonly container: DockerContainer;

  constructor(name: string, args: DockerNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    const former = FORMER_TYPES[args.runtime.role];
    super("calicolab:docker:Node", name, {}, pulumi.mergeOptions(opts, { aliases: former ? [{ type: former }] : [] }));
    const spec = pulumi
      .all([args.network, args.labels])
      .apply(([network, labels]) => containerSpecFor(args.runtime, { containerName: name, network, labels }));
    // Components have no delete of their own: a caller's deletedWith is meant for the container.
    this.container = new DockerContainer(
      `${name}-container`,
      { spec, readiness: args.runtime.readiness },
      { parent: this, ...goesWithNode(opts) },
    );
    this.containerName = this.container.name;
    this.containerId = this.container.containerId;
    this.registerOutputs({ containerName: this.containerName, containerId: this.containerId });
  }
}
