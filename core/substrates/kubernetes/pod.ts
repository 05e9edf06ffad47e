import type { NodeRuntime } from "../../node-runtime";
import { CALICO_NODE_CAPABILITIES, withWritableNetSysctls } from "../docker/container-spec";
import { NODE_CONTAINER, TCPDUMP_CONTAINER } from "../../transports/kubernetes";
import { IDLE_SCRIPT, LAB_NET, labNetSyncScript, labNetUpScript, type LabNetAddress } from "./lab-net";

/** Where a node's Pod goes and what it runs besides the node's runtime. */
export interface PodPlacement {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The label that all of this lab's Pods carry, spread over the cluster's machines by it. */
  readonly labSelector: Readonly<Record<string, string>>;
  /** The node's address on the lab network. */
  readonly labNet: LabNetAddress;
  /** The node image, which carries ip and bridge for the lab network's containers. */
  readonly netImage: string;
  readonly tcpdumpImage: string;
}

/** `registry/image` when a registry is set: the cluster pulls the lab's images from it. */
export function imageFrom(registry: string, image: string): string {
  return registry ? `${registry.replace(/\/+$/, "")}/${image}` : image;
}

/** `K=V` strings as a container's env. */
export function envList(env: readonly string[]): { name: string; value: string }[] {
  return env.map((entry) => {
    const at = entry.indexOf("=");
    return at < 0 ? { name: entry, value: "" } : { name: entry.slice(0, at), value: entry.slice(at + 1) };
  });
}

const POD_IP = { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } };
const shell = (script: string) => ["/bin/sh", "-c", script];
const caps = (add: readonly string[]) => ({ capabilities: { add: [...add] } });

/** What AppArmor must leave to the containers that remount /proc/sys/net (on nodes that run AppArmor). */
function unconfined(containers: readonly string[]): Record<string, string> {
  return Object.fromEntries(containers.map((c) => [`container.apparmor.security.beta.kubernetes.io/${c}`, "unconfined"]));
}

/**
 * The Pod of one lab node: an init container that makes the lab network (`lab0`) and, for a Calico node, the
 * dataplane's sysctls; the node's runtime (its image, env and command, as on a Docker node, with the same
 * capabilities, never privileged); a sidecar keeping the lab network's flood list; tcpdump for lab:capture.
 * Spread over the cluster's machines; restarted in place (same Pod, same address) when a container exits.
 */
export function labPodManifest(runtime: NodeRuntime, placement: PodPlacement): Record<string, unknown> {
  const dataplane = runtime.dataplane;
  const initName = "lab-net-up";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: runtime.node,
      namespace: placement.namespace,
      labels: { ...placement.labels },
      annotations: dataplane ? unconfined([initName, NODE_CONTAINER]) : {},
    },
    spec: {
      hostname: runtime.hostname,
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 5,
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: { ...placement.labSelector } },
        },
      ],
      initContainers: [
        {
          name: initName,
          image: placement.netImage,
          imagePullPolicy: "IfNotPresent",
          command: shell(labNetUpScript(placement.labNet, dataplane)),
          env: [POD_IP],
          securityContext: caps(dataplane ? ["NET_ADMIN", "SYS_ADMIN"] : ["NET_ADMIN"]),
        },
      ],
      containers: [
        {
          name: NODE_CONTAINER,
          image: runtime.image,
          imagePullPolicy: "IfNotPresent",
          ...(runtime.command.length > 0 || dataplane
            ? { command: dataplane ? withWritableNetSysctls(runtime.command) : [...runtime.command] }
            : {}),
          env: envList(runtime.env),
          securityContext: caps(dataplane ? CALICO_NODE_CAPABILITIES : []),
        },
        {
          name: "lab-net",
          image: placement.netImage,
          imagePullPolicy: "IfNotPresent",
          command: shell(labNetSyncScript()),
          env: [POD_IP],
          securityContext: caps(["NET_ADMIN"]),
        },
        {
          name: TCPDUMP_CONTAINER,
          image: placement.tcpdumpImage,
          imagePullPolicy: "IfNotPresent",
          command: shell(IDLE_SCRIPT),
          securityContext: caps(["NET_ADMIN", "NET_RAW"]),
        },
      ],
    },
  };
}

/** The headless Service whose DNS name answers with every lab Pod's address, ready or not. */
export function labNetServiceManifest(
  namespace: string,
  labels: Readonly<Record<string, string>>,
  selector: Readonly<Record<string, string>>,
): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: LAB_NET.service, namespace, labels: { ...labels } },
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: { ...selector },
      ports: [{ name: "vxlan", port: LAB_NET.port, protocol: "UDP" }],
    },
  };
}

/** The lab's namespace: Pod Security's `privileged` level, since Calico nodes need NET_ADMIN and SYS_ADMIN. */
export function labNamespaceManifest(name: string, labels: Readonly<Record<string, string>>): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { ...labels, "pod-security.kubernetes.io/enforce": "privileged" } },
  };
}
