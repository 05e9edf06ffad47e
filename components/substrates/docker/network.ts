import * as pulumi from "@pulumi/pulumi";
import { dockerNetworkCreateArgv, type NetworkSpec } from "../../../core/substrates/docker/argv";
import { mustRun, run, sleep } from "../../lab/process";

interface NetworkState extends NetworkSpec {
  readonly networkId: string;
}

const REPLACE_ON = ["name", "subnet", "gateway", "internal", "labels"] as const;

/** A Docker bridge network managed through the docker CLI; refresh drops it from state when it is gone. */
const networkProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: NetworkState) {
    const networkId = (await mustRun(dockerNetworkCreateArgv(inputs))).trim();
    return { id: networkId, outs: { ...inputs, networkId } };
  },

  async read(id: string, props: NetworkState) {
    const inspected = await run(["docker", "network", "inspect", "--format", "{{.Id}}", props.name]);
    if (inspected.code !== 0 || inspected.stdout.trim() !== id) return { id: "", props: {} };
    return { id, props };
  },

  async diff(_id: string, olds: NetworkState, news: NetworkState) {
    const replaces = REPLACE_ON.filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
    return { changes: replaces.length > 0, replaces: [...replaces], deleteBeforeReplace: true };
  },

  async delete(_id: string, props: NetworkState) {
    // Containers detach asynchronously after `docker rm`; give the engine a few seconds.
    for (let attempt = 0; attempt < 10; attempt++) {
      const removed = await run(["docker", "network", "rm", props.name]);
      if (removed.code === 0 || /not found|No such network/i.test(removed.stderr)) return;
      await sleep(1000);
    }
    await mustRun(["docker", "network", "rm", props.name]);
  },
};

export class DockerNetwork extends pulumi.dynamic.Resource {
  declare public readonly networkId: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly subnet: pulumi.Output<string>;

  constructor(
    name: string,
    spec: pulumi.Inputs & { [K in keyof NetworkSpec]: pulumi.Input<NetworkSpec[K]> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(networkProvider, name, { ...spec, networkId: undefined }, opts, "calicolab", "DockerNetwork");
  }
}
