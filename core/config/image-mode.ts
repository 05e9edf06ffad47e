import { mirrorImageSet } from "./mirrors";
import type { ImageSet, LabConfig } from "./types";

export type ConcreteImageMode = "online" | "offline";

/**
 * `auto` picks offline when this machine holds the airgapped build (its artifact manifest), online
 * otherwise; on kind, offline when it holds the build's kind parts too (build.sh --kind), and for calico-vpp
 * its Calico/VPP part (build.sh --calico-vpp). The
 * README's `npm run lab:up` builds what is missing first on a machine without a Pulumi CLI, so a fresh
 * machine of ours ends up offline and a user's machine with Pulumi and a registry stays online.
 */
export function resolveImageMode(
  config: Pick<LabConfig, "imageMode" | "substrate" | "scenario">,
  facts: { offlineBuildPresent: boolean; kindBuildPresent?: boolean; calicoVppBuildPresent?: boolean },
): ConcreteImageMode {
  if (config.imageMode !== "auto") return config.imageMode;
  if (config.substrate === "kind") {
    const built = config.scenario === "calico-vpp" ? facts.kindBuildPresent && facts.calicoVppBuildPresent : facts.kindBuildPresent;
    return built ? "offline" : "online";
  }
  // The qemu substrate's VMs reach no registry: their base image holds the offline images.
  if (config.substrate === "qemu") return "offline";
  return facts.offlineBuildPresent ? "offline" : "online";
}

/**
 * The images and tool sources of the lab's image mode, once `auto` has been resolved, with quay.io images
 * and github.com downloads moved to `artifacts.registryMirror` and `artifacts.releaseMirror` when set
 * (core/config/mirrors.ts). What the lab pulls, downloads and verifies is exactly this set.
 */
export function imageSetOf(config: Pick<LabConfig, "imageMode" | "artifacts">): ImageSet {
  if (config.imageMode === "auto") throw new Error("imageMode auto must be resolved (resolveImageMode) before the lab is built");
  return mirrorImageSet(config.artifacts[config.imageMode], config.artifacts);
}
