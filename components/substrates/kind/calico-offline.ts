import { readFileSync } from "node:fs";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import versions from "../../../versions.json";
import { readArtifact } from "../../../core/config/artifacts";
import type { LabConfig } from "../../../core/config/types";
import { KIND_ARTIFACT, renderCalicoManifest, type CalicoImages, type CalicoManifest } from "../../../core/substrates/kind/calico-manifest";
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

/** The offline build's Calico images (versions.json): what the manifest runs instead of docker.io/calico's. */
const OFFLINE_CALICO_IMAGES: CalicoImages = {
  node: versions.offlineImages.node,
  cni: versions.kind.calicoImages.cni,
  kubeControllers: versions.kind.calicoImages.kubeControllers,
};

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
  const entry = readArtifact(manifestPath, KIND_ARTIFACT);
  if (!entry?.path || entry.version !== versions.calico.version) {
    throw missing(manifestPath, KIND_ARTIFACT, `Calico manifest ${versions.calico.version}`, entry && (entry.version ?? ""), build);
  }
  const manifest = renderCalicoManifest(readFileSync(entry.path, "utf8"), {
    version: versions.calico.version,
    images: OFFLINE_CALICO_IMAGES,
  });
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
  const images = [OFFLINE_CALICO_IMAGES.node, OFFLINE_CALICO_IMAGES.cni, OFFLINE_CALICO_IMAGES.kubeControllers, ...vppImages];
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
