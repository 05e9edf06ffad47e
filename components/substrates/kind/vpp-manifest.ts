import type * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../../../core/config/types";
import type { CalicoVppImages } from "../../../core/substrates/kind/calico-vpp-offline";
import { renderVppManifest } from "../../../core/substrates/kind/render";
import type { KindCluster } from "./kind-cluster";

/** The Calico/VPP DaemonSet and its settings, for the cluster's DNS server; `images` undefined: docker.io/calicovpp's. */
export function vppManifestFor(config: LabConfig, cluster: KindCluster, images?: CalicoVppImages): pulumi.Output<string> {
  return cluster.dnsServer.apply((dnsServer) =>
    renderVppManifest({
      version: config.vpp.version,
      uplinkInterface: config.vpp.uplinkInterface,
      driver: config.vpp.driver,
      hugepages: config.vpp.hugepages,
      serviceSubnet: config.kind.serviceSubnet,
      dnsServer,
      ...(images ? { images } : {}),
    }),
  );
}
