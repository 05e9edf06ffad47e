import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface CalicoManifestInstallArgs {
  /** The cluster's Kubernetes provider; every object uses it. */
  readonly provider: k8s.Provider;
  /** Calico's manifest as the lab applies it, or a part of it (core/substrates/kind/calico-manifest.ts). */
  readonly manifest: pulumi.Input<string>;
}

/**
 * Calico the manifest way (Calico's CRDs, RBAC, the calico-node DaemonSet; calico-kube-controllers in a second
 * one, after the pools): each object a resource of the Kubernetes provider, which waits for rollouts.
 * The offline labs install Calico so because the tigera operator and its images cannot be built here.
 */
export class CalicoManifestInstall extends pulumi.ComponentResource {
  /** The manifest as applied. */
  public readonly manifest: pulumi.Output<string>;

  constructor(name: string, args: CalicoManifestInstallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:kind:CalicoManifestInstall", name, {}, opts);
    new k8s.yaml.v2.ConfigGroup(`${name}-manifest`, { yaml: args.manifest }, { parent: this, provider: args.provider });
    this.manifest = pulumi.output(args.manifest);
    this.registerOutputs({ manifest: this.manifest });
  }
}
