import * as pulumi from "@pulumi/pulumi";
import { dockerNetworkCreateArgv, type NetworkSpec } from "../../../core/substrates/docker/argv";
import { BRIDGE_MARKER, intraBridgeRules } from "../../../core/substrates/docker/bridge-forwarding";
import { stepsResourceOptions, stepsType } from "../../lab/step-provider";

/**
 * A Docker bridge network, served by the calicolab-steps provider (providers/steps/network.go): made with this
 * spec's `docker network create`; refresh drops it from the state when it is gone. A network of its name left by
 * this stack's interrupted up is taken down first, anyone else's never. Its delete removes this stack's containers
 * on it in one `docker rm` (the lab's nodes are deletedWith it), the bridge's forwarding rules an interrupted up
 * may have left (forwardingRules, the bridge as BRIDGE_MARKER), and then the network.
 */
export class DockerNetwork extends pulumi.CustomResource {
  declare public readonly networkId: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly subnet: pulumi.Output<string>;

  constructor(
    name: string,
    spec: pulumi.Inputs & { [K in keyof NetworkSpec]: pulumi.Input<NetworkSpec[K]> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    const whole = pulumi.output(spec) as pulumi.Output<NetworkSpec>;
    super(
      stepsType("DockerNetwork"),
      name,
      {
        ...spec,
        createArgv: whole.apply(dockerNetworkCreateArgv),
        forwardingRules: pulumi.output(spec.name).apply((network) => intraBridgeRules(BRIDGE_MARKER, network)),
        networkId: undefined,
      },
      stepsResourceOptions("DockerNetwork", opts),
    );
  }
}
