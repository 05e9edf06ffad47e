import * as pulumi from "@pulumi/pulumi";
import { allowIntraBridgeScript, removeIntraBridgeScript } from "../../../core/substrates/docker/bridge-forwarding";
import { DockerNetwork } from "./network";
import { hostStep } from "../../lab/node-step";
import { readStep } from "../../lab/user-error";

const DOCKER_ADVICE = "Docker gave it an id that names no bridge: check `docker network inspect` and the engine";

export interface LabNetworkArgs {
  /** The underlay subnet, e.g. 192.168.4.0/24. */
  readonly subnet: pulumi.Input<string>;
  /** The bridge's own address on the underlay. */
  readonly gateway: pulumi.Input<string>;
  /**
   * No route out of the machine (Docker's --internal). Plain, not an Input: it decides whether the
   * lab adds the host rule that lets routed workload traffic cross the bridge.
   */
  readonly internal: boolean;
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
    // Only an internal network isolates its bridge from routed workload traffic; see core/bridge-forwarding.
    // Dependents wait for it through `dependsOn` on this component, which covers its children.
    if (args.internal) {
      const bridge = pulumi.all([this.network.networkId, this.network.name]);
      hostStep(
        `${name}-forwarding`,
        {
          create: bridge.apply(([id, net]) => readStep(`the lab network ${net}`, DOCKER_ADVICE, () => allowIntraBridgeScript(id, net))),
          delete: bridge.apply(([id, net]) => readStep(`the lab network ${net}`, DOCKER_ADVICE, () => removeIntraBridgeScript(id, net))),
          triggers: [this.network.networkId],
        },
        // The network's own delete removes this rule too (see DockerNetwork): no need to run it when both go.
        { parent: this, deletedWith: this.network },
      );
    }
    this.networkName = this.network.name;
    this.subnet = this.network.subnet;
    this.registerOutputs({ networkName: this.networkName, subnet: this.subnet });
  }
}
