import * as pulumi from "@pulumi/pulumi";
import { DockerNetwork } from "./docker/network";

export interface LabNetworkArgs {
  /** The underlay subnet, e.g. 192.168.4.0/24. */
  readonly subnet: pulumi.Input<string>;
  /** The bridge's own address on the underlay. */
  readonly gateway: pulumi.Input<string>;
  /** No route out of the machine (Docker's --internal). */
  readonly internal: pulumi.Input<boolean>;
  readonly labels: pulumi.Input<Record<string, string>>;
}

/** The lab's underlay: one Docker bridge network that the etcd and Calico nodes sit on. */
export class LabNetwork extends pulumi.ComponentResource {
  public readonly networkName: pulumi.Output<string>;
  public readonly subnet: pulumi.Output<string>;
  public readonly network: DockerNetwork;

  constructor(name: string, args: LabNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:docker:LabNetwork", name, {}, opts);
    this.network = new DockerNetwork(
      `${name}-net`,
      { name: `${name}-net`, subnet: args.subnet, gateway: args.gateway, internal: args.internal, labels: args.labels },
      { parent: this },
    );
    this.networkName = this.network.name;
    this.subnet = this.network.subnet;
    this.registerOutputs({ networkName: this.networkName, subnet: this.subnet });
  }
}
