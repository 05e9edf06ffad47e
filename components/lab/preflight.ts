import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../core/config/errors";
import { imageSetOf } from "../../core/config/image-mode";
import type { LabConfig } from "../../core/config/types";
import { toolchainIssues } from "../../core/tools";
import versions from "../../versions.json";
import { onPath, type Machine } from "./machine";
import { LAB_PREFLIGHTS, type SubstrateOptions } from "./registry";

/**
 * The checks before a scenario on a machine substrate is declared: the images the settings resolved to, the
 * Kubernetes provider plugin, then the substrate's own machine check and the toolchain of tools fetched here.
 * Every problem found is said at once, as a RunError.
 */
export function labPreflight(options: SubstrateOptions, machine: Machine, manifestPath: string): void {
  const { config } = options;
  checkResolvedImages(config, manifestPath);
  checkVppNodeImage(config);
  checkKubernetesPlugin(config, machine.home);
  // Tools fetched here need their toolchain, whatever the substrate.
  const issues = [
    ...(LAB_PREFLIGHTS[config.substrate]?.(options, machine) ?? []),
    ...toolchainIssues(imageSetOf(config).tools, `artifacts.${config.imageMode}.tools`, { go: onPath("go") }),
  ];
  if (issues.length > 0) throw new pulumi.RunError(new ConfigError(issues).message);
}

/** kdd outside kind, and etcd.tls, run offline images: auto found no build, so say what to run. */
function checkResolvedImages(config: LabConfig, manifestPath: string): void {
  if (config.scenario === "kdd" && config.substrate !== "kind" && config.imageMode === "online") {
    throw new pulumi.RunError(
      `scenario kdd on ${config.substrate} needs the offline build's kube-apiserver image, and imageMode auto found no offline build at ${manifestPath}: run npm run offline:build`,
    );
  }
  if (config.etcd.tls && !imageSetOf(config).etcdRunsScripts) {
    throw new pulumi.RunError(
      `etcd.tls needs the offline build's etcd image (openssl makes the certificates inside the etcd node), and imageMode auto found no offline build at ${manifestPath}: run npm run offline:build`,
    );
  }
}

/** vpp-forwarding's nodes run the node-vpp image, which only the opt-in part of the offline build makes. */
function checkVppNodeImage(config: LabConfig): void {
  if (config.scenario !== "vpp-forwarding") return;
  if (config.imageMode === "online") {
    throw new pulumi.RunError(
      "scenario vpp-forwarding runs the offline build's images and its node-vpp image, and imageMode auto found no offline build: run npm run offline:build, then bash scripts/offline/build.sh --vpp",
    );
  }
  const image = versions.vpp.nodeImage;
  if (spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status !== 0) {
    throw new pulumi.RunError(
      `scenario vpp-forwarding runs its nodes from the image ${image}, which this machine's Docker engine does not hold: build it with bash scripts/offline/build.sh --vpp (VPP compiled from the vendored source; see docs/vpp.md)`,
    );
  }
}

/**
 * kdd manages its Kubernetes objects, and kind its cluster's, with the Kubernetes provider plugin. Where the
 * engine may not download plugins (the offline toolchain), it must be installed already: say how.
 */
function checkKubernetesPlugin(config: LabConfig, home: string): void {
  if (config.scenario !== "kdd" && config.substrate !== "kind" && config.substrate !== "kubernetes") return;
  if (!/^(1|true)$/i.test(process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION ?? "")) return;
  const version = (JSON.parse(readFileSync(require.resolve("@pulumi/kubernetes/package.json"), "utf8")) as { version: string }).version;
  const plugin = join(
    process.env.PULUMI_HOME ?? join(home, ".pulumi"),
    "plugins",
    `resource-kubernetes-v${version}`,
    "pulumi-resource-kubernetes",
  );
  if (!existsSync(plugin)) {
    throw new pulumi.RunError(
      `scenario ${config.scenario} on ${config.substrate} manages its Kubernetes objects with the Kubernetes provider plugin ${version}, which is not installed at ${plugin} (and plugin downloads are off): run bash scripts/offline/kubernetes-provider.sh (npm run lab:up does it for kdd, kind and kubernetes stacks)`,
    );
  }
}
