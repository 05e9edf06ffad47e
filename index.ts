import { homedir } from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { CalicoLab } from "./components/calico-lab";
import { KindLab } from "./components/kind/kind-lab";
import { runKindPreflight } from "./components/kind/preflight";
import { ConfigError } from "./core/config/errors";
import { defaultCacheDir, labNameFor, manifestPathFor } from "./core/config/keys";
import { loadLabConfig, settingsFromConfig, type RawSettings } from "./core/config/load";

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

const config = loadOrExplain();
const stack = pulumi.getStack();
const cacheDir = defaultCacheDir(process.env, homedir());
const manifestPath = manifestPathFor(config.artifacts.manifest, process.env, cacheDir);
// bird runs on Docker; kdd and vpp on kind, after a preflight of this machine.
const lab =
  config.scenario === "bird"
    ? new CalicoLab(labNameFor(stack), { config, stack, cacheDir, manifestPath })
    : new KindLab(labNameFor(stack), { config, cacheDir, manifestPath, preflight: runKindPreflight });

export const scenario = config.scenario;
export const etcd = lab.etcd;
export const nodes = lab.nodes;
export const ipPools = lab.ipPools;
export const cniConfig = lab.cniConfig;
export const bgpTopology = lab.bgpTopology;
export const diagram = lab.diagram;
