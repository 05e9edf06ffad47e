import { assertIpv4, opensslPkiScript } from "../../pki";
import { APISERVER_PORT, KDD_ADMIN_KUBECONFIG, KDD_PKI_DIR } from "./paths";

export { assertIpv4 };

/** The kdd lab's CA and certificates are valid for 10 years. */
const KDD_CERT_DAYS = 3650;

/**
 * The kdd lab's certificates, made inside the kube-apiserver container by the shared openssl PKI script
 * (core/pki.ts: Debian's openssl is in its image):
 *   ca.crt/ca.key            the lab's CA (10 years)
 *   apiserver.crt/.key       serving certificate: the apiserver's lab address, the Services range's first
 *                            address, 127.0.0.1 and the kubernetes.default.svc names
 *   admin.crt/.key           client certificate O=system:masters (no RBAC objects needed)
 *   sa.key/sa.pub            the service-account token signing pair kube-apiserver requires
 * Then the admin kubeconfig (certificates embedded, server https://<address>:6443) is (re)written.
 */

export interface PkiInput {
  /** The apiserver's address on the lab network. */
  readonly address: string;
  /** The first address of the Services range (the `kubernetes` Service's ClusterIP). */
  readonly serviceAddress: string;
}

/** The first host address of an IPv4 CIDR (10.96.0.0/12 -> 10.96.0.1). */
export function firstAddress(cidr: string): string {
  const [address = "", bits = ""] = cidr.split("/");
  assertIpv4(address, "service CIDR");
  const prefix = Number(bits);
  if (!/^\d+$/.test(bits) || prefix < 1 || prefix > 30) throw new Error(`service CIDR: prefix must be 1 to 30: ${JSON.stringify(cidr)}`);
  const value = address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  if (value % size !== 0) throw new Error(`service CIDR: ${address} is not the network address of ${cidr}`);
  const first = value + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256).join(".");
}

export function apiserverUrl(address: string, port: number = APISERVER_PORT): string {
  return `https://${address}:${port}`;
}

/**
 * The kubeconfig with its one cluster's `server:` set to `url`: how the machine running Pulumi reaches the
 * apiserver when the lab address is not reachable from it (the qemu substrate's forwarder on 127.0.0.1,
 * which the serving certificate names). The same text when `url` is already its server.
 */
export function kubeconfigWithServer(kubeconfig: string, url: string): string {
  const servers = kubeconfig.match(/^ *server: .*$/gm) ?? [];
  if (servers.length !== 1) throw new Error(`the kubeconfig has ${servers.length} server lines; expected exactly one`);
  return kubeconfig.replace(/^( *server: ).*$/m, (_line, head: string) => `${head}${url}`);
}

function sans(input: PkiInput): string[] {
  return [
    `IP:${input.address}`,
    `IP:${input.serviceAddress}`,
    "IP:127.0.0.1",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
    "DNS:localhost",
  ];
}

/** POSIX sh, run inside the kube-apiserver container before kube-apiserver starts; never exits early. */
export function pkiScript(input: PkiInput): string {
  assertIpv4(input.address, "apiserver address");
  assertIpv4(input.serviceAddress, "service address");
  const server = apiserverUrl(input.address);
  const pki = opensslPkiScript({
    dir: KDD_PKI_DIR,
    days: KDD_CERT_DAYS,
    certificates: [
      { name: "apiserver", subject: "/CN=kube-apiserver", usage: "server", sans: sans(input) },
      { name: "admin", subject: "/O=system:masters/CN=calico-lab-admin", usage: "client" },
    ],
    keyPairs: ["sa"],
  });
  return `set -eu
${pki}
umask 077
cat > ${KDD_ADMIN_KUBECONFIG}.new <<CALICO_LAB_EOF
apiVersion: v1
kind: Config
clusters:
  - name: calico-lab
    cluster:
      server: ${server}
      certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
  - name: calico-lab-admin
    user:
      client-certificate-data: $(base64 -w0 "$pki/admin.crt")
      client-key-data: $(base64 -w0 "$pki/admin.key")
contexts:
  - name: calico-lab
    context:
      cluster: calico-lab
      user: calico-lab-admin
current-context: calico-lab
CALICO_LAB_EOF
mv ${KDD_ADMIN_KUBECONFIG}.new ${KDD_ADMIN_KUBECONFIG}
umask 022`;
}

/** Prints the admin kubeconfig (a secret: it holds the admin key); run in the kube-apiserver container. */
export function readKubeconfigScript(): string {
  return `cat ${KDD_ADMIN_KUBECONFIG}`;
}
