import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import versions from "../../../versions.json";
import { readArtifact } from "../../../core/config/artifacts";
import type { LabConfig } from "../../../core/config/types";
import { offlineCalicoImageList, readOfflineCalicoManifest, type CalicoManifest } from "../../../core/substrates/kind/calico-manifest";
import {
  CALICO_VPP_ARTIFACT,
  OFFLINE_CALICO_VPP_IMAGES,
  renderCalicoManifestForVpp,
} from "../../../core/substrates/kind/calico-vpp-offline";
import { onEngine, type KindEngine } from "../../../core/substrates/kind/engine";
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

function missing(manifestPath: string, artifact: string, want: string, found: string | undefined, build: string): pulumi.RunError {
  return new pulumi.RunError(
    `the offline build has no ${want} for kind (${artifact} in ${manifestPath}: ${found === undefined ? "missing" : `version ${found || "none"}`}): ` +
      `run bash scripts/offline/build.sh ${build}`,
  );
}

/** Calico's manifest from the offline build (scripts/offline/kind-calico.sh); for calico-vpp, its Calico/VPP part too. */
export function offlineCalico(config: LabConfig, manifestPath: string): OfflineCalico {
  const vpp = config.scenario === "calico-vpp";
  const build = vpp ? "--kind --calico-vpp" : "--kind";
  let manifest: CalicoManifest;
  try {
    manifest = readOfflineCalicoManifest(manifestPath, build);
  } catch (error) {
    throw new pulumi.RunError(error instanceof Error ? error.message : String(error));
  }
  if (!vpp) return { manifest, vpp };
  const cvpp = readArtifact(manifestPath, CALICO_VPP_ARTIFACT);
  if (cvpp?.version !== versions.calicoVpp.version || cvpp.commit !== versions.calicoVpp.commit) {
    throw missing(manifestPath, CALICO_VPP_ARTIFACT, `Calico/VPP ${versions.calicoVpp.version}`, cvpp && (cvpp.version ?? ""), build);
  }
  return { manifest: renderCalicoManifestForVpp(manifest), vpp };
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
