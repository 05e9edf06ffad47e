import { BIRD_SOCKET, type DatastoreEnv } from "../node-scripts";
import { calicoNodeRuntime, type NodeRuntime } from "../node-runtime";
import { renderCalicoNodeEnv } from "../render";

/**
 * The bird scenario: Calico on the etcd datastore, calico-node with BIRD. What it asks of the substrate
 * (an etcd node, then the Calico nodes) and how calicoctl reaches its datastore.
 */

export const ETCD_CLIENT_PORT = 2379;

export function etcdEndpoint(address: string): string {
  return `http://${address}:${ETCD_CLIENT_PORT}`;
}

export function etcdDatastoreEnv(etcdEndpoints: string): DatastoreEnv {
  return { DATASTORE_TYPE: "etcdv3", ETCD_ENDPOINTS: etcdEndpoints };
}

export const ETCD_READINESS = ["etcdctl", `--endpoints=http://127.0.0.1:${ETCD_CLIENT_PORT}`, "endpoint", "health"] as const;

/** BIRD answering on its control socket is what "node ready" means for a BGP lab. */
export const CALICO_NODE_READINESS = ["birdcl", "-s", BIRD_SOCKET, "show", "status"] as const;

export function etcdRuntime(input: { name: string; image: string; address: string; readyTimeoutSeconds?: number }): NodeRuntime {
  return {
    node: "etcd",
    hostname: input.name,
    role: "etcd",
    image: input.image,
    address: input.address,
    env: ["ETCDCTL_API=3"],
    command: [
      "etcd",
      `--name=${input.name}`,
      "--data-dir=/var/lib/etcd/data",
      `--advertise-client-urls=${etcdEndpoint(input.address)}`,
      `--listen-client-urls=http://0.0.0.0:${ETCD_CLIENT_PORT}`,
    ],
    dataplane: false,
    readiness: { command: [...ETCD_READINESS], timeoutSeconds: input.readyTimeoutSeconds ?? 60 },
  };
}

export function birdNodeRuntime(input: {
  nodeName: string;
  image: string;
  address: string;
  asNumber: number;
  etcdEndpoints: string;
  logLevel: string;
  readyTimeoutSeconds?: number;
}): NodeRuntime {
  return calicoNodeRuntime({
    ...input,
    env: renderCalicoNodeEnv({
      nodeName: input.nodeName,
      ip: input.address,
      asNumber: input.asNumber,
      etcdEndpoints: input.etcdEndpoints,
      logLevel: input.logLevel,
    }),
    command: [],
    readiness: { command: [...CALICO_NODE_READINESS], timeoutSeconds: input.readyTimeoutSeconds ?? 120 },
  });
}
