/** The lab's settings after defaults are applied and validation has passed. */

/**
 * `vpp-forwarding` is the seed's VPP forwarding lab (etcd, BIRD routes, VPP forwards; docker); `calico-vpp` is
 * Calico's VPP dataplane (on kind). `vpp`, which named the latter before, is refused with both names.
 */
export const SCENARIOS = ["bird", "kdd", "vpp-forwarding", "calico-vpp"] as const;
/** The scenario name that meant calico-vpp before the seed's VPP forwarding lab had a name of its own. */
export const RENAMED_SCENARIO = "vpp";
export const SUBSTRATES = ["docker", "kind", "qemu", "ssh", "kubernetes"] as const;
export const IMAGE_MODES = ["auto", "online", "offline"] as const;
export const BGP_MODES = ["mesh", "routeReflectors"] as const;
export const ENCAPSULATION_MODES = ["Never", "Always", "CrossSubnet"] as const;
export const CNI_LOG_LEVELS = ["debug", "info", "warning", "error"] as const;
export const SUPPORTED_CNI_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0"] as const;
export const VPP_DRIVERS = ["af_packet", "af_xdp", "dpdk", "virtio", "avf", "rdma", "vmxnet3"] as const;

export type Scenario = (typeof SCENARIOS)[number];
export type Substrate = (typeof SUBSTRATES)[number];
export type ImageMode = (typeof IMAGE_MODES)[number];
export type BgpMode = (typeof BGP_MODES)[number];
export type EncapsulationMode = (typeof ENCAPSULATION_MODES)[number];

export interface UnderlaySettings {
  readonly cidr: string;
  readonly internal: boolean;
}

export interface CalicoSettings {
  readonly nodes: number;
  readonly namePrefix: string;
  /** Explicit node names; when non-empty it must hold exactly `nodes` names. */
  readonly names: readonly string[];
  readonly logLevel: string;
  /**
   * How many Calico nodes start at once: the nodes of one wave start only once every node of the wave before
   * is ready, so the datastore answers each of them. 0: derived from the cores of the machine running Pulumi
   * (resolveStartWave), which program.ts does before the lab is built.
   */
  readonly startWave: number;
}

export interface BgpSettings {
  readonly asNumber: number;
  readonly mode: BgpMode;
  readonly routeReflectors: readonly string[];
  readonly routeReflectorClusterId: string;
  /** How long `up` waits for every expected session to be Established. */
  readonly convergeTimeoutSeconds: number;
  /** A lab that does not converge in time fails the `up` (with diagnostics); false keeps it up and reports it in bgpTopology. */
  readonly failWhenNotConverged: boolean;
}

export interface IpPoolSettings {
  readonly name: string;
  readonly cidr: string;
  readonly blockSize: number;
  readonly ipipMode: EncapsulationMode;
  readonly vxlanMode: EncapsulationMode;
  readonly natOutgoing: boolean;
  readonly disabled: boolean;
}

/** The bird scenario's etcd. */
export interface EtcdSettings {
  /** https only, client certificates required; the CA and certificates are made at up time in the etcd node. */
  readonly tls: boolean;
  /** How long the lab's CA and etcd's certificates are valid, in days. */
  readonly certValidityDays: number;
  /** More subjectAltNames (IPv4 addresses or DNS names) of etcd's serving certificate. */
  readonly extraSans: readonly string[];
}

export interface CniSettings {
  readonly cniVersion: string;
  readonly networkName: string;
  /** The workloads' MTU; 0 derives it from the underlay MTU and the pools' encapsulation. */
  readonly mtu: number;
  readonly logLevel: string;
}

export interface WorkloadSettings {
  readonly perNode: number;
}

/** Where one tool comes from; the modes differ only in this. */
export type ToolSource =
  | {
      readonly kind: "url";
      readonly url: string;
      /** Pinned digest; when absent the digest is read from `checksumUrl` at run time. */
      readonly sha256?: string;
      readonly checksumUrl?: string;
      /** The download is a .tgz whose files all go into the tool's directory. */
      readonly archive?: boolean;
    }
  | { readonly kind: "image"; readonly image: string; readonly path: string }
  | { readonly kind: "go"; readonly module: string; readonly version: string }
  | { readonly kind: "manifest"; readonly artifact: string; readonly file?: string };

export interface ToolSet {
  readonly calicoctl: ToolSource;
  readonly calico: ToolSource;
  readonly calicoIpam: ToolSource;
  readonly cnitool: ToolSource;
  /** The CNI reference plugins (a directory of binaries). */
  readonly cniPlugins: ToolSource;
}

