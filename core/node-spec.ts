import type { ContainerSpec } from "./docker-argv";
import { BIRD_SOCKET } from "./lab-scripts";
import { renderCalicoNodeEnv } from "./render";

/**
 * Capabilities a Calico node needs here; `--privileged` is refused on these engines and never used.
 * No SYS_RESOURCE: it is outside our engines' bounding set ("unable to apply caps"), and neither
 * BIRD nor Felix raises a limit that needs it.
 */
export const CALICO_NODE_CAPABILITIES = ["NET_ADMIN", "NET_RAW", "SYS_ADMIN", "SYS_PTRACE", "IPC_LOCK"] as const;

/** Felix and calico-node write /proc/sys and program iptables/ipsets inside the node's namespace. */
export const CALICO_NODE_SECURITY_OPTS = ["systempaths=unconfined", "apparmor=unconfined", "seccomp=unconfined"] as const;

export const CALICO_NODE_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.ip_forward": "1",
  "net.ipv4.conf.all.rp_filter": "0",
  "net.ipv4.conf.default.rp_filter": "0",
};

export const LABEL_PREFIX = "calico-lab";

export function labLabels(lab: string, stack: string, role: string): Record<string, string> {
  return { [`${LABEL_PREFIX}.lab`]: lab, [`${LABEL_PREFIX}.stack`]: stack, [`${LABEL_PREFIX}.role`]: role };
}

export const ETCD_CLIENT_PORT = 2379;

export function etcdEndpoint(address: string): string {
  return `http://${address}:${ETCD_CLIENT_PORT}`;
}

export function etcdContainerSpec(input: {
  name: string;
  image: string;
  network: string;
  address: string;
  labels: Record<string, string>;
}): ContainerSpec {
  return {
    name: input.name,
    image: input.image,
    hostname: input.name,
    network: input.network,
    ipv4Address: input.address,
    env: ["ETCDCTL_API=3"],
    capAdd: [],
    securityOpt: [],
    sysctls: {},
    labels: input.labels,
    command: [
      "etcd",
      `--name=${input.name}`,
      "--data-dir=/var/lib/etcd/data",
      `--advertise-client-urls=${etcdEndpoint(input.address)}`,
      `--listen-client-urls=http://0.0.0.0:${ETCD_CLIENT_PORT}`,
    ],
  };
}

export const ETCD_READINESS = ["etcdctl", `--endpoints=http://127.0.0.1:${ETCD_CLIENT_PORT}`, "endpoint", "health"] as const;

/** BIRD answering on its control socket is what "node ready" means for a BGP lab. */
export const CALICO_NODE_READINESS = ["birdcl", "-s", BIRD_SOCKET, "show", "status"] as const;

export function calicoNodeContainerSpec(input: {
  containerName: string;
  nodeName: string;
  image: string;
  network: string;
  address: string;
  asNumber: number;
  etcdEndpoints: string;
  logLevel: string;
  labels: Record<string, string>;
}): ContainerSpec {
  return {
    name: input.containerName,
    image: input.image,
    hostname: input.nodeName,
    network: input.network,
    ipv4Address: input.address,
    env: renderCalicoNodeEnv({
      nodeName: input.nodeName,
      ip: input.address,
      asNumber: input.asNumber,
      etcdEndpoints: input.etcdEndpoints,
      logLevel: input.logLevel,
    }),
    capAdd: [...CALICO_NODE_CAPABILITIES],
    securityOpt: [...CALICO_NODE_SECURITY_OPTS],
    sysctls: CALICO_NODE_SYSCTLS,
    labels: input.labels,
    command: [],
  };
}
