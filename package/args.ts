/**
 * The package's inputs: the lab's settings (docs/settings.md) as plain interfaces, which Pulumi's component
 * provider analyzer turns into the package's schema (npm run gen:package-schema). Every field is optional and plain: left out, it takes the settings'
 * default; given, it is checked as a stack's setting is, and a bad one is refused before anything is made.
 */

/** The lab network. */
export interface UnderlayArgs {
  /** IPv4 CIDR of the lab network: etcd gets host .4, Calico nodes .5 onwards, the bridge .1. */
  readonly cidr?: string;
  /** No route out of the machine. */
  readonly internal?: boolean;
}

/** The Calico nodes. */
export interface CalicoNodesArgs {
  /** How many Calico nodes (1 to 250). */
  readonly nodes?: number;
  /** Nodes are named prefix1..N. */
  readonly namePrefix?: string;
  /** Explicit node names instead of the prefix: exactly `nodes` of them. */
  readonly names?: string[];
  /** calico-node's log level: debug, info, warning or error. */
  readonly logLevel?: string;
  /** How many Calico nodes start at once, each wave once the one before is ready, route reflectors first; 0: 16 per core of this machine. */
  readonly startWave?: number;
}

/** BGP between the Calico nodes. */
export interface BgpArgs {
  readonly asNumber?: number;
  /** mesh (node-to-node full mesh) or routeReflectors (the named nodes reflect, the others peer only with them). */
  readonly mode?: string;
  /** The nodes that reflect, with mode routeReflectors. */
  readonly routeReflectors?: string[];
  /** The reflectors' cluster ID, IPv4-formatted. */
  readonly routeReflectorClusterId?: string;
  /** How long up waits for every session to be Established (10 to 3600). */
  readonly convergeTimeoutSeconds?: number;
  /** Fail the up, with diagnostics, when the sessions are not all Established in time. */
  readonly failWhenNotConverged?: boolean;
}

/** The bird scenario's etcd. */
export interface EtcdArgs {
  /** https only, client certificates required (needs the offline etcd image). */
  readonly tls?: boolean;
  /** How long the lab's CA and certificates are valid (1 to 3650 days). */
  readonly certValidityDays?: number;
  /** More IPv4 addresses or DNS names in etcd's certificate. */
  readonly extraSans?: string[];
}

/** A Calico IP pool; left out fields as Calico's IPPool has them. */
export interface IpPoolArgs {
  /** A lowercase DNS subdomain such as my.ippool-1. */
  readonly name: string;
  /** IPv4 CIDR (IPv6 pools are refused). */
  readonly cidr: string;
  /** 20 to 32; 26 when left out. */
  readonly blockSize?: number;
  /** Never, Always or CrossSubnet; not together with vxlanMode. */
  readonly ipipMode?: string;
  /** Never, Always or CrossSubnet; not together with ipipMode. */
  readonly vxlanMode?: string;
  readonly natOutgoing?: boolean;
  readonly disabled?: boolean;
}

/** The calico + calico-ipam conflist. */
export interface CniArgs {
  /** 0.1.0 to 1.0.0. */
  readonly cniVersion?: string;
  /** What cnitool add names. */
  readonly networkName?: string;
  /** The workloads' MTU; 0 derives it from the underlay and the pools' encapsulation. */
  readonly mtu?: number;
  readonly logLevel?: string;
}

/** Test workloads. */
export interface WorkloadsArgs {
  /** Network namespaces per node, each added with cnitool (0 to 1024). */
  readonly perNode?: number;
}

/** Pinned versions. */
export interface VersionsArgs {
  readonly calico?: string;
  readonly etcd?: string;
  readonly cnitool?: string;
  readonly cniPlugins?: string;
}

