import * as pulumi from "@pulumi/pulumi";
import { dockerNetworkCreateArgv, type NetworkSpec } from "../../../core/substrates/docker/argv";
import { removeIntraBridgeScript } from "../../../core/substrates/docker/bridge-forwarding";
import { networkRemoveFailure } from "../../../core/substrates/docker/network-removal";
import { mustRun, run, runScript, sleep } from "../../lab/process";

interface NetworkState extends NetworkSpec {
  readonly networkId: string;
}

const REPLACE_ON = ["name", "subnet", "gateway", "internal", "labels"] as const;

/** The labels that say which lab and stack made an object. */
const OWNER_LABELS = ["calico-lab.lab", "calico-lab.stack"] as const;

function ownerFilters(labels: Readonly<Record<string, string>>): string[] {
  return OWNER_LABELS.flatMap((key) => (labels[key] ? ["--filter", `label=${key}=${labels[key]}`] : []));
}

/**
 * Removes this stack's containers attached to the network, in one `docker rm`: the lab's nodes when the whole
 * lab goes (their own deletes are skipped then, deletedWith the network), and nodes an interrupted `up` started
 * but never recorded. Only containers carrying this lab's and stack's labels are touched.
 */
async function removeOwnContainers(props: NetworkState): Promise<void> {
  const listed = await run(["docker", "ps", "--all", "--quiet", "--filter", `network=${props.name}`, ...ownerFilters(props.labels)]);
  const ids = listed.stdout.split("\n").filter((id) => id.trim() !== "");
  if (ids.length > 0) await run(["docker", "rm", "--force", "--volumes", ...ids]);
}

const networkProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: NetworkState) {
    // A network of this name left by this stack's interrupted up is taken down first; anyone else's stays and the create fails.
    const existing = await run(["docker", "network", "inspect", "--format", "{{json .Labels}}", inputs.name]);
    if (existing.code === 0) {
      const labels = (JSON.parse(existing.stdout.trim() || "null") ?? {}) as Record<string, string>;
      const ours = OWNER_LABELS.every((key) => labels[key] === inputs.labels[key]);
      if (!ours) {
        const owner = OWNER_LABELS.map((key) => `${key}=${labels[key] ?? "(none)"}`).join(", ");
        throw new Error(
          `network ${inputs.name} already exists and is not this lab's (${owner}); remove it or give this stack another name`,
        );
      }
      await removeOwnContainers(inputs);
      await mustRun(["docker", "network", "rm", inputs.name], undefined, `removing this stack's leftover network ${inputs.name}`);
    }
    const networkId = (await mustRun(dockerNetworkCreateArgv(inputs), undefined, `creating the lab network ${inputs.name}`)).trim();
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

  async delete(id: string, props: NetworkState) {
    await removeOwnContainers(props);
    // The internal bridge's forwarding rules, if an interrupted up added them without recording the step that removes them.
    await runScript(removeIntraBridgeScript(id, props.name));
    // Containers detach asynchronously after `docker rm`; give the engine a few seconds.
    const attempts = 10;
    let said = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const removed = await run(["docker", "network", "rm", props.name]);
      if (removed.code === 0 || /not found|No such network/i.test(removed.stderr)) return;
      said = removed.stderr || removed.stdout;
      if (attempt < attempts) await sleep(1000);
    }
    const attached = await run(["docker", "network", "inspect", "--format", "{{len .Containers}}", props.name]);
    throw new Error(networkRemoveFailure(props.name, said, attached.code === 0 ? Number(attached.stdout.trim()) : -1));
  },
};

/** A Docker bridge network managed through the docker CLI; refresh drops it from state when it is gone. */
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
