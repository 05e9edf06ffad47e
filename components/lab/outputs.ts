import type * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../../core/config/types";
import { comparisonProblems, type TopologyComparison } from "../../core/observed";
import type { CertificateFacts } from "../../core/pki";
import type { EtcdClientFiles } from "../../core/scenarios/etcd-tls";
import type { NodeAccess } from "../../core/transports/access";
import type { ObservedTopology } from "../../core/observed";
import type { ExpectedTopology } from "../../core/topology";
import type { VppNodeOutput } from "../../core/scenarios/vpp-forwarding-status";

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
  /**
   * vpp-forwarding only: the node's VPP, read live as the BGP status is: its uplink address, its interfaces with their
   * counters, its FIB entries in the pools, and how they differ from what the lab expects.
   */
  readonly vpp?: VppNodeOutput;
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
  /** null when the lab's etcd serves plain HTTP; absent where the lab does not make etcd itself (kind's own). */
  readonly tls?: EtcdTlsOutput | null;
}

export interface IpPoolsOutput {
  readonly yaml: string;
  readonly pools: LabConfig["ipPools"];
}

export interface CniConfigOutput {
  readonly path: string;
  readonly conflist: string;
}

/** Which Calico the nodes run: a local build (its tree, commit, dirty flag, digest) or the pinned release. */
export interface CalicoOutput {
  /** The tree's real path, or `release`. */
  readonly source: string;
  readonly commit: string | null;
  readonly dirty: boolean | null;
  readonly version: string;
  readonly image: string;
  /** A local build's digest and calico-node's sha256. */
  readonly digest?: string;
  readonly calicoNodeSha256?: string;
}

/**
 * The stack's outputs as `pulumi stack output --json` gives them: the contract users, the lab commands
 * (scripts/status) and the end-to-end tests read, whichever lab made them.
 */
export interface StackOutputs {
  readonly scenario: string;
  readonly imageMode: string;
  readonly etcd: EtcdOutput;
  readonly calico: CalicoOutput;
  readonly nodes: ReadonlyArray<LabNodeOutput & { readonly calico: CalicoOutput }>;
  readonly ipPools: IpPoolsOutput;
  readonly cniConfig: CniConfigOutput;
  readonly bgpTopology: BgpTopologyOutput;
  readonly diagram: string;
  /** kdd and kind: the admin kubeconfig (a secret output). */
  readonly kubeconfig?: string;
}

/**
 * The outputs contract every lab component (CalicoLab, KindLab) fills in, whatever its scenario and substrate:
 * the program exports these, and the lab commands (scripts/status) read them back.
 */
export interface LabOutputs {
  readonly etcd: pulumi.Output<EtcdOutput>;
  readonly nodes: pulumi.Output<LabNodeOutput[]>;
  readonly ipPools: pulumi.Output<IpPoolsOutput>;
  readonly cniConfig: pulumi.Output<CniConfigOutput>;
  readonly bgpTopology: pulumi.Output<BgpTopologyOutput>;
  readonly diagram: pulumi.Output<string>;
  /** The admin kubeconfig of the lab's Kubernetes API (kdd, kind), a secret; absent where there is none (bird). */
  readonly kubeconfig: pulumi.Output<string> | undefined;
}

/** A lab's outputs as its component registers them; no kubeconfig key where there is none. */
export function registeredOutputs(outputs: LabOutputs): Record<string, pulumi.Output<unknown>> {
  return {
    ...(outputs.kubeconfig ? { kubeconfig: outputs.kubeconfig } : {}),
    etcd: outputs.etcd,
    nodes: outputs.nodes,
    ipPools: outputs.ipPools,
    cniConfig: outputs.cniConfig,
    bgpTopology: outputs.bgpTopology,
    diagram: outputs.diagram,
  };
}

/** The bgpTopology output: what the settings expect, what the nodes showed, and how the two differ. */
export function bgpTopologyOutput(
  bgp: { readonly asNumber: number; readonly mode: string },
  expected: ExpectedTopology,
  observed: ObservedTopology,
  comparison: TopologyComparison,
): BgpTopologyOutput {
  return {
    asNumber: bgp.asNumber,
    mode: bgp.mode,
    expected,
    observed,
    matches: comparison.matches,
    problems: comparisonProblems(comparison),
  };
}
