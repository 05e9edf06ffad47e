import { X509Certificate } from "node:crypto";

/**
 * The lab's certificates, made with openssl inside the node that serves with them (the kdd scenario's
 * kube-apiserver, the bird scenario's etcd with etcd.tls). openssl comes with those nodes' Debian images;
 * the program holds no TLS library and no Pulumi TLS provider (the module proxy cannot build one here), and
 * the CA's and the server's keys never leave their node. Keys are EC P-256. Made once: a marker holds the
 * inputs, and the files are kept while the inputs stay the same, so a restarted node keeps its CA and a
 * changed address makes new ones.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** A DNS name (RFC 1123 labels, lowercase; the last label not all digits, so that 10.0.0.256 is no name). */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

export function isIpv4(value: string): boolean {
  return IPV4.test(value);
}

export function isDnsName(value: string): boolean {
  return DNS_NAME.test(value) && !/(^|\.)\d+$/.test(value);
}

export function assertIpv4(value: string, what: string): void {
  if (!isIpv4(value)) throw new Error(`${what}: not an IPv4 address: ${JSON.stringify(value)}`);
}

/** A subjectAltName entry for an IPv4 address or a DNS name: `IP:192.168.4.4`, `DNS:etcd`. */
export function subjectAltName(value: string): string {
  if (isIpv4(value)) return `IP:${value}`;
  if (isDnsName(value)) return `DNS:${value}`;
  throw new Error(`subject alternative name: neither an IPv4 address nor a DNS name: ${JSON.stringify(value)}`);
}

export interface CertificateSpec {
  /** The files' stem: <dir>/<name>.crt and <dir>/<name>.key. */
  readonly name: string;
  /** openssl's -subj, e.g. /CN=kube-apiserver or /O=system:masters/CN=calico-lab-admin. */
  readonly subject: string;
  /** serverAuth, clientAuth, or both (etcd's serving certificate: its gRPC gateway connects to etcd itself with it). */
  readonly usage: "server" | "client" | "server-and-client";
  /** subjectAltName entries of a server certificate (IP:..., DNS:...). */
  readonly sans?: readonly string[];
}

export interface PkiSpec {
  /** Where the files live in the node. */
  readonly dir: string;
  /** How long the CA and every certificate are valid. */
  readonly days: number;
  readonly certificates: readonly CertificateSpec[];
  /** Bare key pairs besides the certificates (kdd: the service-account signing pair): <name>.key and <name>.pub. */
  readonly keyPairs?: readonly string[];
}

const NAME = /^[a-z][a-z0-9]*$/;
/** Sections of the openssl config that a certificate's own section must not take. */
const RESERVED_SECTIONS = ["ca", "req", "dn"];
const SUBJECT = /^(\/[A-Za-z]+=[A-Za-z0-9:._ -]+)+$/;

function check(spec: PkiSpec): void {
  const names = [...spec.certificates.map((cert) => cert.name), ...(spec.keyPairs ?? [])];
  for (const name of names)
    if (!NAME.test(name) || RESERVED_SECTIONS.includes(name)) throw new Error(`certificate name: not allowed: ${JSON.stringify(name)}`);
  if (new Set(names).size !== names.length) throw new Error(`certificate names: not unique: ${names.join(", ")}`);
  for (const cert of spec.certificates)
    if (!SUBJECT.test(cert.subject)) throw new Error(`certificate subject: not allowed: ${JSON.stringify(cert.subject)}`);
  for (const san of spec.certificates.flatMap((cert) => cert.sans ?? [])) {
    const [kind, value = ""] = san.split(/:(.*)/);
    if (!((kind === "IP" && isIpv4(value)) || (kind === "DNS" && isDnsName(value))))
      throw new Error(`subjectAltName: not allowed: ${JSON.stringify(san)}`);
  }
  if (!Number.isInteger(spec.days) || spec.days < 1) throw new Error(`certificate validity: not a whole number of days: ${spec.days}`);
  if (!/^\/[A-Za-z0-9/._-]+$/.test(spec.dir)) throw new Error(`certificate directory: not allowed: ${JSON.stringify(spec.dir)}`);
}

/** The marker of what the files were made from: anything that changes it makes them anew. */
function inputsMarker(spec: PkiSpec): string {
  const certs = spec.certificates.map((cert) => `${cert.name}=${cert.usage}${cert.subject}${cert.sans ? `[${cert.sans.join(",")}]` : ""}`);
  return [`days=${spec.days}`, ...certs, ...(spec.keyPairs ?? []).map((pair) => `${pair}=pair`), "ec-p256 v2"].join(" ");
}

