import type { NodeRuntime } from "../../node-runtime";
import { APISERVER_PORT, KDD_ADMIN_KUBECONFIG, KDD_DEFAULT_SERVICE_CIDR, KDD_PKI_DIR } from "./paths";
import { assertIpv4, firstAddress, pkiScript } from "./pki";

/**
 * A bare kube-apiserver over the lab's etcd: no kubelet, scheduler or controller manager. What that leaves
 * out, on purpose:
 * - the ServiceAccount admission plugin: it rejects every Pod until the controller manager has made the
 *   namespace's `default` ServiceAccount;
 * - namespaces of the lab's own: deleting one never finishes without the controller manager, so the lab
 *   uses `default`, which the apiserver makes itself.
 * Authentication is by client certificate only (anonymous off); the admin certificate is O=system:masters.
 */

export interface ApiserverInput {
  /** etcd client URLs, comma-separated (http://192.168.4.4:2379). */
  readonly etcdEndpoints: string;
  /** The apiserver's address on the lab network: advertised, and in its serving certificate. */
  readonly address: string;
  /** The Services range (no Service is ever backed here, but the apiserver needs one). Must not overlap pools or the underlay. */
  readonly serviceCidr?: string;
}

export function kubeApiserverFlags(input: ApiserverInput): string[] {
  assertIpv4(input.address, "apiserver address");
  const serviceCidr = input.serviceCidr ?? KDD_DEFAULT_SERVICE_CIDR;
  firstAddress(serviceCidr);
  return [
    `--advertise-address=${input.address}`,
    "--bind-address=0.0.0.0",
    `--secure-port=${APISERVER_PORT}`,
    `--etcd-servers=${input.etcdEndpoints}`,
    `--client-ca-file=${KDD_PKI_DIR}/ca.crt`,
    `--tls-cert-file=${KDD_PKI_DIR}/apiserver.crt`,
    `--tls-private-key-file=${KDD_PKI_DIR}/apiserver.key`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${KDD_PKI_DIR}/sa.pub`,
    `--service-account-signing-key-file=${KDD_PKI_DIR}/sa.key`,
    `--service-cluster-ip-range=${serviceCidr}`,
    "--authorization-mode=RBAC",
    "--anonymous-auth=false",
    "--disable-admission-plugins=ServiceAccount",
    "--enable-priority-and-fairness=false",
    "--profiling=false",
  ];
}

/**
 * The container's command and environment: the certificates are made (or kept) first, inside the container,
 * then kube-apiserver replaces the shell. The image's openssl and kube-apiserver are on PATH.
 */
export function kubeApiserverCommand(input: ApiserverInput): { command: string[]; env: string[] } {
  const flags = kubeApiserverFlags(input);
  const pki = pkiScript({ address: input.address, serviceAddress: firstAddress(input.serviceCidr ?? KDD_DEFAULT_SERVICE_CIDR) });
  return {
    command: ["/bin/sh", "-c", `${pki}\nexec kube-apiserver "$@"`, "kube-apiserver", ...flags],
    env: [`KUBECONFIG=${KDD_ADMIN_KUBECONFIG}`],
  };
}

/** The kube-apiserver node as the kdd scenario asks a substrate to run it (after etcd is ready). */
export function kubeApiserverRuntime(input: ApiserverInput & { name: string; image: string; readyTimeoutSeconds?: number }): NodeRuntime {
  const { command, env } = kubeApiserverCommand(input);
  return {
    node: "apiserver",
    hostname: input.name,
    role: "apiserver",
    image: input.image,
    address: input.address,
    env,
    command,
    dataplane: false,
    readiness: { command: ["sh", "-c", apiserverReadyScript()], timeoutSeconds: input.readyTimeoutSeconds ?? 90 },
  };
}

/** Succeeds once the apiserver answers /readyz with its admin credentials; run in the kube-apiserver container. */
export function apiserverReadyScript(): string {
  return `kubectl --kubeconfig=${KDD_ADMIN_KUBECONFIG} get --raw=/readyz >/dev/null`;
}
