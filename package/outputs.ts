/**
 * The package's outputs: the stack outputs contract (components/lab/outputs.ts, docs/outputs.md) as interfaces
 * Pulumi's component provider analyzer can describe, with a field left out where the contract says null.
 */

export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  /** subjectAltName entries: IP:..., DNS:... */
  readonly sans: string[];
  readonly notBefore: string;
  readonly notAfter: string;
}

/** Where each Calico node holds its etcd client files. */
export interface EtcdClientFilesInfo {
  readonly caCertFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** etcd over TLS: public parts only, never a key. */
export interface EtcdTlsInfo {
  /** The lab's CA certificate (PEM). */
  readonly caCert: string;
  readonly ca: CertificateInfo;
  readonly server: CertificateInfo;
  readonly clientFiles: EtcdClientFilesInfo;
}

/** The lab's datastore. */
export interface EtcdInfo {
  /** http://<address>:2379, or https:// with etcd.tls. */
  readonly endpoints: string[];
  readonly address: string;
  readonly container: string;
  /** kvm or tcg (qemu). */
  readonly accelerator?: string;
  /** Left out when etcd serves plain HTTP or the lab does not make etcd (kind). */
  readonly tls?: EtcdTlsInfo;
}

/** Which Calico the nodes run: a local build or the pinned release. */
export interface CalicoInfo {
  /** The tree's real path, or `release`. */
  readonly source: string;
  readonly commit?: string;
  readonly dirty?: boolean;
  readonly version: string;
  readonly image: string;
  readonly digest?: string;
  readonly calicoNodeSha256?: string;
}

/** How the lab commands reach a node: docker (container, dockerHost), ssh (and the ssh target) or kubernetes (kubectl exec into a Pod). */
export interface NodeAccessInfo {
  readonly transport: string;
  readonly container: string;
  readonly dockerHost?: string;
  readonly lab?: string;
  readonly host?: string;
  readonly address?: string;
  readonly user?: string;
  readonly port?: number;
  readonly keyPath?: string;
  /** kubernetes: the kubectl binary, the kubeconfig's path on this machine, its context, the lab's namespace and the node's Pod. */
  readonly kubectl?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  readonly pod?: string;
}

export interface WorkloadInfo {
  readonly name: string;
  readonly ip: string;
  readonly namespace: string;
}

export interface VppInterfaceInfo {
  readonly name: string;
  readonly index: number;
  readonly state: string;
  readonly counters: Record<string, number>;
}

export interface VppRouteInfo {
  readonly prefix: string;
  readonly via?: string;
  readonly interface?: string;
}

/** vpp-forwarding: a node's VPP. */
export interface VppNodeInfo {
  readonly uplinkAddress: string;
  readonly interfaces: VppInterfaceInfo[];
  readonly fib: VppRouteInfo[];
  readonly problems: string[];
}

/** A Calico node. */
export interface NodeInfo {
  readonly name: string;
  readonly container: string;
  readonly underlayIp: string;
  readonly asNumber: number;
  readonly role: string;
  /** Pool blocks this node owns. */
  readonly blocks: string[];
  /** vxlan.calico's or tunl0's address; left out when no pool encapsulates. */
  readonly tunnelAddress?: string;
  readonly workloads: WorkloadInfo[];
  readonly access?: NodeAccessInfo;
  readonly accelerator?: string;
  readonly vpp?: VppNodeInfo;
  readonly calico: CalicoInfo;
}

export interface IpPoolInfo {
  readonly name: string;
  readonly cidr: string;
  readonly blockSize: number;
  readonly ipipMode: string;
  readonly vxlanMode: string;
  readonly natOutgoing: boolean;
  readonly disabled: boolean;
}

export interface IpPoolsInfo {
  /** The pools as applied, as YAML. */
  readonly yaml: string;
  readonly pools: IpPoolInfo[];
}

export interface CniConfigInfo {
  readonly path: string;
  readonly conflist: string;
}

export interface TopologyNodeInfo {
  readonly name: string;
  readonly address: string;
  readonly asNumber: number;
  /** mesh, reflector or client. */
  readonly role: string;
}

export interface ExpectedSessionInfo {
  readonly a: string;
  readonly b: string;
  readonly type: string;
}

export interface ExpectedTopologyInfo {
  readonly asNumber: number;
  readonly mode: string;
  readonly routeReflectors: string[];
  readonly nodes: TopologyNodeInfo[];
  readonly sessions: ExpectedSessionInfo[];
}

export interface SessionEndInfo {
  readonly node: string;
  readonly state: string;
  readonly info: string;
  readonly since: string;
}

export interface ObservedSessionInfo {
  readonly a: string;
  readonly b: string;
  readonly type: string;
  readonly established: boolean;
  readonly ends: SessionEndInfo[];
}

export interface LearnedRouteInfo {
  readonly prefix: string;
  readonly via: string;
  readonly viaNode: string;
  /** bird, vxlan, felix or gobgp. */
  readonly protocol: string;
}

export interface ObservedTopologyInfo {
  readonly sessions: ObservedSessionInfo[];
  /** Per node, the routes it learned into the pools. */
  readonly routes: Record<string, LearnedRouteInfo[]>;
  /** Per node, why it could not be read. */
  readonly errors: Record<string, string>;
}

/** The live BGP topology against what the settings expect. */
export interface BgpTopologyInfo {
  readonly asNumber: number;
  readonly mode: string;
  readonly expected: ExpectedTopologyInfo;
  readonly observed: ObservedTopologyInfo;
  readonly matches: boolean;
  readonly problems: string[];
}
