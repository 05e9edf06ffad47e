import { parseAllDocuments, stringify } from "yaml";
import versions from "../../../versions.json";
import type { CalicoManifest } from "./calico-manifest";

/**
 * Calico/VPP from the offline build (scripts/offline/calico-vpp.sh) on kind: Calico's manifest install made
 * into what the tigera operator renders for `linuxDataplane: VPP` (the operator is not part of the offline
 * build), and the images the calico-vpp-node DaemonSet runs instead of docker.io/calicovpp's.
 */

/** The offline build's Calico/VPP images (versions.json calicoVpp): vpp-manager with VPP, and the agent. */
export interface CalicoVppImages {
  readonly vpp: string;
  readonly agent: string;
}

/** The images scripts/offline/calico-vpp.sh builds. */
export const OFFLINE_CALICO_VPP_IMAGES: CalicoVppImages = {
  vpp: versions.calicoVpp.managerImage,
  agent: versions.calicoVpp.agentImage,
};

/** The artifact manifest's entry for Calico/VPP (scripts/offline/calico-vpp.sh): its version and images are built. */
export const CALICO_VPP_ARTIFACT = "calico-vpp";

/** Where felix-api-proxy lands on the node (the agent copies it there) and where calico-node sees it. */
const FELIX_PLUGINS_HOST_DIR = "/var/lib/calico/felix-plugins";
const FELIX_PLUGINS_MOUNT = "/usr/local/bin/felix-plugins";
/** The agent's CNI server, which the calico CNI plugin hands pod interfaces to (the operator's dataplane_options). */
const CNI_DATAPLANE_OPTIONS = { type: "grpc", socket: "unix:///var/run/calico/cni-server.sock" };

/** Felix's environment under Calico/VPP: the agent's felix-api-proxy is its dataplane driver, no XDP. */
export const VPP_FELIX_ENV: readonly { name: string; value: string }[] = [
  { name: "FELIX_USEINTERNALDATAPLANEDRIVER", value: "false" },
  { name: "FELIX_DATAPLANEDRIVER", value: `${FELIX_PLUGINS_MOUNT}/felix-api-proxy` },
  { name: "FELIX_XDPENABLED", value: "false" },
];

interface Container {
  name?: string;
  env?: Array<{ name: string; value?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  livenessProbe?: { exec?: { command?: string[] } };
  readinessProbe?: { exec?: { command?: string[] } };
}
interface KubeDoc {
  kind?: string;
  metadata?: { name?: string };
  data?: Record<string, string>;
  spec?: { template?: { spec?: { containers?: Container[]; volumes?: Array<{ name: string; hostPath?: { path: string } }> } } };
}

/** The calico plugin's entry of the CNI config template (not JSON yet: it holds `__CNI_MTU__`), with dataplane_options. */
export function cniConfigForVpp(template: string): string {
  const anchor = /^(\s*)"type": "calico",$/m;
  const match = anchor.exec(template);
  if (!match) throw new Error('calico-config cni_network_config has no line `"type": "calico",` to add dataplane_options after');
  const line = `${match[1] ?? ""}"dataplane_options": ${JSON.stringify(CNI_DATAPLANE_OPTIONS)},`;
  return template.replace(anchor, (found) => `${found}\n${line}`);
}

function toVppNode(node: Container): void {
  const names = new Set(VPP_FELIX_ENV.map((e) => e.name));
  node.env = [...(node.env ?? []).filter((e) => !names.has(e.name)), ...VPP_FELIX_ENV];
  node.volumeMounts = [...(node.volumeMounts ?? []), { name: "felix-plugins", mountPath: FELIX_PLUGINS_MOUNT, readOnly: true }];
  // No BIRD under Calico/VPP (the agent's GoBGP speaks BGP): its liveness and readiness are Felix's alone.
  for (const probe of [node.livenessProbe, node.readinessProbe]) {
    const command = probe?.exec?.command;
    if (command && probe.exec) probe.exec.command = command.filter((arg) => !arg.startsWith("-bird-"));
  }
}

/**
 * Calico's manifest install (as renderCalicoManifest made it) as the operator renders calico-node for
 * `linuxDataplane: VPP`: no BIRD (calico_backend none), Felix driven through felix-api-proxy from the
 * felix-plugins host directory, and the CNI plugin handing pods to the agent (dataplane_options).
 */
export function renderCalicoManifestForVpp(manifest: CalicoManifest): CalicoManifest {
  const objects = parseAllDocuments(manifest.install)
    .map((doc) => doc.toJS() as KubeDoc | null)
    .filter((o): o is KubeDoc => o !== null && typeof o === "object");
  const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata?.name === "calico-config");
  const nodeSet = objects.find((o) => o.kind === "DaemonSet" && o.metadata?.name === "calico-node");
  const node = nodeSet?.spec?.template?.spec?.containers?.find((c) => c.name === "calico-node");
  const template = config?.data?.cni_network_config;
  if (!config?.data || template === undefined || !nodeSet?.spec?.template?.spec || !node) {
    throw new Error("Calico's manifest has no calico-config ConfigMap with cni_network_config, or no calico-node DaemonSet");
  }
  config.data.calico_backend = "none";
  config.data.cni_network_config = cniConfigForVpp(template);
  toVppNode(node);
  const pod = nodeSet.spec.template.spec;
  pod.volumes = [...(pod.volumes ?? []), { name: "felix-plugins", hostPath: { path: FELIX_PLUGINS_HOST_DIR } }];
  return { install: objects.map((o) => stringify(o)).join("---\n"), controllers: manifest.controllers };
}
