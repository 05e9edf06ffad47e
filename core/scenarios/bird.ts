import { BIRD_SOCKET, type DatastoreEnv } from "../node-scripts";
import { calicoNodeRuntime, startRunitAfterFile, type NodeRuntime } from "../node-runtime";
import { renderCalicoNodeEnv } from "../render";
import { etcdctlTlsEnv, etcdPkiScript, etcdTlsFlags, type EtcdClientFiles, type EtcdTlsSettings } from "./etcd-tls";

/**
 * The bird scenario: Calico on the etcd datastore, calico-node with BIRD. What it asks of the substrate
 * (an etcd node, then the Calico nodes) and how calicoctl reaches its datastore. With etcd.tls, etcd
 * serves https and requires client certificates (core/scenarios/etcd-tls.ts).
 */

export const ETCD_CLIENT_PORT = 2379;

export function etcdEndpoint(address: string, tls = false): string {
  return `${tls ? "https" : "http"}://${address}:${ETCD_CLIENT_PORT}`;
}

/** calicoctl's environment; with TLS files, the client certificate it presents and the CA it trusts. */
export function etcdDatastoreEnv(etcdEndpoints: string, tls?: EtcdClientFiles): DatastoreEnv {
  return {
    DATASTORE_TYPE: "etcdv3",
    ETCD_ENDPOINTS: etcdEndpoints,
    ...(tls ? { ETCD_CA_CERT_FILE: tls.caCertFile, ETCD_CERT_FILE: tls.certFile, ETCD_KEY_FILE: tls.keyFile } : {}),
  };
}

export const ETCD_READINESS = ["etcdctl", `--endpoints=http://127.0.0.1:${ETCD_CLIENT_PORT}`, "endpoint", "health"] as const;

/** etcd's readiness over TLS: etcdctl with the etcd node's own client certificate (ETCDCTL_CACERT/CERT/KEY in its environment). */
export const ETCD_TLS_READINESS = ["etcdctl", `--endpoints=https://127.0.0.1:${ETCD_CLIENT_PORT}`, "endpoint", "health"] as const;

/** BIRD answering on its control socket is what "node ready" means for a BGP lab. */
export const CALICO_NODE_READINESS = ["birdcl", "-s", BIRD_SOCKET, "show", "status"] as const;

export function etcdRuntime(input: {
  name: string;
  image: string;
  address: string;
  readyTimeoutSeconds?: number;
  /** etcd over TLS: the certificates are made in the node (openssl in its image), then etcd serves https only. */
  tls?: EtcdTlsSettings;
}): NodeRuntime {
  const endpoint = etcdEndpoint(input.address, !!input.tls);
  const flags = [
    `--name=${input.name}`,
    "--data-dir=/var/lib/etcd/data",
    `--advertise-client-urls=${endpoint}`,
    `--listen-client-urls=${input.tls ? "https" : "http"}://0.0.0.0:${ETCD_CLIENT_PORT}`,
  ];
  const base = {
    node: "etcd",
    hostname: input.name,
    role: "etcd",
    image: input.image,
    address: input.address,
    dataplane: false,
  } as const;
  const timeoutSeconds = input.readyTimeoutSeconds ?? 60;
  if (!input.tls) {
    return { ...base, env: ["ETCDCTL_API=3"], command: ["etcd", ...flags], readiness: { command: [...ETCD_READINESS], timeoutSeconds } };
  }
  const pki = etcdPkiScript({ hostname: input.name, address: input.address, tls: input.tls });
  return {
    ...base,
    env: ["ETCDCTL_API=3", ...etcdctlTlsEnv()],
    command: ["/bin/sh", "-c", `${pki}\nexec etcd "$@"`, "etcd", ...flags, ...etcdTlsFlags()],
    readiness: { command: [...ETCD_TLS_READINESS], timeoutSeconds },
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
  /** etcd over TLS: calico-node starts once the lab has written its client certificate in (readiness moves to the node's setup). */
  tls?: EtcdClientFiles;
}): NodeRuntime {
  const env = renderCalicoNodeEnv({
    nodeName: input.nodeName,
    ip: input.address,
    asNumber: input.asNumber,
    etcdEndpoints: input.etcdEndpoints,
    logLevel: input.logLevel,
    etcdTls: input.tls ?? false,
  });
  return calicoNodeRuntime({
    ...input,
    env,
    ...(input.tls
      ? { command: startRunitAfterFile(input.tls.keyFile, "etcd client key"), readiness: { command: ["true"], timeoutSeconds: 30 } }
      : { command: [], readiness: { command: [...CALICO_NODE_READINESS], timeoutSeconds: input.readyTimeoutSeconds ?? 120 } }),
  });
}
