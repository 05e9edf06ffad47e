import type { NodeRuntime } from "../../node-runtime";
import type { ContainerSpec, RestartPolicy } from "./argv";

/**
 * Capabilities a Calico node needs here; `--privileged` is refused on these engines and never used.
 * No SYS_RESOURCE: it is outside our engines' bounding set ("unable to apply caps"), and neither
 * BIRD nor Felix raises a limit that needs it.
 */
export const CALICO_NODE_CAPABILITIES = ["NET_ADMIN", "NET_RAW", "SYS_ADMIN", "SYS_PTRACE", "IPC_LOCK"] as const;

/**
 * Docker's default seccomp profile stays (with SYS_ADMIN it allows the mount, unshare and setns of `ip netns`
 * and the CNI plugin), and so does its read-only /proc/sys (no `systempaths=unconfined`): only the node's
 * /proc/sys/net is made writable, by {@link withWritableNetSysctls}. AppArmor's docker-default profile, where
 * the host has AppArmor, denies both `mount` and writes under /proc/sys/net, so it is off.
 */
export const CALICO_NODE_SECURITY_OPTS = ["apparmor=unconfined"] as const;

/**
 * Felix and the CNI plugin write per-interface sysctls under /proc/sys/net at run time (proxy_arp, forwarding,
 * route_localnet of each cali* device, inside workloads' namespaces too), which `--sysctl` at create cannot
 * cover. /proc/sys/net shows only the network namespace of the process that reads it (the node's, or a
 * workload's), so a writable /proc/sys/net changes nothing outside the node; the rest of /proc/sys stays
 * read-only.
 */
export const NET_SYSCTLS_WRITABLE = "mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net";

/** Set at create (`--sysctl`, in the node's network namespace): what Calico's dataplane expects from the start. */
export const CALICO_NODE_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.ip_forward": "1",
  "net.ipv4.conf.all.rp_filter": "0",
  "net.ipv4.conf.default.rp_filter": "0",
};

/** The command of calico/node's image and of the lab's node image (their CMD), for a runtime that names none. */
export const CALICO_NODE_IMAGE_COMMAND = ["start_runit"] as const;

/** A Calico node's command, run once its /proc/sys/net is writable. */
export function withWritableNetSysctls(command: readonly string[]): string[] {
  const run = command.length > 0 ? command : CALICO_NODE_IMAGE_COMMAND;
  return ["/bin/sh", "-c", `${NET_SYSCTLS_WRITABLE} && exec "$@"`, "calico-lab-node", ...run];
}

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
    command: runtime.dataplane ? withWritableNetSysctls(runtime.command) : [...runtime.command],
    ...(runtime.role === "calico-node" ? { restartPolicy: CALICO_NODE_RESTART_POLICY } : {}),
  };
}
