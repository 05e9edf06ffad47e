import { APISERVER_PORT, KDD_ADMIN_KUBECONFIG, KDD_PKI_DIR } from "./paths";

/**
 * The lab's certificates, made with openssl inside the kube-apiserver container (Debian's openssl is in its
 * image; no TLS library in the program, no Pulumi TLS provider, which the module proxy cannot build here).
 * Keys are EC P-256. Made once: a marker holds the inputs, and the files are kept while the inputs stay the
 * same, so a restarted container keeps its CA and a changed address makes new ones.
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

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function assertIpv4(value: string, what: string): void {
  if (!IPV4.test(value)) throw new Error(`${what}: not an IPv4 address: ${JSON.stringify(value)}`);
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

export function apiserverUrl(address: string): string {
  return `https://${address}:${APISERVER_PORT}`;
}

function sans(input: PkiInput): string {
  return [
    `IP:${input.address}`,
    `IP:${input.serviceAddress}`,
    "IP:127.0.0.1",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
    "DNS:localhost",
  ].join(",");
}

/** POSIX sh, run inside the kube-apiserver container before kube-apiserver starts; never exits early. */
export function pkiScript(input: PkiInput): string {
  assertIpv4(input.address, "apiserver address");
  assertIpv4(input.serviceAddress, "service address");
  const want = `address=${input.address} service=${input.serviceAddress} port=${APISERVER_PORT} ec-p256 v1`;
  const server = apiserverUrl(input.address);
  return `set -eu
pki=${KDD_PKI_DIR}
want='${want}'
if [ "$(cat "$pki/.inputs" 2>/dev/null || true)" != "$want" ]; then
  echo "calico-lab: making the lab's CA and certificates in $pki" >&2
  tmp=$pki.new
  rm -rf "$tmp"
  mkdir -p "$tmp"
  chmod 700 "$tmp"
  cat > "$tmp/openssl.cnf" <<'CALICO_LAB_EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = calico-lab
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = ${sans(input)}
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
CALICO_LAB_EOF
  for key in ca apiserver admin sa; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$key.key"
  done
  openssl pkey -in "$tmp/sa.key" -pubout -out "$tmp/sa.pub"
  openssl req -x509 -new -config "$tmp/openssl.cnf" -extensions ca -key "$tmp/ca.key" -subj /CN=calico-lab-ca -days 3650 -sha256 -out "$tmp/ca.crt"
  for cert in apiserver:/CN=kube-apiserver:server admin:/O=system:masters/CN=calico-lab-admin:client; do
    name=\${cert%%:*}
    rest=\${cert#*:}
    subject=\${rest%:*}
    extensions=\${rest##*:}
    openssl req -new -config "$tmp/openssl.cnf" -key "$tmp/$name.key" -subj "$subject" -out "$tmp/$name.csr"
    openssl x509 -req -in "$tmp/$name.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAserial "$tmp/ca.srl" -CAcreateserial \\
      -days 3650 -sha256 -extfile "$tmp/openssl.cnf" -extensions "$extensions" -out "$tmp/$name.crt"
  done
  rm -f "$tmp"/*.csr "$tmp/ca.srl"
  printf '%s\\n' "$want" > "$tmp/.inputs"
  rm -rf "$pki"
  mv "$tmp" "$pki"
fi
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
