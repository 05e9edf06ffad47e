import * as pulumi from "@pulumi/pulumi";
import type { ToolSet } from "../../core/config/types";
import { toolCacheDir, toolFetchScript, toolInstallScript, type ToolName } from "../../core/tools";
import type { HostCommand } from "../lab/host-command";
import { goesWithNode, hostStep, type StepTarget } from "../lab/node-step";

export interface NodeToolsArgs {
  /** Where each tool comes from (the image mode's tool set). */
  readonly tools: ToolSet;
  /** Host folder the tools are fetched into once and reused from. */
  readonly cacheDir: string;
  /** The offline build's artifact manifest (used by `manifest` sources). */
  readonly manifestPath: string;
  /** The nodes to install into; a node made anew gets the tools again. */
  readonly nodes: readonly StepTarget[];
  /** Per node (same order), what its install waits for besides the fetches: the node itself, its setup. */
  readonly installAfter?: readonly (readonly pulumi.Resource[])[];
  /** A datastore node that gets calicoctl only (bird: etcd's node, where calicoctl runs), after `after`. */
  readonly datastoreClient?: { readonly target: StepTarget; readonly after: readonly pulumi.Resource[] };
}

/**
 * calicoctl, cnitool, the calico CNI plugins and the CNI reference plugins, fetched and verified once, then
 * copied into every node and verified there. The fetches wait for nothing: they run while the nodes start,
 * and a download that fails its checksum fails the `up` before any install step runs. Give the component
 * no `dependsOn` (its children would wait for it); each install waits for its own node via `installAfter`.
 */
export class NodeTools extends pulumi.ComponentResource {
  /** sha256 and file name of every fetched file, per tool. */
  public readonly checksums: pulumi.Output<Record<string, string>>;
  /** Each node's install (same order as `nodes`): what a node's own later steps wait for. */
  public readonly installs: HostCommand[];
  /** calicoctl's install into the datastore client, when one was given. */
  public readonly datastoreClientInstall?: HostCommand;

  constructor(name: string, args: NodeToolsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:calico:NodeTools", name, {}, pulumi.mergeOptions(opts, { aliases: [{ type: "calicolab:docker:NodeTools" }] }));
    const names = Object.keys(args.tools) as ToolName[];
    const fetches = names.map((tool) =>
      hostStep(
        `${name}-fetch-${tool}`,
        { create: toolFetchScript(tool, args.tools[tool], args.cacheDir, args.manifestPath) },
        { parent: this },
      ),
    );
    const sums = pulumi.all(fetches.map((fetch) => fetch.stdout));
    const cached = sums.apply((all) =>
      names.map((tool, i) => ({ name: tool, cacheDir: toolCacheDir(args.cacheDir, tool, args.tools[tool]), sums: all[i] ?? "" })),
    );
    // An install has nothing to undo (the copies go with the node), yet its delete is one more call to the
    // provider that the lab network's removal waits for: none when its node goes in the same destroy.
    this.installs = args.nodes.map((node, index) =>
      hostStep(
        `${name}-install-${index + 1}`,
        { create: cached.apply((tools) => toolInstallScript(node.shell, tools)), triggers: [node.instanceId, sums] },
        { parent: this, dependsOn: [...fetches, ...(args.installAfter?.[index] ?? [])], ...goesWithNode(node) },
      ),
    );
    const client = args.datastoreClient;
    if (client) {
      const calicoctl = names.indexOf("calicoctl");
      this.datastoreClientInstall = hostStep(
        `${name}-install-datastore`,
        {
          create: cached.apply((tools) => toolInstallScript(client.target.shell, tools.slice(calicoctl, calicoctl + 1))),
          triggers: [client.target.instanceId, sums],
        },
        {
          parent: this,
          dependsOn: [...(fetches[calicoctl] ? [fetches[calicoctl]] : fetches), ...client.after],
          ...goesWithNode(client.target),
        },
      );
    }
    this.checksums = sums.apply((outputs) => Object.fromEntries(names.map((tool, i) => [tool, (outputs[i] ?? "").trim()])));
    this.registerOutputs({ checksums: this.checksums });
  }
}
