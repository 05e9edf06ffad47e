import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import versions from "../../../versions.json";
import type { LabConfig } from "../../../core/config/types";
import { offlineCalicoImageList, readOfflineCalicoManifest, type CalicoManifest } from "../../../core/substrates/kind/calico-manifest";
import {
  CALICO_VPP_ARTIFACT,
  OFFLINE_CALICO_VPP_IMAGES,
  renderCalicoManifestForVpp,
} from "../../../core/substrates/kind/calico-vpp-offline";
import { onEngine, type KindEngine } from "../../../core/substrates/kind/engine";
import { requireArtifact } from "../../../core/substrates/kind/offline-artifact";
import { copyImagesScript, kindLoadImagesScript } from "../../../core/substrates/kind/scripts";
import { hostStep } from "../../lab/node-step";
import { CalicoManifestInstall } from "../../scenarios/kind/calico-manifest-install";
import { vppManifestFor } from "./vpp-manifest";
import type { KindCluster } from "./kind-cluster";

/** Calico from the offline build, as read before anything is registered. */
export interface OfflineCalico {
  /** Calico's manifest, rendered for the lab; for calico-vpp, made what the operator renders for linuxDataplane VPP. */
  readonly manifest: CalicoManifest;
  /** calico-vpp: the Calico/VPP images and DaemonSet go in beside calico-node. */
  readonly vpp: boolean;
}

/** Calico's manifest from the offline build (scripts/offline/kind-calico.sh); for calico-vpp, its Calico/VPP part too. */
export function offlineCalico(config: LabConfig, manifestPath: string): OfflineCalico {
  const vpp = config.scenario === "calico-vpp";
  const build = vpp ? "--kind --calico-vpp" : "--kind";
  const manifest = asRunError(() => readOfflineCalicoManifest(manifestPath, build));
  if (!vpp) return { manifest, vpp };
  const { version, commit } = versions.calicoVpp;
  asRunError(() => requireArtifact(manifestPath, { artifact: CALICO_VPP_ARTIFACT, what: `Calico/VPP ${version}`, version, commit }, build));
  return { manifest: renderCalicoManifestForVpp(manifest), vpp };
}

/** A missing build part stops the program with its message alone, as Pulumi shows a RunError (no stack). */
function asRunError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new pulumi.RunError(error instanceof Error ? error.message : String(error));
  }
}

export interface ManifestInstallInputs {
  readonly config: LabConfig;
  readonly cluster: KindCluster;
  readonly provider: k8s.Provider;
  readonly engine: KindEngine;
  readonly offline: OfflineCalico;
}

/**
 * The offline images into every node (`kind load docker-image`; Calico/VPP's copied first from the machine's
 * engine, where they are built), then Calico's manifest with them. Calico/VPP's DaemonSet goes in the same
 * apply as calico-node: calico-node's Felix is ready only once the agent has put felix-api-proxy on the node.
 */
export function installFromManifest(name: string, parent: pulumi.Resource, inputs: ManifestInstallInputs): CalicoManifestInstall {
  const { config, cluster, provider, engine, offline } = inputs;
  const vppImages = offline.vpp ? [OFFLINE_CALICO_VPP_IMAGES.vpp, OFFLINE_CALICO_VPP_IMAGES.agent] : [];
  const images = [...offlineCalicoImageList(), ...vppImages];
  const copy =
    vppImages.length > 0 && engine.dockerHost
      ? [copyImagesScript(engine.dockerHost, vppImages, "run bash scripts/offline/build.sh --calico-vpp")]
      : [];
  const loaded = hostStep(
    `${name}-images`,
    {
      create: [...copy, onEngine(engine, kindLoadImagesScript(name, images))].join("\n"),
      triggers: [cluster.clusterId],
      timeoutSeconds: 600,
    },
    { parent, dependsOn: [cluster] },
  );
  const manifest = offline.vpp
    ? vppManifestFor(config, cluster, OFFLINE_CALICO_VPP_IMAGES).apply((vpp) => `${offline.manifest.install}---\n${vpp}`)
    : offline.manifest.install;
  return new CalicoManifestInstall(`${name}-calico`, { provider, manifest }, { parent, dependsOn: [loaded, provider] });
}
