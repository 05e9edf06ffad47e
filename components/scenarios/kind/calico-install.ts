import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { operatorManifestFetchScript, type OperatorManifestPin } from "../../../core/substrates/kind/operator-manifest";
import { parseManifest, renderInstallation, type LinuxDataplane } from "../../../core/substrates/kind/render";
import { hostStep } from "../../lab/node-step";

export interface CalicoInstallArgs {
  /** The cluster's Kubernetes provider; every child uses it. */
  readonly provider: k8s.Provider;
  /** The tigera operator manifest of the Calico release, and the sha256 it must have. */
  readonly operatorManifest: OperatorManifestPin;
  /** Host folder the verified manifest is kept in. */
  readonly cacheDir: string;
  /** Iptables (kdd) or VPP; plain, as it is rendered into the Installation before the resource exists. */
  readonly linuxDataplane: LinuxDataplane;
  /** The Calico VPP manifest (vpp only): applied once the Installation exists. */
  readonly vppManifest?: pulumi.Input<string>;
}

/**
 * Calico through the tigera operator: the operator manifest of the pinned Calico release (operator,
 * its CRDs and Calico's CRDs), fetched once and applied only when its sha256 is the pinned one, then the
 * Installation; for calico-vpp, the Calico VPP dataplane after it.
 */
export class CalicoInstall extends pulumi.ComponentResource {
  /** The Installation as rendered. */
  public readonly installation: pulumi.Output<string>;

  constructor(name: string, args: CalicoInstallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:kind:CalicoInstall", name, {}, opts);
    const provider = args.provider;
    const fetched = hostStep(
      `${name}-operator-manifest`,
      { create: operatorManifestFetchScript(args.cacheDir, args.operatorManifest), timeoutSeconds: 300 },
      { parent: this },
    );
    const operator = new k8s.yaml.v2.ConfigFile(
      `${name}-operator`,
      { file: fetched.stdout.apply((path) => path.trim()) },
      { parent: this, provider, dependsOn: [fetched] },
    );
    const installationYaml = renderInstallation({ linuxDataplane: args.linuxDataplane });
    const [installationObject] = parseManifest(installationYaml);
    if (!installationObject) throw new Error("the Installation template rendered no object");
    const installation = new k8s.apiextensions.CustomResource(`${name}-installation`, installationObject, {
      parent: this,
      provider,
      dependsOn: [operator],
    });
    if (args.vppManifest !== undefined) {
      new k8s.yaml.v2.ConfigGroup(`${name}-vpp`, { yaml: args.vppManifest }, { parent: this, provider, dependsOn: [installation] });
    }
    this.installation = pulumi.output(installationYaml);
    this.registerOutputs({ installation: this.installation });
  }
}
