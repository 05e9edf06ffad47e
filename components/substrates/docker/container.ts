import * as pulumi from "@pulumi/pulumi";
import { dockerRunArgv, type ContainerSpec } from "../../../core/substrates/docker/argv";
import { mustRun, pollInside, run, waitFor } from "../../lab/process";

export interface ReadinessCheck {
  /** Run inside the container with `docker exec`; ready when it exits 0. */
  readonly command: readonly string[];
  readonly timeoutSeconds: number;
}

interface ContainerState extends ContainerSpec {
  readonly readiness?: ReadinessCheck;
  readonly containerId: string;
}

const REPLACE_ON = [
  "name",
  "image",
  "hostname",
  "network",
  "ipv4Address",
  "env",
  "capAdd",
  "securityOpt",
  "sysctls",
  "labels",
  "command",
  "entrypoint",
] as const;

/** Changed on the running container (update), never by making it anew. */
const IN_PLACE = ["readiness", "restartPolicy"] as const;

/**
 * A container already named like ours is this stack's leftover (an interrupted up) and goes; anything
 * else, another stack's node or a container the user made, is never touched: the create fails, naming it.
 */
async function removeOwnLeftover(inputs: ContainerState): Promise<void> {
  const found = await run(["docker", "inspect", "--type", "container", "--format", "{{json .Config.Labels}}", inputs.name]);
  if (found.code !== 0) return;
  const labels = (JSON.parse(found.stdout.trim() || "null") ?? {}) as Record<string, string>;
  const ours = OWNER_LABELS.every((key) => labels[key] === inputs.labels[key]);
  if (!ours) {
    const owner = OWNER_LABELS.map((key) => `${key}=${labels[key] ?? "(none)"}`).join(", ");
    throw new Error(
      `container ${inputs.name} already exists and is not this lab's (${owner}); remove or rename it, or give this stack another name`,
    );
  }
  await run(["docker", "rm", "--force", "--volumes", inputs.name]);
}

const OWNER_LABELS = ["calico-lab.lab", "calico-lab.stack"] as const;

/**
 * A Docker container managed through the docker CLI: created and waited for on create, looked up on
 * refresh (a container removed by hand drops out of the state, so the next `up` brings it back),
 * replaced when any of its settings change but its restart policy and readiness wait (updated in place),
 * and removed with its anonymous volumes on delete.
 */
export const dockerContainerProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ContainerState) {
    await removeOwnLeftover(inputs);
    const containerId = (await mustRun(dockerRunArgv(inputs), undefined, `starting node container ${inputs.name}`)).trim();
    if (inputs.readiness) {
      const { command, timeoutSeconds } = inputs.readiness;
      const ready = await waitFor(["docker", "exec", inputs.name, ...pollInside(command, timeoutSeconds)], timeoutSeconds);
      if (!ready) {
        const logs = await run(["docker", "logs", "--tail", "40", inputs.name]);
        await run(["docker", "rm", "--force", "--volumes", inputs.name]);
        throw new Error(
          `container ${inputs.name} was not ready within ${inputs.readiness.timeoutSeconds}s (${inputs.readiness.command.join(" ")} kept failing); last log lines:\n${logs.stdout}${logs.stderr}`,
        );
      }
    }
    return { id: containerId, outs: { ...inputs, containerId } };
  },

  async read(id: string, props: ContainerState) {
    const inspected = await run(["docker", "inspect", "--type", "container", "--format", "{{.Id}} {{.State.Running}}", props.name]);
    const [foundId, running] = inspected.stdout.trim().split(" ");
    if (inspected.code !== 0 || foundId !== id || running !== "true") return { id: "", props: {} };
    return { id, props };
  },

  async diff(_id: string, olds: ContainerState, news: ContainerState) {
    const replaces = REPLACE_ON.filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
    const inPlace = IN_PLACE.filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
    return { changes: replaces.length > 0 || inPlace.length > 0, replaces: [...replaces], deleteBeforeReplace: true };
  },

  // In place, on the running container: a new restart policy with `docker update`; a new readiness wait needs nothing.
  async update(_id: string, olds: ContainerState, news: ContainerState) {
    if (olds.restartPolicy !== news.restartPolicy) {
      await mustRun(
        ["docker", "update", "--restart", news.restartPolicy ?? "no", news.name],
        undefined,
        `setting the restart policy of ${news.name}`,
      );
    }
    return { outs: { ...news, containerId: olds.containerId } };
  },

  async delete(_id: string, props: ContainerState) {
    const removed = await run(["docker", "rm", "--force", "--volumes", props.name]);
    // A container that stayed on the engine would leave the state all the same, out of reach of the next destroy.
    if (removed.code !== 0 && !/No such container/i.test(removed.stderr)) {
      throw new Error(`removing container ${props.name} failed (exit ${removed.code}): ${removed.stderr.trim() || removed.stdout.trim()}`);
    }
  },
};

export interface DockerContainerArgs {
  readonly spec: pulumi.Input<ContainerSpec>;
  /** When set, create waits until this command succeeds inside the container. */
  readonly readiness?: pulumi.Input<ReadinessCheck>;
}

export class DockerContainer extends pulumi.dynamic.Resource {
  declare public readonly containerId: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly ipv4Address: pulumi.Output<string>;

  constructor(name: string, args: DockerContainerArgs, opts?: pulumi.CustomResourceOptions) {
    const spread = pulumi.output(args.spec).apply((spec) => spec);
    super(
      dockerContainerProvider,
      name,
      {
        name: spread.name,
        image: spread.image,
        hostname: spread.hostname,
        network: spread.network,
        ipv4Address: spread.ipv4Address,
        env: spread.env,
        capAdd: spread.capAdd,
        securityOpt: spread.securityOpt,
        sysctls: spread.sysctls,
        labels: spread.labels,
        command: spread.command,
        entrypoint: spread.entrypoint,
        restartPolicy: spread.restartPolicy,
        readiness: args.readiness,
        containerId: undefined,
      },
      opts,
      "calicolab",
      "DockerContainer",
    );
  }
}
