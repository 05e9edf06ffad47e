import type { NodeRuntime } from "../../node-runtime";
import type { ContainerSpec, RestartPolicy } from "./argv";

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

/**
 * A Calico node's one-off startup (rc.local: `calico-node -startup`, before runit supervises Felix and BIRD)
 * exits, and takes the container with it, when the datastore does not answer in time ("Error creating Felix
 * node config ... etcdserver: request timed out", as in large labs on few cores). Docker starts it
 * again, as Calico's container install has the init system do (systemd `Restart=on-failure`); a node stopped
 * or removed by hand stays so.
 */
export const CALICO_NODE_RESTART_POLICY = "on-failure" satisfies RestartPolicy;

/** The container that runs one node's runtime on the lab network. */
export function containerSpecFor(
  runtime: NodeRuntime,
  placement: { containerName: string; network: string; labels: Record<string, string> },
): ContainerSpec {
  return {
    name: placement.containerName,
    image: runtime.image,
    hostname: runtime.hostname,
    network: placement.network,
    ipv4Address: runtime.address,
    env: [...runtime.env],
    capAdd: runtime.dataplane ? [...CALICO_NODE_CAPABILITIES] : [],
    securityOpt: runtime.dataplane ? [...CALICO_NODE_SECURITY_OPTS] : [],
    sysctls: runtime.dataplane ? CALICO_NODE_SYSCTLS : {},
    labels: placement.labels,
    command: [...runtime.command],
    ...(runtime.role === "calico-node" ? { restartPolicy: CALICO_NODE_RESTART_POLICY } : {}),
  };
}
