import * as pulumi from "@pulumi/pulumi";
import { CNI_CONF_FILE, removeFileScript, writeFileScript } from "../core/lab-scripts";
import { hostStep } from "./exec";
import type { ToolTarget } from "./node-tools";

export interface CniConfigArgs {
  /** The rendered conflist. */
  readonly conflist: pulumi.Input<string>;
  readonly nodes: readonly ToolTarget[];
}

/** Writes the calico + calico-ipam conflist into every node's /etc/cni/net.d. */
export class CniConfig extends pulumi.ComponentResource {
  public readonly conflist: pulumi.Output<string>;
  public readonly path: string = CNI_CONF_FILE;

  constructor(name: string, args: CniConfigArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:cni:CniConfig", name, {}, opts);
    args.nodes.forEach((node, index) => {
      const scripts = pulumi.all([node.container, args.conflist]).apply(([container, conflist]) => ({
        write: writeFileScript(container, CNI_CONF_FILE, conflist),
        remove: removeFileScript(container, CNI_CONF_FILE),
      }));
      hostStep(
        `${name}-write-${index + 1}`,
        { create: scripts.write, delete: scripts.remove, triggers: [node.containerId, args.conflist] },
        { parent: this },
      );
    });
    this.conflist = pulumi.output(args.conflist);
    this.registerOutputs({ conflist: this.conflist, path: this.path });
  }
}
