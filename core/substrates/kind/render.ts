import { parseAllDocuments, Scalar, stringify } from "yaml";
import type { IpPoolSettings } from "../../config/types";
import { kindRoles } from "./names";
import { renderTemplate } from "../../render";
import type { CalicoVppImages } from "./calico-vpp-offline";

/** Rendering for the kind substrate (kdd and vpp): kind's cluster config, the Calico install, pools, status requests, VPP. */

/** kind's node names: `<cluster>-control-plane`, then `<cluster>-worker`, `<cluster>-worker2`, ... (kind's own namer). */
export function kindNodeNames(clusterName: string, workers: number): string[] {
  return kindRoles(workers).map((role) => `${clusterName}-${role}`);
}

export interface KindConfigValues {
  readonly name: string;
  readonly workers: number;
  /** Pinned by digest, as kind's release notes list them. */
  readonly nodeImage: string;
  /** The first IP pool's CIDR: what kube-controller-manager hands out as node pod CIDRs. */
  readonly podSubnet: string;
  readonly serviceSubnet: string;
  /** Where the API server is published (networking.apiServerAddress); kind's default 127.0.0.1 when undefined. */
  readonly apiServerAddress?: string;
}

/** kind's v1alpha4 Cluster: default CNI off (Calico is the CNI), pod and service subnets, a control plane and N workers. */
export function renderKindConfig(values: KindConfigValues): string {
  // Emitted by the YAML library, so a setting's value stays a value; the subnets double-quoted as kind's examples have them.
  const quoted = (value: string) => Object.assign(new Scalar(value), { type: Scalar.QUOTE_DOUBLE });
  const node = (role: string) => ({ role, image: values.nodeImage });
  return stringify({
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    name: values.name,
    networking: {
      disableDefaultCNI: true,
      podSubnet: quoted(values.podSubnet),
      serviceSubnet: quoted(values.serviceSubnet),
      ...(values.apiServerAddress ? { apiServerAddress: quoted(values.apiServerAddress) } : {}),
    },
    nodes: [node("control-plane"), ...Array.from({ length: values.workers }, () => node("worker"))],
  });
}

/** Where the tigera operator's manifest (its CRDs, Calico's CRDs, the operator Deployment) is published for a Calico release. */
export function tigeraOperatorManifestUrl(calicoVersion: string): string {
  return `https://raw.githubusercontent.com/projectcalico/calico/${calicoVersion}/manifests/tigera-operator.yaml`;
}

export type LinuxDataplane = "Iptables" | "VPP";

/**
 * The operator's Installation: Calico CNI and IPAM, BGP on, the chosen Linux dataplane, and an empty
 * pool list, which tells the operator to create no pool of its own and wait for the lab's pools.
 */
export function renderInstallation(values: { linuxDataplane: LinuxDataplane }): string {
  return renderTemplate("kind/installation.yaml.hbs", values);
}

/** The pools as crd.projectcalico.org/v1 IPPools, with the defaults the projectcalico.org/v3 API would fill in spelled out. */
export function renderKindIpPools(pools: readonly IpPoolSettings[]): string {
  return pools.map((pool) => renderTemplate("kind/ippool.yaml.hbs", pool)).join("---\n");
}

/** The lab's AS number; the node-to-node mesh on, or off when route reflectors carry the routes. */
export function renderKindBgpConfiguration(values: { asNumber: number; meshEnabled: boolean }): string {
  return renderTemplate("kind/bgp-configuration.yaml.hbs", values);
}

/** Every node peers with the nodes labelled route-reflector=true, as Calico's route reflector guide sets it up. */
export function renderKindRouteReflectorPeer(): string {
  return renderTemplate("kind/bgp-peer-route-reflectors.yaml.hbs", {});
}

/** Asks calico-node on `node` to publish its BIRD status, BGP sessions and routes every `updatePeriodSeconds`. */
export function renderCalicoNodeStatus(values: { name: string; node: string; updatePeriodSeconds: number }): string {
  return renderTemplate("kind/calico-node-status.yaml.hbs", values);
}

/** VPP's startup.conf, as the calico-vpp vpp-manager takes it in CALICOVPP_CONFIG_TEMPLATE. */
export function renderVppStartupConfig(values: { workers: number; buffersPerNuma: number }): string {
  return renderTemplate("kind/vpp-startup.conf.hbs", values);
}

/** CALICOVPP_INTERFACES: the uplink VPP takes over and the driver it uses for it. */
export function renderVppInterfaces(values: { uplinkInterface: string; driver: string }): string {
  return renderTemplate("kind/vpp-interfaces.json.hbs", values);
}

/** CALICOVPP_INITIAL_CONFIG: DNS from pods goes to the resolver kind's nodes use (the Docker host). */
export function renderVppInitialConfig(values: { dnsServer: string }): string {
  return renderTemplate("kind/vpp-initial-config.json.hbs", values);
}

export interface VppManifestValues {
  /** Calico VPP release: the image tag of calicovpp/vpp and calicovpp/agent. */
  readonly version: string;
  readonly uplinkInterface: string;
  readonly driver: string;
  /** 2 MiB pages VPP may use on each node; 0 runs VPP without hugepages, as Calico VPP's kind manifest does. */
  readonly hugepages: number;
  readonly serviceSubnet: string;
  /** The nameserver in the kind nodes' resolv.conf. */
  readonly dnsServer: string;
  /** The offline build's images, never pulled; undefined runs docker.io/calicovpp's of `version`. */
  readonly images?: CalicoVppImages;
}

const indent = (text: string, by: number) =>
  text
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => (line === "" ? line : " ".repeat(by) + line))
    .join("\n");

/** Namespace, RBAC, the calico-vpp-config ConfigMap and the calico-vpp-node DaemonSet (VPP and agent containers). */
export function renderVppManifest(values: VppManifestValues): string {
  return renderTemplate("kind/calico-vpp.yaml.hbs", {
    vppImage: values.images?.vpp ?? `docker.io/calicovpp/vpp:${values.version}`,
    agentImage: values.images?.agent ?? `docker.io/calicovpp/agent:${values.version}`,
    pullPolicy: values.images ? "Never" : "IfNotPresent",
    serviceSubnet: values.serviceSubnet,
    hugepagesLimit: values.hugepages > 0 ? `${values.hugepages * 2}Mi` : "",
    interfaces: indent(renderVppInterfaces(values), 4),
    initialConfig: indent(renderVppInitialConfig(values), 4),
    startupConfig: indent(renderVppStartupConfig({ workers: 0, buffersPerNuma: 131072 }), 4),
  });
}

/** A Kubernetes object as rendered: enough to hand to @pulumi/kubernetes or to a schema. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** Parses a rendered YAML stream into objects; a document that is not a Kubernetes object is an error. */
export function parseManifest(text: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`document ${index + 1}: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return [];
    const object = value as Partial<KubeObject>;
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string" || typeof object.metadata?.name !== "string") {
      throw new Error(`document ${index + 1} is not a Kubernetes object (apiVersion, kind and metadata.name are required)`);
    }
    return [object as KubeObject];
  });
}

/** calicoctl's /etc/calico/calicoctl.cfg: the Kubernetes datastore through a kubeconfig inside the node. */
export function renderCalicoctlConfig(values: { kubeconfig: string }): string {
  return renderTemplate("kind/calicoctl.cfg.hbs", values);
}
