import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../../../core/config/types";
import type { KindEngine } from "../../../core/substrates/kind/engine";
import type { OperatorManifestPin } from "../../../core/substrates/kind/operator-manifest";
import { installFromManifest, offlineCalico, type OfflineCalico } from "./calico-offline";
import { installWithOperator, pinnedOperatorManifest } from "./calico-online";
import type { KindCluster } from "./kind-cluster";

/** Where a kind lab's Calico comes from: the offline build's manifest (and Calico/VPP), or the tigera operator. */
export type CalicoSource = { readonly offline: OfflineCalico } | { readonly operator: OperatorManifestPin };

/**
 * Read before anything is registered, by the lab's image mode: offline, the build's Calico manifest (a missing
 * part fails here, saying what to build); online, the operator manifest's pinned digest.
 */
export function calicoSource(config: LabConfig, manifestPath: string): CalicoSource {
  return config.imageMode === "offline" ? { offline: offlineCalico(config, manifestPath) } : { operator: pinnedOperatorManifest(config) };
}

export interface CalicoInputs {
  readonly config: LabConfig;
  readonly cluster: KindCluster;
  readonly provider: k8s.Provider;
  readonly engine: KindEngine;
  readonly cacheDir: string;
}

/** Calico installed: what the pools wait for, and calico-kube-controllers' part of a manifest install (after the pools). */
export interface CalicoParts {
  readonly install: pulumi.Resource;
  readonly controllers?: string;
}

export function declareCalico(name: string, parent: pulumi.Resource, source: CalicoSource, inputs: CalicoInputs): CalicoParts {
  if ("offline" in source) {
    return {
      install: installFromManifest(name, parent, { ...inputs, offline: source.offline }),
      controllers: source.offline.manifest.controllers,
    };
  }
  return { install: installWithOperator(name, parent, { ...inputs, operator: source.operator }) };
}
