import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calicoctlApplyScript } from "../../core/node-scripts";
import { certificateFacts, opensslPkiScript, pemBlocks, subjectAltName } from "../../core/pki";
import { renderCalicoNodeEnv, renderCniConflist } from "../../core/render";
import { birdNodeRuntime, etcdDatastoreEnv, etcdEndpoint, etcdRuntime } from "../../core/scenarios/bird";
import {
  ETCD_CLIENT_FILES,
  etcdPkiScript,
  etcdServerSans,
  parseEtcdClientBundle,
  readEtcdCertificatesScript,
  readEtcdClientBundleScript,
  writeEtcdClientBundleScript,
} from "../../core/scenarios/etcd-tls";

const TLS = { days: 42, extraSans: ["etcd.lab.example", "10.99.0.4", "192.168.4.4"] };

describe("etcd over TLS: the certificates", () => {
  it("etcd's SANs: its lab address, 127.0.0.1, its hostname, etcd, localhost, then etcd.extraSans without repeats", () => {
    expect(etcdServerSans({ hostname: "Lab-Etcd", address: "192.168.4.4", extraSans: TLS.extraSans })).toEqual([
      "IP:192.168.4.4",
      "IP:127.0.0.1",
      "DNS:lab-etcd",
      "DNS:etcd",
      "DNS:localhost",
      "DNS:etcd.lab.example",
      "IP:10.99.0.4",
    ]);
    expect(() => etcdServerSans({ hostname: "e", address: "192.168.4.4; true", extraSans: [] })).toThrow("not an IPv4 address");
    expect(subjectAltName("10.0.0.1")).toBe("IP:10.0.0.1");
    expect(subjectAltName("etcd.example")).toBe("DNS:etcd.example");
    expect(() => subjectAltName("a b")).toThrow("neither an IPv4 address nor a DNS name");
  });

  it("is the exact script: the shared openssl PKI with etcd's serving certificate (server and client auth) and two client certificates", () => {
    expect(etcdPkiScript({ hostname: "lab-etcd", address: "192.168.4.4", tls: TLS })).toBe(`set -eu
pki=/etc/etcd/pki
want='days=42 server=server-and-client/CN=calico-lab-etcd[IP:192.168.4.4,IP:127.0.0.1,DNS:lab-etcd,DNS:etcd,DNS:localhost,DNS:etcd.lab.example,IP:10.99.0.4] etcdctl=client/CN=calico-lab-etcdctl calico=client/CN=calico-lab-calico ec-p256 v2'
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
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = IP:192.168.4.4,IP:127.0.0.1,DNS:lab-etcd,DNS:etcd,DNS:localhost,DNS:etcd.lab.example,IP:10.99.0.4
authorityKeyIdentifier = keyid
[etcdctl]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
[calico]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
CALICO_LAB_EOF
  for key in ca server etcdctl calico; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$key.key"
  done
  openssl req -x509 -new -config "$tmp/openssl.cnf" -extensions ca -key "$tmp/ca.key" -subj /CN=calico-lab-ca -days 42 -sha256 -out "$tmp/ca.crt"
  openssl req -new -config "$tmp/openssl.cnf" -key "$tmp/server.key" -subj '/CN=calico-lab-etcd' -out "$tmp/server.csr"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAserial "$tmp/ca.srl" -CAcreateserial \\
    -days 42 -sha256 -extfile "$tmp/openssl.cnf" -extensions server -out "$tmp/server.crt"
  openssl req -new -config "$tmp/openssl.cnf" -key "$tmp/etcdctl.key" -subj '/CN=calico-lab-etcdctl' -out "$tmp/etcdctl.csr"
  openssl x509 -req -in "$tmp/etcdctl.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAserial "$tmp/ca.srl" -CAcreateserial \\
    -days 42 -sha256 -extfile "$tmp/openssl.cnf" -extensions etcdctl -out "$tmp/etcdctl.crt"
  openssl req -new -config "$tmp/openssl.cnf" -key "$tmp/calico.key" -subj '/CN=calico-lab-calico' -out "$tmp/calico.csr"
  openssl x509 -req -in "$tmp/calico.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAserial "$tmp/ca.srl" -CAcreateserial \\
    -days 42 -sha256 -extfile "$tmp/openssl.cnf" -extensions calico -out "$tmp/calico.crt"
  rm -f "$tmp"/*.csr "$tmp/ca.srl"
  printf '%s\\n' "$want" > "$tmp/.inputs"
  rm -rf "$pki"
  mv "$tmp" "$pki"
fi
mkdir -p /etc/calico/etcd-tls
ln -sf /etc/etcd/pki/ca.crt /etc/calico/etcd-tls/ca.crt
ln -sf /etc/etcd/pki/calico.crt /etc/calico/etcd-tls/client.crt
ln -sf /etc/etcd/pki/calico.key /etc/calico/etcd-tls/client.key`);
  });

  it("refuses names, subjects and SANs that would break the script", () => {
    const spec = { dir: "/tmp/x", days: 1, certificates: [{ name: "server", subject: "/CN=x", usage: "server" as const }] };
    expect(() => opensslPkiScript({ ...spec, certificates: [{ ...spec.certificates[0]!, name: "req" }] })).toThrow("certificate name");
    expect(() => opensslPkiScript({ ...spec, certificates: [{ ...spec.certificates[0]!, subject: "/CN=it's" }] })).toThrow("subject");
    expect(() => opensslPkiScript({ ...spec, certificates: [{ ...spec.certificates[0]!, sans: ["DNS:a'b"] }] })).toThrow("subjectAltName");
    expect(() => opensslPkiScript({ ...spec, days: 0 })).toThrow("days");
    expect(() => opensslPkiScript({ ...spec, keyPairs: ["server"] })).toThrow("not unique");
  });

  it("made for real with this machine's openssl: SANs, usages and validity as asked, kept on a second run, facts read back", () => {
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-pki-"));
    try {
      const pki = `${dir}/pki`;
      const script = opensslPkiScript({
        dir: pki,
        days: 42,
        certificates: [
          { name: "server", subject: "/CN=calico-lab-etcd", usage: "server-and-client", sans: ["IP:192.168.4.4", "DNS:etcd"] },
          { name: "calico", subject: "/CN=calico-lab-calico", usage: "client" },
        ],
      });
      const first = spawnSync("sh", ["-c", `set -eu\n${script}`], { encoding: "utf8" });
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toBe("");
      const server = readFileSync(`${pki}/server.crt`, "utf8");
      const facts = certificateFacts(server);
      expect(facts.sans).toEqual(["IP:192.168.4.4", "DNS:etcd"]);
      expect(facts.subject).toBe("CN=calico-lab-etcd");
      expect(facts.issuer).toBe("CN=calico-lab-ca");
      const days = (Date.parse(facts.notAfter) - Date.parse(facts.notBefore)) / 86_400_000;
      expect(days).toBe(42);
      const usage = spawnSync("openssl", ["x509", "-in", `${pki}/server.crt`, "-noout", "-ext", "extendedKeyUsage"], { encoding: "utf8" });
      expect(usage.stdout).toContain("TLS Web Server Authentication, TLS Web Client Authentication");
      const client = spawnSync("openssl", ["verify", "-purpose", "sslclient", "-CAfile", `${pki}/ca.crt`, `${pki}/calico.crt`], {
        encoding: "utf8",
      });
      expect(client.stdout.trim()).toBe(`${pki}/calico.crt: OK`);
      // same inputs: kept, not made anew
      const second = spawnSync("sh", ["-c", `set -eu\n${script}`], { encoding: "utf8" });
      expect(second.status).toBe(0);
      expect(second.stderr).toBe("");
      expect(readFileSync(`${pki}/server.crt`, "utf8")).toBe(server);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the read-outs print certificates only, or the client bundle; the bundle is parsed and written with the key root's alone", () => {
    expect(readEtcdCertificatesScript()).toBe("cat /etc/etcd/pki/ca.crt /etc/etcd/pki/server.crt");
    expect(readEtcdClientBundleScript()).toBe("cat /etc/etcd/pki/ca.crt /etc/etcd/pki/calico.crt /etc/etcd/pki/calico.key");
    const pem = (type: string, body: string) => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
    const text = `${pem("CERTIFICATE", "Q0E=")}${pem("CERTIFICATE", "Q0VSVA==")}${pem("PRIVATE KEY", "S0VZ")}`;
    const bundle = parseEtcdClientBundle(text);
    expect(bundle).toEqual({ caCert: pem("CERTIFICATE", "Q0E="), cert: pem("CERTIFICATE", "Q0VSVA=="), key: pem("PRIVATE KEY", "S0VZ") });
    expect(pemBlocks(text).map((block) => block.type)).toEqual(["CERTIFICATE", "CERTIFICATE", "PRIVATE KEY"]);
    expect(() => parseEtcdClientBundle(pem("CERTIFICATE", "Q0E="))).toThrow("found CERTIFICATE");
    expect(writeEtcdClientBundleScript({ caCert: "CA\n", cert: "CERT\n", key: "KEY\n" })).toBe(`set -eu
mkdir -p /etc/calico/etcd-tls
umask 077
cat > /etc/calico/etcd-tls/client.key.new <<'CALICO_LAB_EOF'
KEY
CALICO_LAB_EOF
mv /etc/calico/etcd-tls/client.key.new /etc/calico/etcd-tls/client.key
umask 022
cat > /etc/calico/etcd-tls/ca.crt.new <<'CALICO_LAB_EOF'
CA
CALICO_LAB_EOF
mv /etc/calico/etcd-tls/ca.crt.new /etc/calico/etcd-tls/ca.crt
cat > /etc/calico/etcd-tls/client.crt.new <<'CALICO_LAB_EOF'
CERT
CALICO_LAB_EOF
mv /etc/calico/etcd-tls/client.crt.new /etc/calico/etcd-tls/client.crt`);
  });
});

describe("etcd over TLS: what runs in the nodes", () => {
  it("etcd makes its certificates, then serves https only and requires client certificates", () => {
    const runtime = etcdRuntime({ name: "lab-etcd", image: "etcd:x", address: "192.168.4.4", tls: TLS });
    expect(runtime.command).toEqual([
      "/bin/sh",
      "-c",
      `${etcdPkiScript({ hostname: "lab-etcd", address: "192.168.4.4", tls: TLS })}\nexec etcd "$@"`,
      "etcd",
      "--name=lab-etcd",
      "--data-dir=/var/lib/etcd/data",
      "--advertise-client-urls=https://192.168.4.4:2379",
      "--listen-client-urls=https://0.0.0.0:2379",
      "--cert-file=/etc/etcd/pki/server.crt",
      "--key-file=/etc/etcd/pki/server.key",
      "--client-cert-auth=true",
      "--trusted-ca-file=/etc/etcd/pki/ca.crt",
    ]);
    expect(runtime.env).toEqual([
      "ETCDCTL_API=3",
      "ETCDCTL_CACERT=/etc/etcd/pki/ca.crt",
      "ETCDCTL_CERT=/etc/etcd/pki/etcdctl.crt",
      "ETCDCTL_KEY=/etc/etcd/pki/etcdctl.key",
    ]);
    expect(runtime.readiness).toEqual({
      command: ["etcdctl", "--endpoints=https://127.0.0.1:2379", "endpoint", "health"],
      timeoutSeconds: 60,
    });
    expect(spawnSync("sh", ["-n", "-c", runtime.command[2]!]).status).toBe(0);
    // without TLS: as before
    expect(etcdRuntime({ name: "lab-etcd", image: "etcd:x", address: "192.168.4.4" }).command).toEqual([
      "etcd",
      "--name=lab-etcd",
      "--data-dir=/var/lib/etcd/data",
      "--advertise-client-urls=http://192.168.4.4:2379",
      "--listen-client-urls=http://0.0.0.0:2379",
    ]);
  });

  it("calico-node gets the files in its environment and starts once its key is written in", () => {
    const runtime = birdNodeRuntime({
      nodeName: "calico1",
      image: "node:x",
      address: "192.168.4.5",
      asNumber: 64512,
      etcdEndpoints: etcdEndpoint("192.168.4.4", true),
      logLevel: "info",
      tls: ETCD_CLIENT_FILES,
    });
    expect(runtime.env.slice(6, 11)).toEqual([
      "DATASTORE_TYPE=etcdv3",
      "ETCD_ENDPOINTS=https://192.168.4.4:2379",
      "ETCD_CA_CERT_FILE=/etc/calico/etcd-tls/ca.crt",
      "ETCD_CERT_FILE=/etc/calico/etcd-tls/client.crt",
      "ETCD_KEY_FILE=/etc/calico/etcd-tls/client.key",
    ]);
    expect(runtime.command).toEqual([
      "/bin/sh",
      "-c",
      'i=0; until [ -s /etc/calico/etcd-tls/client.key ]; do i=$((i + 1)); if [ "$i" -gt 600 ]; then echo "calico-lab: no etcd client key at /etc/calico/etcd-tls/client.key after 600s" >&2; exit 1; fi; sleep 1; done; exec start_runit',
    ]);
    // BIRD answering is waited for by the node's setup, after the key is written (see components/scenarios/bird.ts)
    expect(runtime.readiness).toEqual({ command: ["true"], timeoutSeconds: 30 });
    expect(
      renderCalicoNodeEnv({
        nodeName: "c",
        ip: "192.168.4.5",
        asNumber: 1,
        etcdEndpoints: "http://192.168.4.4:2379",
        logLevel: "info",
      }).some((line) => line.startsWith("ETCD_CA")),
    ).toBe(false);
  });

  it("calicoctl's environment carries the files", () => {
    const env = etcdDatastoreEnv("https://192.168.4.4:2379", ETCD_CLIENT_FILES);
    expect(calicoctlApplyScript(env, "kind: X\n")).toBe(
      "set -eu\nDATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=https://192.168.4.4:2379 ETCD_CA_CERT_FILE=/etc/calico/etcd-tls/ca.crt ETCD_CERT_FILE=/etc/calico/etcd-tls/client.crt ETCD_KEY_FILE=/etc/calico/etcd-tls/client.key calicoctl apply -f - <<'CALICO_LAB_EOF'\nkind: X\nCALICO_LAB_EOF",
    );
    expect(etcdDatastoreEnv("http://192.168.4.4:2379")).toEqual({ DATASTORE_TYPE: "etcdv3", ETCD_ENDPOINTS: "http://192.168.4.4:2379" });
  });

  it("the CNI conf names the files (etcd_ca_cert_file, etcd_cert_file, etcd_key_file)", () => {
    expect(
      renderCniConflist(
        { cniVersion: "0.3.1", networkName: "test-calico", mtu: 1500, logLevel: "info" },
        "https://192.168.4.4:2379",
        ETCD_CLIENT_FILES,
      ),
    ).toBe(`{
  "name": "test-calico",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "etcdv3",
      "etcd_endpoints": "https://192.168.4.4:2379",
      "etcd_ca_cert_file": "/etc/calico/etcd-tls/ca.crt",
      "etcd_cert_file": "/etc/calico/etcd-tls/client.crt",
      "etcd_key_file": "/etc/calico/etcd-tls/client.key",
      "mtu": 1500,
      "ipam": {
        "type": "calico-ipam"
      }
    }
  ]
}
`);
  });
});
