import type { CniSettings, IpPoolSettings } from "../../config/types";
import { renderTemplate } from "../../render";
import { KDD_NAMESPACE, KDD_NODE_KUBECONFIG, KDD_POD_IMAGE } from "./paths";

/**
 * The kdd scenario's documents, from templates/kdd/. Calico resources are written as the CRDs Calico stores
 * them in (crd.projectcalico.org/v1), so kubectl or any Kubernetes client applies them without calicoctl;
 * every field Calico's own client would default on write is spelled out (nodeSelector, allowedUses).
 */

export function renderKddIpPools(pools: readonly IpPoolSettings[]): string {
  return pools.map((pool) => renderTemplate("kdd/ippool.yaml.hbs", pool)).join("---\n");
}

export function renderKddBgpConfiguration(values: { meshEnabled: boolean; asNumber: number }): string {
  return renderTemplate("kdd/bgp-configuration.yaml.hbs", values);
}

export function renderKddRouteReflectorPeer(): string {
  return renderTemplate("kdd/bgp-peer-route-reflectors.yaml.hbs", {});
}

export interface KddNode {
  readonly name: string;
  /** Set on route reflectors: the cluster ID annotation and the route-reflector=true label the BGPPeer selects. */
  readonly routeReflectorClusterId?: string;
}

/**
 * A Node object per Calico node. calico-node exits at startup when its Node does not exist; a name is all it
 * needs (it writes its BGP address and AS as annotations itself).
 */
export function renderKddNodes(nodes: readonly KddNode[]): string {
  return nodes.map((node) => renderTemplate("kdd/node.yaml.hbs", { routeReflectorClusterId: "", ...node })).join("---\n");
}

export interface KddPod {
  readonly name: string;
  /** The Calico node (= Kubernetes Node) the pod is bound to. */
  readonly nodeName: string;
  readonly namespace?: string;
}

/**
 * A Pod bound to its node (spec.nodeName, so no scheduler), never run (no kubelet): it only gives the CNI
 * plugin the object it looks up and annotates, and Felix the workload endpoint it programs.
 * terminationGracePeriodSeconds 0 makes a delete immediate, with no kubelet to confirm it.
 */
export function renderKddPod(pod: KddPod): string {
  return renderTemplate("kdd/pod.yaml.hbs", { namespace: KDD_NAMESPACE, image: KDD_POD_IMAGE, ...pod });
}

/**
 * The conflist: datastore_type kubernetes and the node's kubeconfig; calico-ipam allocates from the IPPool
 * CRDs. `policy: {type: k8s}` as in Calico's manifests: without it the plugin does not read the pod and
 * looks up a Profile named after the network, which the Kubernetes datastore cannot hold ("Invalid name").
 */
export function renderKddCniConflist(cni: CniSettings): string {
  return renderTemplate("kdd/cni-conflist.json.hbs", { ...cni, kubeconfig: KDD_NODE_KUBECONFIG });
}

export interface KddCalicoNodeEnvValues {
  readonly nodeName: string;
  readonly ip: string;
  readonly asNumber: number;
  readonly logLevel: string;
}

/** calico-node's environment in the Kubernetes datastore mode, as KEY=VALUE lines. */
export function renderKddCalicoNodeEnv(values: KddCalicoNodeEnvValues): string[] {
  return renderTemplate("kdd/calico-node.env.hbs", { ...values, kubeconfig: KDD_NODE_KUBECONFIG })
    .split("\n")
    .filter((line) => line.trim() !== "");
}