/** Where the lab's images and tools come from (the per-mode image and tool sources stay the stack program's). */
export interface ArtifactsArgs {
  readonly versions?: VersionsArgs;
  /** The offline build's artifact manifest; empty: $CALICO_LAB_ARTIFACTS or ~/.cache/calico-lab/artifacts/manifest.json. */
  readonly manifest?: string;
  /** A registry host[:port][/path] serving quay.io's repositories at their paths; empty: quay.io. */
  readonly registryMirror?: string;
  /** An http(s) URL prefix standing in for https://github.com's release downloads; empty: github.com. */
  readonly releaseMirror?: string;
  /** A local Calico source tree to build calico-node and its tools from (docker); empty: the pinned release. */
  readonly calicoSource?: string;
}

/** The kind substrate (kdd, calico-vpp). */
export interface KindArgs {
  /** Worker nodes beside the control plane (0 to 16). */
  readonly workers?: number;
  /** The node image, pinned by digest. */
  readonly nodeImage?: string;
  readonly serviceSubnet?: string;
  readonly kindVersion?: string;
  /** The sha256 the tigera operator's manifest must have (online); empty: the pinned Calico's. */
  readonly operatorManifestSha256?: string;
}

/** Calico's VPP dataplane (scenario calico-vpp). */
export interface VppArgs {
  readonly version?: string;
  readonly uplinkInterface?: string;
  /** af_packet, af_xdp, dpdk, virtio, avf, rdma or vmxnet3. */
  readonly driver?: string;
  /** 2 MiB pages (0 to 65536). */
  readonly hugepages?: number;
}

/** The qemu substrate: every VM the same size. */
export interface QemuArgs {
  readonly cpus?: number;
  readonly memoryMiB?: number;
}

/** A host the ssh substrate takes over. */
export interface SshHostArgs {
  /** A Calico node's name, or the etcd host's. */
  readonly name: string;
  /** Its IPv4 address inside underlay.cidr. */
  readonly address: string;
  /** root when left out. */
  readonly user?: string;
  /** 22 when left out. */
  readonly port?: number;
  /** A private key file's path on this machine; empty: the ssh agent. */
  readonly privateKey?: string;
}

/** The ssh substrate. */
export interface SshArgs {
  readonly hosts?: SshHostArgs[];
  /** The host that runs etcd; every other host is a Calico node named after it. */
  readonly etcdHost?: string;
}

/** The kubernetes substrate: the lab's nodes as Pods of a cluster the user already has. */
export interface KubernetesArgs {
  /** A kubeconfig file's path on this machine; empty: $KUBECONFIG, else ~/.kube/config. */
  readonly kubeconfig?: string;
  /** The kubeconfig's context; empty: its current one. */
  readonly context?: string;
  /** The lab's namespace, made and deleted by the lab; empty: the lab's name. */
  readonly namespace?: string;
  /** host[:port][/path] the cluster pulls the lab's offline images from; empty: the images as built, on the cluster's nodes. */
  readonly imageRegistry?: string;
}

/** A Calico lab: the same settings a stack of this repository's program takes (docs/settings.md). */
export interface CalicoLabArgs {
  /**
   * The lab's name: its containers, networks and VMs are named after it, so one lab of a name per machine (a
   * lowercase DNS label of at most 40 characters). The resource's name when left out.
   */
  readonly labName?: string;
  /** What Calico runs: bird, kdd, vpp-forwarding or calico-vpp. */
  readonly scenario?: string;
  /** Where the nodes live: docker, qemu, ssh, kubernetes or kind. */
  readonly substrate?: string;
  /** auto, online (pinned official images) or offline (the offline build's). */
  readonly imageMode?: string;
  readonly underlay?: UnderlayArgs;
  readonly calico?: CalicoNodesArgs;
  readonly bgp?: BgpArgs;
  readonly etcd?: EtcdArgs;
  /** Calico IP pools (at least one when given). */
  readonly ipPools?: IpPoolArgs[];
  readonly cni?: CniArgs;
  readonly workloads?: WorkloadsArgs;
  readonly artifacts?: ArtifactsArgs;
  readonly kind?: KindArgs;
  readonly vpp?: VppArgs;
  readonly qemu?: QemuArgs;
  readonly ssh?: SshArgs;
  readonly kubernetes?: KubernetesArgs;
}
