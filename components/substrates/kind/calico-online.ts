import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import versions from "../../../versions.json";
import type { LabConfig } from "../../../core/config/types";
import { operatorManifestPin, type OperatorManifestPin } from "../../../core/substrates/kind/operator-manifest";
import { tigeraOperatorManifestUrl } from "../../../core/substrates/kind/render";
import { CalicoInstall } from "../../scenarios/kind/calico-install";
import { vppManifestFor } from "./vpp-manifest";
import type { KindCluster } from "./kind-cluster";

/**
 * The tigera operator manifest an online lab applies, pinned by its sha256; another Calico than the pinned one
 * needs its digest in the settings, said before anything is registered.
 */
export function pinnedOperatorManifest(config: LabConfig): OperatorManifestPin {
  const calico = config.artifacts.versions.calico;
  const pin = operatorManifestPin(calico, config.kind.operatorManifestSha256);
  if (!pin) {
    throw new pulumi.RunError(
      `kind.operatorManifestSha256 is empty, and only Calico ${versions.kind.operatorManifest.calico}'s tigera operator manifest has a digest ` +
        `pinned here (artifacts.versions.calico is ${calico}): set it to the sha256 of ${tigeraOperatorManifestUrl(calico)}, as you checked it`,
    );
  }
  return pin;
}

export interface OperatorInstallInputs {
  readonly config: LabConfig;
  readonly cluster: KindCluster;
  readonly provider: k8s.Provider;
  readonly operator: OperatorManifestPin;
  readonly cacheDir: string;
}

/** Calico the way users install it (the tigera operator), with the VPP dataplane for calico-vpp. */
export function installWithOperator(name: string, parent: pulumi.Resource, inputs: OperatorInstallInputs): CalicoInstall {
  const { config, cluster, provider, operator } = inputs;
  const vpp = config.scenario === "calico-vpp";
  return new CalicoInstall(
    `${name}-calico`,
    {
      provider,
      operatorManifest: operator,
      cacheDir: inputs.cacheDir,
      linuxDataplane: vpp ? "VPP" : "Iptables",
      ...(vpp ? { vppManifest: vppManifestFor(config, cluster) } : {}),
    },
    { parent, dependsOn: [provider] },
  );
}
