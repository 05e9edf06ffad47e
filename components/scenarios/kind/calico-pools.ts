import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IpPoolSettings } from "../../../core/config/types";
import { parseManifest, renderKindBgpConfiguration, renderKindIpPools } from "../../../core/substrates/kind/render";

export interface CalicoPoolsArgs {
  /** The cluster's Kubernetes provider; every child uses it. */
  readonly provider: k8s.Provider;
  /** The lab's pools (plain: one resource each). */
  readonly pools: readonly IpPoolSettings[];
  /** The lab's AS number (plain: rendered into the BGPConfiguration). */
  readonly asNumber: number;
}

/** The BGP configuration (node-to-node mesh, the lab's AS) and the IP pools, as crd.projectcalico.org/v1 resources. */
export class CalicoPools extends pulumi.ComponentResource {
  /** The pools as rendered (one YAML stream). */
  public readonly yaml: pulumi.Output<string>;

  constructor(name: string, args: CalicoPoolsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:kind:CalicoPools", name, {}, opts);
    const provider = args.provider;
    for (const object of parseManifest(renderKindBgpConfiguration({ asNumber: args.asNumber }))) {
      new k8s.apiextensions.CustomResource(`${name}-bgp-${object.metadata.name}`, object, { parent: this, provider });
    }
    const poolsYaml = renderKindIpPools(args.pools);
    for (const object of parseManifest(poolsYaml)) {
      new k8s.apiextensions.CustomResource(`${name}-${object.metadata.name}`, object, { parent: this, provider });
    }
    this.yaml = pulumi.output(poolsYaml);
    this.registerOutputs({ yaml: this.yaml });
  }
}
