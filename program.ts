import { existsSync } from "node:fs";
import { availableParallelism, homedir } from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { CalicoLab } from "./components/lab/calico-lab";
import { localCalicoBuild } from "./components/lab/calico-build";
import { nodePlatform } from "./components/lab/node-platform";
import type { Machine } from "./components/lab/machine";
import type { LabOutputs } from "./components/lab/outputs";
import { labPreflight } from "./components/lab/preflight";
import { LAB_SCENARIOS, LAB_SUBSTRATES } from "./components/lab/registry";
import { calicoOutput, stackOutputs } from "./components/lab/stack-outputs";
import { resolveImageMode } from "./core/config/image-mode";
import { resolveStartWave } from "./core/config/start-wave";
import { hasArtifact } from "./core/config/artifacts";
import { KIND_ARTIFACT } from "./core/substrates/kind/calico-manifest";
import { CALICO_VPP_ARTIFACT } from "./core/substrates/kind/calico-vpp-offline";
import { defaultCacheDir, labNameFor, manifestPathFor } from "./core/config/keys";
import type { LabConfig } from "./core/config/types";

/**
 * The program, once index.ts has declared the provider of the lab's steps: the settings resolved on this machine
 * (image mode, the Calico nodes' start wave from its cores, a local Calico build), the lab (a scenario on a
 * substrate, or a kind cluster) with every step on that provider, and the stack's outputs.
 */
export async function runProgram(loaded: LabConfig, steps: pulumi.ProviderResource): Promise<Record<string, unknown>> {
  const machine: Machine = { cacheDir: defaultCacheDir(process.env, homedir()), home: homedir(), labName: labNameFor(pulumi.getStack()) };
  const pinnedManifestPath = manifestPathFor(loaded.artifacts.manifest, process.env, machine.cacheDir);
  const facts = {
    offlineBuildPresent: existsSync(pinnedManifestPath),
    kindBuildPresent: hasArtifact(pinnedManifestPath, KIND_ARTIFACT),
    calicoVppBuildPresent: hasArtifact(pinnedManifestPath, CALICO_VPP_ARTIFACT),
  };
  const resolved = {
    ...loaded,
    imageMode: resolveImageMode(loaded, facts),
    calico: { ...loaded.calico, startWave: resolveStartWave(loaded.calico.startWave, availableParallelism()) },
  };
  const build = localCalicoBuild(
    {
      setting: resolved.substrate === "kind" ? "" : resolved.artifacts.calicoSource,
      offline: resolved.imageMode === "offline",
      pinnedManifestPath,
    },
    machine,
  );
  // With a local build, the node image and the calico tools are that build's; everything else stays the offline build's.
  const manifestPath = build?.manifest ?? pinnedManifestPath;
  const config = build
    ? { ...resolved, artifacts: { ...resolved.artifacts, offline: { ...resolved.artifacts.offline, node: build.image } } }
    : resolved;
  const lab = await declareLab(config, machine, manifestPath, steps);
  return stackOutputs(config, lab, calicoOutput(build, config));
}

/**
 * One lab, on the platform the substrate names: kind is a Kubernetes cluster running Calico (with Pulumi's
 * Kubernetes SDK, loaded only for it), which checks its machine when it is made; every other substrate composes a
 * scenario with it, after its checks. Stacks made when kind had a lab component of its own keep their resources.
 */
async function declareLab(config: LabConfig, machine: Machine, manifestPath: string, steps: pulumi.ProviderResource): Promise<LabOutputs> {
  const opts = { providers: [steps] };
  if (config.substrate === "kind") {
    const { kindPlatform, KIND_LAB_ALIASES } = await import("./components/substrates/kind/kind-platform");
    const { runKindPreflight } = await import("./components/substrates/kind/preflight");
    const platform = kindPlatform({ config, lab: machine.labName, cacheDir: machine.cacheDir, manifestPath, preflight: runKindPreflight });
    return new CalicoLab(machine.labName, { platform }, { ...opts, aliases: KIND_LAB_ALIASES });
  }
  labPreflight(config, machine, manifestPath);
  const loadScenario = LAB_SCENARIOS[config.scenario];
  const makeSubstrate = LAB_SUBSTRATES[config.substrate];
  if (!loadScenario || !makeSubstrate) {
    throw new pulumi.RunError(`scenario ${config.scenario} on substrate ${config.substrate} is not built yet`);
  }
  const scenario = await loadScenario();
  const substrate = makeSubstrate({ config, cacheDir: machine.cacheDir, home: machine.home });
  const platform = nodePlatform({ config, stack: pulumi.getStack(), cacheDir: machine.cacheDir, manifestPath, scenario, substrate });
  return new CalicoLab(machine.labName, { platform }, opts);
}
