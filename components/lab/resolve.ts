import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { hasArtifact } from "../../core/config/artifacts";
import { resolveImageMode } from "../../core/config/image-mode";
import { manifestPathFor } from "../../core/config/keys";
import { resolveStartWave } from "../../core/config/start-wave";
import type { LabConfig } from "../../core/config/types";
import { KIND_ARTIFACT } from "../../core/substrates/kind/calico-manifest";
import { CALICO_VPP_ARTIFACT } from "../../core/substrates/kind/calico-vpp-offline";
import { localCalicoBuild } from "./calico-build";
import type { Machine } from "./machine";
import type { CalicoOutput } from "./outputs";
import { calicoOutput } from "./stack-outputs";

/** The lab's settings as this machine resolves them, and where the lab reads its artifacts. */
export interface ResolvedLab {
  readonly config: LabConfig;
  /** The artifact manifest the lab reads: a local Calico build's, or the offline build's. */
  readonly manifestPath: string;
  /** Which Calico the nodes run, as the outputs report it. */
  readonly calico: CalicoOutput;
}

/**
 * Checked settings resolved on this machine: `imageMode: auto` from what the offline build holds, `calico.startWave:
 * 0` from its cores, and a local Calico tree built (its node image and calico tools replace the offline build's; everything else stays).
 */
export function resolveOnMachine(loaded: LabConfig, machine: Machine): ResolvedLab {
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
  const config = build
    ? { ...resolved, artifacts: { ...resolved.artifacts, offline: { ...resolved.artifacts.offline, node: build.image } } }
    : resolved;
  return { config, manifestPath: build?.manifest ?? pinnedManifestPath, calico: calicoOutput(build, config) };
}