export interface ImageSet {
  readonly etcd: string;
  readonly node: string;
  /** kube-apiserver with kubectl, openssl and Calico's CRDs: the kdd scenario outside kind; empty where there is none. */
  readonly apiserver: string;
  /**
   * The etcd image runs the lab's scripts: it has sh, coreutils and openssl (the offline build's Debian image).
   * Then calicoctl is installed and run in etcd's node, and etcd.tls makes its certificates there; the official
   * image is distroless (busybox sh and mkdir only), so online calicoctl runs in the first Calico node and
   * etcd.tls is refused.
   */
  readonly etcdRunsScripts: boolean;
  readonly tools: ToolSet;
}

export interface VersionSettings {
  readonly calico: string;
  readonly etcd: string;
  readonly cnitool: string;
  readonly cniPlugins: string;
}

export interface ArtifactSettings {
  readonly versions: VersionSettings;
  readonly online: ImageSet;
  readonly offline: ImageSet;
  /** Offline build manifest; empty means $CALICO_LAB_ARTIFACTS or the default cache path. */
  readonly manifest: string;
  /** host[:port][/path] of a registry serving quay.io's repositories at their paths; empty: quay.io. */
  readonly registryMirror: string;
  /** URL prefix serving https://github.com's release downloads at their paths; empty: github.com. */
  readonly releaseMirror: string;
  /**
   * A local Calico source tree (a checkout, or any folder with Calico's go.mod) to build calico-node, calicoctl,
   * the calico CNI plugins and the node image from, instead of the pinned release; empty: the pinned release.
   */
  readonly calicoSource: string;
}

export interface KindSettings {
  readonly workers: number;
  readonly nodeImage: string;
  readonly serviceSubnet: string;
  readonly kindVersion: string;
  /** The sha256 the tigera operator's manifest must have (online); empty: versions.json's, for the pinned Calico. */
  readonly operatorManifestSha256: string;
}

/** Calico's VPP dataplane (scenario calico-vpp); the VPP forwarding lab has no settings of its own. */
export interface VppSettings {
  readonly version: string;
  readonly uplinkInterface: string;
  readonly driver: string;
  readonly hugepages: number;
}

/** The qemu substrate: one VM per lab node (scripts/vm/lab-vm.sh), every VM the same size. */
export interface QemuSettings {
  readonly cpus: number;
  readonly memoryMiB: number;
}

/** One machine the ssh substrate takes over: reached as `user@address:port`, with `privateKey` or the ssh agent. */
export interface SshHost {
  /** The lab's name for it: a Calico node's name, or the etcd host's. */
  readonly name: string;
  readonly address: string;
  readonly user: string;
  readonly port: number;
  /** Path of the private key on the machine running Pulumi; empty: the ssh agent ($SSH_AUTH_SOCK). */
  readonly privateKey: string;
}

export interface SshSettings {
  readonly hosts: readonly SshHost[];
  /** The name of the host in `hosts` that runs etcd; every other host is a Calico node. */
  readonly etcdHost: string;
}

/** The kubernetes substrate: the lab's nodes as Pods in a namespace of a cluster the user already has. */
export interface KubernetesSettings {
  /** Path of the kubeconfig on this machine (absolute, or ~/...); empty: $KUBECONFIG's first path, else ~/.kube/config. */
  readonly kubeconfig: string;
  /** The kubeconfig's context; empty: its current context. */
  readonly context: string;
  /** The lab's namespace, made and deleted by the lab; empty: the lab's name (calicolab-<stack>). */
  readonly namespace: string;
  /** host[:port][/path] the cluster pulls the lab's images from; empty: the images as built, already on the cluster's nodes. */
  readonly imageRegistry: string;
}

export interface LabConfig {
  readonly scenario: Scenario;
  readonly substrate: Substrate;
  readonly imageMode: ImageMode;
  readonly underlay: UnderlaySettings;
  readonly calico: CalicoSettings;
  readonly bgp: BgpSettings;
  readonly etcd: EtcdSettings;
  readonly ipPools: readonly IpPoolSettings[];
  readonly cni: CniSettings;
  readonly workloads: WorkloadSettings;
  readonly artifacts: ArtifactSettings;
  readonly kind: KindSettings;
  readonly vpp: VppSettings;
  readonly qemu: QemuSettings;
  readonly ssh: SshSettings;
  readonly kubernetes: KubernetesSettings;
}
