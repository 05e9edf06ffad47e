import { withStdin } from "../transports/node-shell";
import { assertIpv4, isDnsName, opensslPkiScript, pemBlocks, subjectAltName } from "../pki";

/**
 * etcd over TLS (etcd.tls): etcd serves https only and requires a client certificate signed by the lab's
 * CA. The CA, etcd's serving certificate and the client certificates are made with openssl inside the etcd
 * node when it starts (core/pki.ts, shared with the kdd scenario's apiserver); the CA's and etcd's keys
 * never leave it. The Calico client certificate and key are read out once as a Pulumi secret and written
 * into every Calico node, where calico-node, calicoctl and the CNI plugin read them.
 *   etcd node    ETCD_PKI_DIR/ca.crt, ca.key, server.crt/.key (serving), etcdctl.crt/.key (its own
 *                checks), calico.crt/.key (the Calico nodes')
 *   Calico node  ETCD_CLIENT_FILES: ca.crt, client.crt, client.key
 */

export interface EtcdTlsSettings {
  /** How long the CA and the certificates are valid. */
  readonly days: number;
  /** More subjectAltNames of etcd's serving certificate: IPv4 addresses or DNS names. */
  readonly extraSans: readonly string[];
}

export const ETCD_PKI_DIR = "/etc/etcd/pki";
/** The certificate files every Calico node uses (calico-node, calicoctl, the CNI plugin). */
export const ETCD_CLIENT_DIR = "/etc/calico/etcd-tls";

export interface EtcdClientFiles {
  readonly caCertFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export const ETCD_CLIENT_FILES: EtcdClientFiles = {
  caCertFile: `${ETCD_CLIENT_DIR}/ca.crt`,
  certFile: `${ETCD_CLIENT_DIR}/client.crt`,
  keyFile: `${ETCD_CLIENT_DIR}/client.key`,
};

/** The files etcdctl uses inside the etcd node. */
export const ETCD_ETCDCTL_FILES: EtcdClientFiles = {
  caCertFile: `${ETCD_PKI_DIR}/ca.crt`,
  certFile: `${ETCD_PKI_DIR}/etcdctl.crt`,
  keyFile: `${ETCD_PKI_DIR}/etcdctl.key`,
};

/**
 * etcd's serving certificate names: its lab address, its hostname and the lab's name for it (`etcd`),
 * 127.0.0.1 and localhost (its own readiness check), then etcd.extraSans.
 */
export function etcdServerSans(input: { hostname: string; address: string; extraSans: readonly string[] }): string[] {
  assertIpv4(input.address, "etcd address");
  const hostname = input.hostname.toLowerCase();
  const sans = [`IP:${input.address}`, "IP:127.0.0.1", ...(isDnsName(hostname) ? [`DNS:${hostname}`] : []), "DNS:etcd", "DNS:localhost"];
  for (const extra of input.extraSans.map(subjectAltName)) if (!sans.includes(extra)) sans.push(extra);
  return sans;
}

/** calicoctl runs in the etcd node too (the lab's BGP settings and pools): the Calico files at the Calico nodes' paths. */
function calicoFilesInEtcdNode(): string {
  return [
    `mkdir -p ${ETCD_CLIENT_DIR}`,
    `ln -sf ${ETCD_PKI_DIR}/ca.crt ${ETCD_CLIENT_FILES.caCertFile}`,
    `ln -sf ${ETCD_PKI_DIR}/calico.crt ${ETCD_CLIENT_FILES.certFile}`,
    `ln -sf ${ETCD_PKI_DIR}/calico.key ${ETCD_CLIENT_FILES.keyFile}`,
  ].join("\n");
}

/** POSIX sh run in the etcd node before etcd starts: the CA and certificates (kept while their inputs stay the same). */
export function etcdPkiScript(input: { hostname: string; address: string; tls: EtcdTlsSettings }): string {
  return `set -eu\n${opensslPkiScript({
    dir: ETCD_PKI_DIR,
    days: input.tls.days,
    certificates: [
      {
        name: "server",
        subject: "/CN=calico-lab-etcd",
        usage: "server-and-client",
        sans: etcdServerSans({ ...input, extraSans: input.tls.extraSans }),
      },
      { name: "etcdctl", subject: "/CN=calico-lab-etcdctl", usage: "client" },
      { name: "calico", subject: "/CN=calico-lab-calico", usage: "client" },
    ],
  })}
${calicoFilesInEtcdNode()}`;
}

/** etcd's TLS flags: https only, client certificates required and checked against the lab's CA. */
export function etcdTlsFlags(): string[] {
  return [
    `--cert-file=${ETCD_PKI_DIR}/server.crt`,
    `--key-file=${ETCD_PKI_DIR}/server.key`,
    "--client-cert-auth=true",
    `--trusted-ca-file=${ETCD_PKI_DIR}/ca.crt`,
  ];
}

/**
 * etcdctl's certificate files in the etcd node's environment, so `etcdctl --endpoints=https://...` there
 * works as it is. (etcd 3.4's etcdctl refuses a setting given both as a variable and as a flag, so the
 * endpoint is left to the flag.)
 */
export function etcdctlTlsEnv(): string[] {
  return [
    `ETCDCTL_CACERT=${ETCD_ETCDCTL_FILES.caCertFile}`,
    `ETCDCTL_CERT=${ETCD_ETCDCTL_FILES.certFile}`,
    `ETCDCTL_KEY=${ETCD_ETCDCTL_FILES.keyFile}`,
  ];
}

/** Prints the CA certificate and etcd's serving certificate (public; the lab reports their names and dates). */
export function readEtcdCertificatesScript(): string {
  return `cat ${ETCD_PKI_DIR}/ca.crt ${ETCD_PKI_DIR}/server.crt`;
}

/** Prints the Calico nodes' bundle: the CA certificate, the client certificate and its key (a secret). */
export function readEtcdClientBundleScript(): string {
  return `cat ${ETCD_PKI_DIR}/ca.crt ${ETCD_PKI_DIR}/calico.crt ${ETCD_PKI_DIR}/calico.key`;
}

export interface EtcdClientBundle {
  readonly caCert: string;
  readonly cert: string;
  readonly key: string;
}

/** The two certificates (CA first) and the key that readEtcdClientBundleScript prints. */
export function parseEtcdClientBundle(text: string): EtcdClientBundle {
  const blocks = pemBlocks(text);
  const certs = blocks.filter((block) => block.type === "CERTIFICATE");
  const key = blocks.find((block) => block.type.endsWith("PRIVATE KEY"));
  if (certs.length !== 2 || !certs[0] || !certs[1] || !key) {
    throw new Error(
      `etcd client bundle: expected the CA certificate, the client certificate and its key; found ${blocks.map((b) => b.type).join(", ") || "nothing"}`,
    );
  }
  return { caCert: certs[0].pem, cert: certs[1].pem, key: key.pem };
}

/** Writes the bundle into a Calico node: the key readable by root only, files replaced whole. */
export function writeEtcdClientBundleScript(bundle: EtcdClientBundle): string {
  const write = (path: string, text: string) => [withStdin(`cat > ${path}.new`, text), `mv ${path}.new ${path}`];
  return [
    "set -eu",
    `mkdir -p ${ETCD_CLIENT_DIR}`,
    "umask 077",
    ...write(ETCD_CLIENT_FILES.keyFile, bundle.key),
    "umask 022",
    ...write(ETCD_CLIENT_FILES.caCertFile, bundle.caCert),
    ...write(ETCD_CLIENT_FILES.certFile, bundle.cert),
  ].join("\n");
}
