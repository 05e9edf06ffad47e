import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { CalicoLab } from "./components/lab/calico-lab";
import { LAB_SCENARIOS, LAB_SUBSTRATES } from "./components/lab/registry";
import { KindLab } from "./components/substrates/kind/kind-lab";
import { runKindPreflight } from "./components/substrates/kind/preflight";
import { ConfigError } from "./core/config/errors";
import { defaultCacheDir, labNameFor, manifestPathFor } from "./core/config/keys";
import { imageSetOf, resolveImageMode } from "./core/config/image-mode";
import { loadLabConfig, settingsFromConfig, type RawSettings } from "./core/config/load";
import { dockerKernelIssues, parseNetworkInspect, underlayOverlapIssues, type ExistingNetwork } from "./core/substrates/docker/preflight";
import { toolchainIssues } from "./core/tools";

/** Every key in the calico-lab namespace, known or not (pulumi.Config can only get keys by name). */
function readSettings(): RawSettings {
  return settingsFromConfig(pulumi.runtime.allConfig());
}

function loadOrExplain() {
  try {
    return loadLabConfig(readSettings());
  } catch (error) {
    // A RunError is printed without a stack trace: the message already names each bad setting.
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const loaded = loadOrExplain();
const stack = pulumi.getStack();
const cacheDir = defaultCacheDir(process.env, homedir());
const manifestPath = manifestPathFor(loaded.artifacts.manifest, process.env, cacheDir);
const config = { ...loaded, imageMode: resolveImageMode(loaded, { offlineBuildPresent: existsSync(manifestPath) }) };
/** This machine's Docker networks; none when the engine does not answer (creating the network then says why). */
function existingNetworks(): ExistingNetwork[] {
  const ids = spawnSync("docker", ["network", "ls", "-q"], { encoding: "utf8" });
  if (ids.status !== 0) return [];
  const format = '{{.Name}}|{{index .Labels "calico-lab.stack"}}|{{range .IPAM.Config}}{{.Subnet}} {{end}}';
  const inspected = spawnSync("docker", ["network", "inspect", "--format", format, ...ids.stdout.split("\n").filter(Boolean)], {
    encoding: "utf8",
  });
  return inspected.status === 0 ? parseNetworkInspect(inspected.stdout) : [];
}

function dockerPreflight(): void {
  // Docker nodes share this machine's kernel: what it lacks, no node has. Tools built here need their toolchain.
  const hasGo = spawnSync("go", ["version"]).status === 0;
  const issues = [
    ...dockerKernelIssues(config, { ipip: existsSync("/sys/module/ipip") }),
    ...underlayOverlapIssues(config.underlay.cidr, `${labNameFor(stack)}-underlay-net`, existingNetworks()),
    ...toolchainIssues(imageSetOf(config).tools, `artifacts.${config.imageMode}.tools`, { go: hasGo }),
  ];
  if (issues.length > 0) throw new pulumi.RunError(new ConfigError(issues).message);
}

function checkResolvedImages(): void {
  if (config.scenario === "kdd" && config.substrate !== "kind" && config.imageMode === "online") {
    throw new pulumi.RunError(
      `scenario kdd on ${config.substrate} needs the offline build's kube-apiserver image, and imageMode auto found no offline build at ${manifestPath}: run npm run offline:build`,
    );
  }
}

function makeLab() {
  // kind is a whole cluster with its own lab; every other substrate composes a scenario through the seam.
  if (config.substrate === "kind") {
    return new KindLab(labNameFor(stack), { config, cacheDir, manifestPath, preflight: runKindPreflight });
  }
  checkResolvedImages();
  if (config.substrate === "docker") dockerPreflight();
  const scenario = LAB_SCENARIOS[config.scenario];
  const substrate = LAB_SUBSTRATES[config.substrate];
  if (!scenario || !substrate) {
    throw new pulumi.RunError(`scenario ${config.scenario} on substrate ${config.substrate} is not built yet`);
  }
  return new CalicoLab(labNameFor(stack), { config, stack, cacheDir, manifestPath, scenario, substrate });
}

const lab = makeLab();

export const scenario = config.scenario;
export const imageMode = config.imageMode;
export const etcd = lab.etcd;
export const nodes = lab.nodes;
export const ipPools = lab.ipPools;
export const cniConfig = lab.cniConfig;
export const bgpTopology = lab.bgpTopology;
export const diagram = lab.diagram;
