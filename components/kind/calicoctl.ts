import * as pulumi from "@pulumi/pulumi";
import type { ToolSource } from "../../core/config/types";
import { renderCalicoctlConfig } from "../../core/kind-render";
import { ADMIN_KUBECONFIG, calicoctlConfigScript } from "../../core/kind-scripts";
import { toolCacheDir, toolFetchScript, toolInstallScript } from "../../core/tools";
import { hostStep } from "../exec";

export interface KindCalicoctlArgs {
  /** Where calicoctl comes from (the image mode's tool source). */
  readonly source: ToolSource;
  /** Host folder calicoctl is fetched into once and reused from. */
  readonly cacheDir: string;
  readonly manifestPath: string;
  /** kind nodes, control plane first. */
  readonly nodes: readonly string[];
  /** Re-install when the cluster is created again. */
  readonly clusterId: pulumi.Input<string>;
}

/**
 * calicoctl in every kind node, fetched and verified once on the host. In the control-plane node it is
 * configured for the Kubernetes datastore with the admin kubeconfig, so `docker exec <cluster>-control-plane
 * calicoctl get ippools` works; in every node `calicoctl node status` reads that node's BIRD.
 */
export class KindCalicoctl extends pulumi.ComponentResource {
  constructor(name: string, args: KindCalicoctlArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:kind:KindCalicoctl", name, {}, opts);
    const fetch = hostStep(
      `${name}-fetch`,
      { create: toolFetchScript("calicoctl", args.source, args.cacheDir, args.manifestPath) },
      { parent: this },
    );
    const cached = [{ name: "calicoctl" as const, cacheDir: toolCacheDir(args.cacheDir, "calicoctl", args.source) }];
    args.nodes.forEach((node, index) => {
      hostStep(
        `${name}-install-${index + 1}`,
        { create: toolInstallScript(node, cached), triggers: [args.clusterId, fetch.stdout] },
        { parent: this, dependsOn: [fetch] },
      );
    });
    const controlPlane = args.nodes[0];
    if (controlPlane) {
      hostStep(
        `${name}-config`,
        {
          create: calicoctlConfigScript(controlPlane, renderCalicoctlConfig({ kubeconfig: ADMIN_KUBECONFIG })),
          triggers: [args.clusterId],
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
