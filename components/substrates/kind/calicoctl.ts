import * as pulumi from "@pulumi/pulumi";
import type { ToolSource } from "../../../core/config/types";
import { renderCalicoctlConfig } from "../../../core/substrates/kind/render";
import { writeFileScript } from "../../../core/node-scripts";
import { ADMIN_KUBECONFIG, BIRDCL_PATH, BIRDCL_SHIM, CALICOCTL_CONFIG } from "../../../core/substrates/kind/scripts";
import { dockerShell } from "../../../core/transports/docker";
import { toolCacheDir, toolFetchScript, toolInstallScript } from "../../../core/tools";
import { hostStep } from "../../lab/node-step";

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
  /** The engine the nodes run on (DOCKER_HOST form); docker's default when undefined. */
  readonly dockerHost?: string;
}

/**
 * calicoctl in every kind node, fetched and verified once on the host, and birdcl (calico-node's, through the
 * node's container runtime: BIRDCL_SHIM). In the control-plane node calicoctl is configured for the Kubernetes
 * datastore with the admin kubeconfig, so `docker exec <cluster>-control-plane calicoctl get ippools` works; in
 * every node `calicoctl node status` and `birdcl -s /var/run/calico/bird.ctl show protocols` read that node's BIRD.
 */
export class KindCalicoctl extends pulumi.ComponentResource {
  constructor(name: string, args: KindCalicoctlArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:kind:KindCalicoctl", name, {}, opts);
    const fetch = hostStep(
      `${name}-fetch`,
      { create: toolFetchScript("calicoctl", args.source, args.cacheDir, args.manifestPath) },
      { parent: this },
    );
    const cached = fetch.stdout.apply((sums) => [
      { name: "calicoctl" as const, cacheDir: toolCacheDir(args.cacheDir, "calicoctl", args.source), sums },
    ]);
    // kind's nodes are containers: the docker transport reaches them, as it does the docker substrate's.
    args.nodes.forEach((node, index) => {
      hostStep(
        `${name}-install-${index + 1}`,
        {
          create: cached.apply((tools) => {
            const shell = dockerShell(node, args.dockerHost);
            return `${toolInstallScript(shell, tools)}\n${shell.run(`${writeFileScript(BIRDCL_PATH, BIRDCL_SHIM)}\nchmod 0755 ${BIRDCL_PATH}`)}`;
          }),
          triggers: [args.clusterId, fetch.stdout],
        },
        { parent: this, dependsOn: [fetch] },
      );
    });
    const controlPlane = args.nodes[0];
    if (controlPlane) {
      hostStep(
        `${name}-config`,
        {
          create: dockerShell(controlPlane, args.dockerHost).run(
            writeFileScript(CALICOCTL_CONFIG, renderCalicoctlConfig({ kubeconfig: ADMIN_KUBECONFIG })),
          ),
          triggers: [args.clusterId],
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
