import * as pulumi from "@pulumi/pulumi";
import { CALICO_NODE_READINESS, calicoNodeContainerSpec } from "../core/node-spec";
import { DockerContainer } from "./docker/container";

export interface CalicoNodeArgs {
  /** Calico's name for the node (NODENAME), e.g. calico1. */
  readonly nodeName: pulumi.Input<string>;
  readonly image: pulumi.Input<string>;
  readonly network: pulumi.Input<string>;
  /** The node's underlay address; also its BGP address (IP). */
  readonly address: pulumi.Input<string>;
  readonly asNumber: pulumi.Input<number>;
  readonly etcdEndpoints: pulumi.Input<string>;
  readonly logLevel: pulumi.Input<string>;
  readonly labels: pulumi.Input<Record<string, string>>;
  /** Seconds to wait for BIRD to answer on its control socket. */
  readonly readyTimeoutSeconds?: number;
}

/** One calico-node container with the environment `calicoctl node run` would give it; ready when BIRD answers. */
export class CalicoNode extends pulumi.ComponentResource {
  public readonly nodeName: pulumi.Output<string>;
  public readonly containerName: pulumi.Output<string>;
  public readonly address: pulumi.Output<string>;
  public readonly containerId: pulumi.Output<string>;
  public readonly container: DockerContainer;

  constructor(name: string, args: CalicoNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:docker:CalicoNode", name, {}, opts);
    const spec = pulumi
      .all([args.nodeName, args.image, args.network, args.address, args.asNumber, args.etcdEndpoints, args.logLevel, args.labels])
      .apply(([nodeName, image, network, address, asNumber, etcdEndpoints, logLevel, labels]) =>
        calicoNodeContainerSpec({ containerName: name, nodeName, image, network, address, asNumber, etcdEndpoints, logLevel, labels }),
      );
    this.container = new DockerContainer(
      `${name}-container`,
      { spec, readiness: { command: [...CALICO_NODE_READINESS], timeoutSeconds: args.readyTimeoutSeconds ?? 120 } },
      { parent: this },
    );
    this.nodeName = pulumi.output(args.nodeName);
    this.containerName = this.container.name;
    this.address = this.container.ipv4Address;
    this.containerId = this.container.containerId;
    this.registerOutputs({
      nodeName: this.nodeName,
      containerName: this.containerName,
      address: this.address,
      containerId: this.containerId,
    });
  }
}
