import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IpPoolSettings } from "../../../core/config/types";
import {
  parseManifest,
  renderKindBgpConfiguration,
  renderKindIpPools,
  renderKindRouteReflectorPeer,
} from "../../../core/substrates/kind/render";

export interface CalicoPoolsArgs {
  /** The cluster's Kubernetes provider; every child uses it. */
  readonly provider: k8s.Provider;
  /** The lab's pools (plain: one resource each). */
  readonly pools: readonly IpPoolSettings[];
  /** The lab's AS number (plain: rendered into the BGPConfiguration). */
  readonly asNumber: number;
  /** The route reflectors' node names (plain): empty, the node-to-node mesh; else these nodes reflect for all others. */
  readonly routeReflectors: readonly string[];
  /** The route reflectors' cluster ID. */
  readonly routeReflectorClusterId: string;
}

/**
 * The BGP configuration (the lab's AS; the node-to-node mesh, or route reflectors: their Nodes labelled and given
 * a cluster ID, and a BGPPeer from every node to them) and the IP pools, as crd.projectcalico.org/v1 resources.
 */
export class CalicoPools extends pulumi.ComponentResource {
  /** The pools as rendered (one YAML stream). */
  public readonly yaml: pulumi.Output<string>;

  constructor(name: string, args: CalicoPoolsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:kind:CalicoPools", name, {}, opts);
    const provider = args.provider;
    const meshEnabled = args.routeReflectors.length === 0;
    const bgp = renderKindBgpConfiguration({ asNumber: args.asNumber, meshEnabled });
    for (const object of parseManifest(meshEnabled ? bgp : `${bgp}---\n${renderKindRouteReflectorPeer()}`)) {
      new k8s.apiextensions.CustomResource(`${name}-bgp-${object.metadata.name}`, object, { parent: this, provider });
    }
    // On the Kubernetes datastore a Calico Node's labels are its Node's, and its cluster ID an annotation.
    args.routeReflectors.forEach((node, i) => {
      new k8s.core.v1.NodePatch(
        `${name}-reflector-${i + 1}`,
        {
          metadata: {
            name: node,
            labels: { "route-reflector": "true" },
            annotations: { "projectcalico.org/RouteReflectorClusterID": args.routeReflectorClusterId },
          },
        },
        { parent: this, provider },
      );
    });
    const poolsYaml = renderKindIpPools(args.pools);
    for (const object of parseManifest(poolsYaml)) {
      new k8s.apiextensions.CustomResource(`${name}-${object.metadata.name}`, object, { parent: this, provider });
    }
    this.yaml = pulumi.output(poolsYaml);
    this.registerOutputs({ yaml: this.yaml });
  }
}