const EXTENDED_KEY_USAGE: Record<CertificateSpec["usage"], string> = {
  server: "serverAuth",
  client: "clientAuth",
  "server-and-client": "serverAuth,clientAuth",
};

function extensions(cert: CertificateSpec): string {
  return [
    `[${cert.name}]`,
    "basicConstraints = critical,CA:FALSE",
    "keyUsage = critical,digitalSignature",
    `extendedKeyUsage = ${EXTENDED_KEY_USAGE[cert.usage]}`,
    ...(cert.sans && cert.sans.length > 0 ? [`subjectAltName = ${cert.sans.join(",")}`] : []),
    "authorityKeyIdentifier = keyid",
  ].join("\n");
}

/**
 * POSIX sh (after `set -eu`): makes the CA, each certificate signed by it and each bare key pair in
 * `spec.dir`, unless the files there were made from the same inputs. Made in a temp dir and moved into
 * place, so a half-made set is never used. Prints nothing on stdout.
 */
export function opensslPkiScript(spec: PkiSpec): string {
  check(spec);
  const keys = ["ca", ...spec.certificates.map((cert) => cert.name), ...(spec.keyPairs ?? [])];
  const lines = [
    `pki=${spec.dir}`,
    `want='${inputsMarker(spec)}'`,
    `if [ "$(cat "$pki/.inputs" 2>/dev/null || true)" != "$want" ]; then`,
    `  echo "calico-lab: making the lab's CA and certificates in $pki" >&2`,
    "  tmp=$pki.new",
    '  rm -rf "$tmp"',
    '  mkdir -p "$tmp"',
    '  chmod 700 "$tmp"',
    `  cat > "$tmp/openssl.cnf" <<'CALICO_LAB_EOF'`,
    "[req]",
    "distinguished_name = dn",
    "prompt = no",
    "[dn]",
    "CN = calico-lab",
    "[ca]",
    "basicConstraints = critical,CA:TRUE",
    "keyUsage = critical,keyCertSign,cRLSign,digitalSignature",
    "subjectKeyIdentifier = hash",
    ...spec.certificates.map(extensions),
    "CALICO_LAB_EOF",
    `  for key in ${keys.join(" ")}; do`,
    '    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$key.key"',
    "  done",
    ...(spec.keyPairs ?? []).map((pair) => `  openssl pkey -in "$tmp/${pair}.key" -pubout -out "$tmp/${pair}.pub"`),
    `  openssl req -x509 -new -config "$tmp/openssl.cnf" -extensions ca -key "$tmp/ca.key" -subj /CN=calico-lab-ca -days ${spec.days} -sha256 -out "$tmp/ca.crt"`,
    ...spec.certificates.flatMap((cert) => [
      `  openssl req -new -config "$tmp/openssl.cnf" -key "$tmp/${cert.name}.key" -subj '${cert.subject}' -out "$tmp/${cert.name}.csr"`,
      `  openssl x509 -req -in "$tmp/${cert.name}.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAserial "$tmp/ca.srl" -CAcreateserial \\`,
      `    -days ${spec.days} -sha256 -extfile "$tmp/openssl.cnf" -extensions ${cert.name} -out "$tmp/${cert.name}.crt"`,
    ]),
    '  rm -f "$tmp"/*.csr "$tmp/ca.srl"',
    `  printf '%s\\n' "$want" > "$tmp/.inputs"`,
    '  rm -rf "$pki"',
    '  mv "$tmp" "$pki"',
    "fi",
  ];
  return lines.join("\n");
}

/** What the lab reports of a certificate (read from its PEM; no key involved). */
export interface CertificateFacts {
  readonly subject: string;
  readonly issuer: string;
  /** subjectAltName entries as openssl writes them in its config: IP:..., DNS:... */
  readonly sans: string[];
  /** ISO 8601. */
  readonly notBefore: string;
  readonly notAfter: string;
}

export function certificateFacts(pem: string): CertificateFacts {
  const cert = new X509Certificate(pem);
  const sans = (cert.subjectAltName ?? "")
    .split(", ")
    .filter((entry) => entry !== "")
    .map((entry) => entry.replace(/^IP Address:/, "IP:"));
  return {
    subject: cert.subject.replace(/\n/g, ","),
    issuer: cert.issuer.replace(/\n/g, ","),
    sans,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

/** PEM blocks of a text, in order, each with its type (CERTIFICATE, PRIVATE KEY). */
export function pemBlocks(text: string): Array<{ type: string; pem: string }> {
  return [...text.matchAll(/-----BEGIN ([A-Z ]+)-----\r?\n[\s\S]*?-----END \1-----\r?\n?/g)].map((match) => ({
    type: match[1] ?? "",
    pem: match[0].endsWith("\n") ? match[0] : `${match[0]}\n`,
  }));
}
