import * as pulumi from "@pulumi/pulumi";
import { ETCD_READINESS, etcdContainerSpec, etcdEndpoint } from "../core/node-spec";
import { DockerContainer } from "./docker/container";

export interface EtcdNodeArgs {
  readonly image: pulumi.Input<string>;
  /** Docker network the node joins. */
  readonly network: pulumi.Input<string>;
  /** Its fixed address on the underlay. */
  readonly address: pulumi.Input<string>;
  readonly labels: pulumi.Input<Record<string, string>>;
  /** Seconds to wait for `etcdctl endpoint health`. */
  readonly readyTimeoutSeconds?: number;
}

/** The lab's datastore: one etcd container, ready once its endpoint reports healthy. */
export class EtcdNode extends pulumi.ComponentResource {
  public readonly endpoint: pulumi.Output<string>;
  public readonly address: pulumi.Output<string>;
  public readonly containerId: pulumi.Output<string>;
  public readonly container: DockerContainer;

  constructor(name: string, args: EtcdNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:docker:EtcdNode", name, {}, opts);
    const spec = pulumi
      .all([args.image, args.network, args.address, args.labels])
      .apply(([image, network, address, labels]) => etcdContainerSpec({ name, image, network, address, labels }));
    this.container = new DockerContainer(
      `${name}-container`,
      { spec, readiness: { command: [...ETCD_READINESS], timeoutSeconds: args.readyTimeoutSeconds ?? 60 } },
      { parent: this },
    );
    this.address = this.container.ipv4Address;
    this.endpoint = this.address.apply(etcdEndpoint);
    this.containerId = this.container.containerId;
    this.registerOutputs({ endpoint: this.endpoint, address: this.address, containerId: this.containerId });
  }
}
