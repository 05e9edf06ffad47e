import * as pulumi from "@pulumi/pulumi";
import { CNI_CONF_FILE, removeFileScript, writeFileScript } from "../../core/node-scripts";
import type { HostCommand } from "../lab/host-command";
import { nodeStep, type StepTarget } from "../lab/node-step";

export interface CniConfigArgs {
  /** The rendered conflist. */
  readonly conflist: pulumi.Input<string>;
  readonly nodes: readonly StepTarget[];
  /** Per node (same order), what its write waits for: the node and its setup. Give the component no `dependsOn`. */
  readonly after?: readonly (readonly pulumi.Resource[])[];
}

/** Writes the calico + calico-ipam conflist into every node's /etc/cni/net.d. */
export class CniConfig extends pulumi.ComponentResource {
  public readonly conflist: pulumi.Output<string>;
  public readonly path: string = CNI_CONF_FILE;
  /** Each node's write (same order as `nodes`). */
  public readonly writes: HostCommand[];

  constructor(name: string, args: CniConfigArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:cni:CniConfig", name, {}, opts);
    this.writes = args.nodes.map((node, index) =>
      nodeStep(
        `${name}-write-${index + 1}`,
        node,
        {
          create: pulumi.output(args.conflist).apply((conflist) => writeFileScript(CNI_CONF_FILE, conflist)),
          delete: removeFileScript(CNI_CONF_FILE),
          deleteWhat: `removing ${CNI_CONF_FILE}`,
          triggers: [args.conflist],
        },
        { parent: this, dependsOn: [...(args.after?.[index] ?? [])] },
      ),
    );
    this.conflist = pulumi.output(args.conflist);
    this.registerOutputs({ conflist: this.conflist, path: this.path });
  }
}
