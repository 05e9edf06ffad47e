import type { LabConfig } from "../../core/config/types";
import type { CertificateFacts } from "../../core/pki";
import type { EtcdClientFiles } from "../../core/scenarios/etcd-tls";
import type { NodeAccess } from "../../core/transports/access";
import type { ObservedTopology } from "../../core/observed";
import type { ExpectedTopology } from "../../core/topology";

/** The stack outputs every lab exports, whatever its scenario and substrate. */

export interface LabNodeOutput {
  readonly name: string;
  /** Where the node lives: its container (docker, kind), VM or host. */
  readonly container: string;
  readonly underlayIp: string;
  readonly asNumber: number;
  readonly role: string;
  /** Pool blocks this node owns (Calico's block affinities, seen as the node's blackhole routes); bgpTopology.observed.routes says how the others reach them. */
  readonly blocks: readonly string[];
  /** The node's VXLAN (vxlan.calico) or IPIP (tunl0) tunnel address; null when no pool encapsulates. */
  readonly tunnelAddress: string | null;
  readonly workloads: ReadonlyArray<{ name: string; ip: string; namespace: string }>;
  /** How to reach the node (npm run lab:status and lab:exec use it). */
  readonly access?: NodeAccess;
  /** The accelerator the node's VM runs under: `kvm` or `tcg` (qemu substrate only). */
  readonly accelerator?: string;
}

export interface BgpTopologyOutput {
  readonly asNumber: number;
  readonly mode: string;
  readonly expected: ExpectedTopology;
  readonly observed: ObservedTopology;
  readonly matches: boolean;
  readonly problems: readonly string[];
}

/** etcd over TLS (etcd.tls), as the lab reports it: public parts only, never a key. */
export interface EtcdTlsOutput {
  /** The lab's CA certificate (PEM): what a client outside the lab trusts. */
  readonly caCert: string;
  readonly ca: CertificateFacts;
  /** etcd's serving certificate: its subjectAltNames and validity. */
  readonly server: CertificateFacts;
  /** Where each Calico node holds its CA, client certificate and key. */
  readonly clientFiles: EtcdClientFiles;
}

export interface EtcdOutput {
  /** http://<address>:2379, or https:// with etcd.tls. */
  readonly endpoints: string[];
  readonly address: string;
  readonly container: string;
  /** The accelerator of the etcd VM: `kvm` or `tcg` (qemu substrate only). */
  readonly accelerator?: string;
  /** null when etcd serves plain HTTP. */
  readonly tls: EtcdTlsOutput | null;
}

export interface IpPoolsOutput {
  readonly yaml: string;
  readonly pools: LabConfig["ipPools"];
}

export interface CniConfigOutput {
  readonly path: string;
  readonly conflist: string;
}
