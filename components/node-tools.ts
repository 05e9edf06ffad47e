import * as pulumi from "@pulumi/pulumi";
import type { ToolSet } from "../core/config/types";
import { toolCacheDir, toolFetchScript, toolInstallScript, type ToolName } from "../core/tools";
import { hostStep } from "./exec";

export interface ToolTarget {
  /** Container to install into. */
  readonly container: pulumi.Input<string>;
  /** Changes when the container is recreated, so the tools are installed again. */
  readonly containerId: pulumi.Input<string>;
}

export interface NodeToolsArgs {
  /** Where each tool comes from (the image mode's tool set). */
  readonly tools: ToolSet;
  /** Host folder the tools are fetched into once and reused from. */
  readonly cacheDir: string;
  /** The offline build's artifact manifest (used by `manifest` sources). */
  readonly manifestPath: string;
  readonly nodes: readonly ToolTarget[];
}

/** calicoctl, cnitool, the calico CNI plugins and the CNI reference plugins, fetched and verified once, then copied into every node and verified there. */
export class NodeTools extends pulumi.ComponentResource {
  /** sha256 and file name of every fetched file, per tool. */
  public readonly checksums: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: NodeToolsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:docker:NodeTools", name, {}, opts);
    const names = Object.keys(args.tools) as ToolName[];
    const fetches = names.map((tool) =>
      hostStep(
        `${name}-fetch-${tool}`,
        { create: toolFetchScript(tool, args.tools[tool], args.cacheDir, args.manifestPath) },
        { parent: this },
      ),
    );
    const cached = names.map((tool) => ({ name: tool, cacheDir: toolCacheDir(args.cacheDir, tool, args.tools[tool]) }));
    args.nodes.forEach((node, index) => {
      hostStep(
        `${name}-install-${index + 1}`,
        {
          create: pulumi.output(node.container).apply((container) => toolInstallScript(container, cached)),
          triggers: [node.containerId, ...fetches.map((fetch) => fetch.stdout)],
        },
        { parent: this, dependsOn: fetches },
      );
    });
    this.checksums = pulumi
      .all(fetches.map((fetch) => fetch.stdout))
      .apply((outputs) => Object.fromEntries(names.map((tool, i) => [tool, (outputs[i] ?? "").trim()])));
    this.registerOutputs({ checksums: this.checksums });
  }
}
