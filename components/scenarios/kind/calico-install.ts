import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseManifest, renderInstallation, tigeraOperatorManifestUrl, type LinuxDataplane } from "../../../core/substrates/kind/render";

export interface CalicoInstallArgs {
  /** The cluster's Kubernetes provider; every child uses it. */
  readonly provider: k8s.Provider;
  /** Calico release, e.g. v3.28.5: picks the tigera operator manifest published with it. */
  readonly calicoVersion: pulumi.Input<string>;
  /** Iptables (kdd) or VPP; plain, as it is rendered into the Installation before the resource exists. */
  readonly linuxDataplane: LinuxDataplane;
  /** The Calico VPP manifest (vpp only): applied once the Installation exists. */
  readonly vppManifest?: pulumi.Input<string>;
}

/**
 * Calico through the tigera operator: the operator manifest of the pinned Calico release (operator,
 * its CRDs and Calico's CRDs), then the Installation; for vpp, the Calico VPP dataplane after it.
 */
export class CalicoInstall extends pulumi.ComponentResource {
  /** The Installation as rendered. */
  public readonly installation: pulumi.Output<string>;

  constructor(name: string, args: CalicoInstallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:kind:CalicoInstall", name, {}, opts);
    const provider = args.provider;
    const operator = new k8s.yaml.v2.ConfigFile(
      `${name}-operator`,
      { file: pulumi.output(args.calicoVersion).apply(tigeraOperatorManifestUrl) },
      { parent: this, provider },
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
