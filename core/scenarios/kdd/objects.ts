import { parseManifest, renderCalicoNodeStatus, type KubeObject } from "../../substrates/kind/render";
import type { IpPoolSettings } from "../../config/types";
import {
  renderKddBgpConfiguration,
  renderKddIpPools,
  renderKddNodes,
  renderKddPod,
  renderKddRouteReflectorPeer,
  type KddNode,
  type KddPod,
} from "./render";

/**
 * The kdd scenario's Kubernetes objects as plain values, for @pulumi/kubernetes: the same documents the
 * templates render (tested as exact text in test/unit/kdd.test.ts), parsed.
 */

/** Seconds between calico-node's updates of a CalicoNodeStatus. */
export const KDD_NODE_STATUS_PERIOD_SECONDS = 10;

export function kddNodeObjects(nodes: readonly KddNode[]): KubeObject[] {
  return parseManifest(renderKddNodes(nodes));
}

/**
 * A CalicoNodeStatus per Calico node, named after it (Agent, BGP and Routes classes): calico-node's status
 * reporter fills in its BIRD's sessions and routes every KDD_NODE_STATUS_PERIOD_SECONDS.
 */
export function kddNodeStatusObjects(names: readonly string[]): KubeObject[] {
  return names.flatMap((name) =>
    parseManifest(renderCalicoNodeStatus({ name, node: name, updatePeriodSeconds: KDD_NODE_STATUS_PERIOD_SECONDS })),
  );
}

/**
 * A workload's Pod. It never runs (no kubelet), so the provider must not wait for it to become ready
 * (`pulumi.com/skipAwait`), nor for its deletion to be confirmed.
 */
export function kddPodObject(pod: KddPod): KubeObject {
  const [object] = parseManifest(renderKddPod(pod));
  if (!object) throw new Error("the Pod template rendered no object");
  return {
    ...object,
    metadata: {
      ...object.metadata,
      annotations: { ...(object.metadata.annotations as Record<string, string> | undefined), "pulumi.com/skipAwait": "true" },
    },
  };
}

/** Where the offline build put Calico's CRDs (its manifest's `calico-crds` entry): their folder and file names. */
export function calicoCrdFiles(manifest: unknown, manifestPath: string, calicoVersion: string): { dir: string; files: string[] } {
  const entry = (manifest as { artifacts?: Record<string, { version?: string; dir?: string; files?: Record<string, string> }> })
    ?.artifacts?.["calico-crds"];
  if (!entry?.dir || !entry.files)
    throw new Error(`the offline build's manifest ${manifestPath} has no Calico CRDs (calico-crds): run npm run offline:build`);
  if (entry.version !== calicoVersion)
    throw new Error(
      `the offline build's Calico CRDs are ${entry.version ?? "unversioned"}, the lab runs Calico ${calicoVersion}: run npm run offline:build`,
    );
  return { dir: entry.dir, files: Object.keys(entry.files).sort() };
}

/**
 * The BGPConfiguration, and without the mesh the BGPPeer from every node to the route reflectors, as the
 * crd.projectcalico.org/v1 objects calicoctl would write on the Kubernetes datastore.
 */
export function kddBgpObjects(values: { meshEnabled: boolean; asNumber: number }): KubeObject[] {
  return parseManifest(
    values.meshEnabled ? renderKddBgpConfiguration(values) : `${renderKddBgpConfiguration(values)}---\n${renderKddRouteReflectorPeer()}`,
  );
}

/** The lab's IP pools as crd.projectcalico.org/v1 IPPools, every field Calico's client would default spelled out. */
export function kddIpPoolObjects(pools: readonly IpPoolSettings[]): KubeObject[] {
  return parseManifest(renderKddIpPools(pools));
}
