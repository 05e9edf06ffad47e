import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EtcdOutput } from "../../components/lab/outputs";
import { expectIpamClean, expectLiveLab, outputsOf, ping, type LabOutputs } from "./lab-expectations";
import { dockerExec, freeUnderlay, labDown, leftovers, missingPrerequisites, sh } from "./live";
import { labSuite } from "./suite";

const missing = missingPrerequisites();
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);

const DAYS = 42;
const EXTRA_SANS = ["etcd.lab.example", "10.99.0.4"];
const CLIENT = { ca: "/etc/calico/etcd-tls/ca.crt", cert: "/etc/calico/etcd-tls/client.crt", key: "/etc/calico/etcd-tls/client.key" };

type TlsOutputs = LabOutputs & { etcd: EtcdOutput };

/**
 * Runs a bash script in a container; the exit code and everything it said (never throws). Asynchronous:
 * a refused client can take its whole timeout, and a worker blocked that long loses vitest's RPC.
 */
function tryIn(container: string, script: string, env: Record<string, string> = {}): Promise<{ code: number | null; said: string }> {
  const envArgs = Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
  return new Promise((resolve) => {
    const child = spawn("docker", ["exec", ...envArgs, container, "bash", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
    let said = "";
    child.stdout.on("data", (chunk: Buffer) => (said += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (said += chunk.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, said });
    });
  });
}

/** etcd's log lines about refused connections from one address, since a moment. */
function refusals(etcd: string, from: string, since: string): string[] {
  const logs = spawnSync("docker", ["logs", "--since", since, etcd], { encoding: "utf8" });
  return `${logs.stdout}${logs.stderr}`.split("\n").filter((line) => line.includes(`rejected connection from "${from}:`));
}

describe.sequential("bird lab with etcd over TLS: client certificates required, keys only as secrets", () => {
  const stackName = `e2e-tls-${Date.now().toString(36)}`;
  const said: string[] = [];
  const lab = labSuite(stackName, () => ({
    imageMode: "offline",
    underlay: { cidr: freeUnderlay(), internal: true },
    calico: { nodes: 2 },
    etcd: { tls: true, certValidityDays: DAYS, extraSans: EXTRA_SANS },
  }));
  let outputs: TlsOutputs;

  it("up: an https endpoint, sessions Established from both ends, workloads plumbed", async () => {
    const started = Date.now();
    outputs = outputsOf(await lab.stack.up({ onOutput: (text) => said.push(text) })) as TlsOutputs;
    console.log(`etcd-tls e2e: up took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(outputs.etcd.endpoints).toEqual([`https://${outputs.etcd.address}:2379`]);
    expectLiveLab(outputs, [["calico1", "calico2"]]);
  });

  it("a workload on one node reaches a workload on the other", () => {
    const [a, b] = outputs.nodes;
    expect(ping(a!, b!)).toMatch(/3 received/);
  });

  it("every Calico node uses the client certificate: calico-node's environment, calicoctl, the CNI conf", async () => {
    for (const node of outputs.nodes) {
      const env = sh(["docker", "inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", node.container]).split("\n");
      expect(env).toEqual(
        expect.arrayContaining([
          `ETCD_ENDPOINTS=${outputs.etcd.endpoints[0]}`,
          `ETCD_CA_CERT_FILE=${CLIENT.ca}`,
          `ETCD_CERT_FILE=${CLIENT.cert}`,
          `ETCD_KEY_FILE=${CLIENT.key}`,
        ]),
      );
      expect(dockerExec(node.container, "stat", "-c", "%a %U", CLIENT.key).trim(), `${node.name}'s key is root's alone`).toBe("600 root");
      const conf = JSON.parse(dockerExec(node.container, "cat", outputs.cniConfig.path)) as { plugins: Array<Record<string, unknown>> };
      expect(conf.plugins[0]).toMatchObject({
        etcd_endpoints: outputs.etcd.endpoints[0],
        etcd_ca_cert_file: CLIENT.ca,
        etcd_cert_file: CLIENT.cert,
        etcd_key_file: CLIENT.key,
      });
      // calicoctl as the lab runs it (the scenario's datastore environment)
      const nodes = await tryIn(node.container, "timeout 60 calicoctl get nodes", {
        DATASTORE_TYPE: "etcdv3",
        ETCD_ENDPOINTS: outputs.etcd.endpoints[0]!,
        ETCD_CA_CERT_FILE: CLIENT.ca,
        ETCD_CERT_FILE: CLIENT.cert,
        ETCD_KEY_FILE: CLIENT.key,
      });
      expect(nodes.code, nodes.said).toBe(0);
      expect(
        nodes.said
          .trim()
          .split("\n")
          .slice(1)
          .map((line) => line.trim())
          .sort(),
        nodes.said,
      ).toEqual(["calico1", "calico2"]);
    }
    expectIpamClean(outputs);
  });

  it("etcd refuses a plain-HTTP client and a client without a certificate", async () => {
    const node = outputs.nodes[0]!;
    const etcd = outputs.etcd.container;
    const since = new Date(Date.now() - 1000).toISOString();
    // plain HTTP from a Calico node, across the lab network (bash's /dev/tcp: the node image has no curl). etcd
    // resets the connection as soon as the first bytes are not TLS: a write after that must not be able to kill
    // bash with SIGPIPE (the likeliest reading of two instant failures with no output, both beside another suite on
    // a busy machine), so PIPE is ignored and "connected" follows the connect itself.
    const plain = await tryIn(
      node.container,
      `trap '' PIPE; exec 3<>/dev/tcp/${outputs.etcd.address}/2379 || exit 1; echo connected; printf 'GET /version HTTP/1.1\\r\\nHost: etcd\\r\\nConnection: close\\r\\n\\r\\n' >&3; timeout 10 cat <&3; true`,
    );
    expect(plain.said, `the TCP connection to etcd was made (the exec's exit: ${plain.code})`).toContain("connected");
    expect(plain.said, "no version answered over plain HTTP").not.toMatch(/etcdserver/);
    const plainRefused = refusals(etcd, node.underlayIp, since);
    expect(
      plainRefused.some((line) => line.includes("first record does not look like a TLS handshake")),
      `etcd refused the plain request: ${plainRefused.join("\n")}`,
    ).toBe(true);
    // calicoctl over plain HTTP, and over TLS without a client certificate, side by side: each retries until its
    // timeout, and etcd logs a refusal of each kind, in words of its own, at the first attempt.
    const [overHttp, noCert] = await Promise.all([
      tryIn(node.container, "timeout 8 calicoctl get nodes", {
        DATASTORE_TYPE: "etcdv3",
        ETCD_ENDPOINTS: `http://${outputs.etcd.address}:2379`,
      }),
      // (the container's own environment carries ETCD_CERT_FILE and ETCD_KEY_FILE: drop them)
      tryIn(node.container, "env -u ETCD_CERT_FILE -u ETCD_KEY_FILE timeout 8 calicoctl get nodes", {
        DATASTORE_TYPE: "etcdv3",
        ETCD_ENDPOINTS: outputs.etcd.endpoints[0]!,
        ETCD_CA_CERT_FILE: CLIENT.ca,
      }),
    ]);
    expect(overHttp.code, overHttp.said).not.toBe(0);
    expect(noCert.code, noCert.said).not.toBe(0);
    // etcd itself says why it refused the certificate-less client
    const refused = refusals(etcd, node.underlayIp, since);
    expect(
      refused.some((line) => line.includes("didn't provide a certificate")),
      refused.join("\n"),
    ).toBe(true);
    // etcdctl in the etcd node without its certificate is refused too; with it, healthy
    const bare = await tryIn(
      etcd,
      `env -u ETCDCTL_CERT -u ETCDCTL_KEY timeout 20 etcdctl --command-timeout=5s --endpoints=${outputs.etcd.endpoints[0]} endpoint health`,
    );
    expect(bare.code, bare.said).not.toBe(0);
    const healthy = await tryIn(etcd, `etcdctl --endpoints=${outputs.etcd.endpoints[0]} endpoint health`);
    expect(healthy.code, healthy.said).toBe(0);
  });

  it("the certificates' SANs and expiry are what the settings say, and the outputs report them", () => {
    const etcd = outputs.etcd.container;
    const sans = [
      `IP:${outputs.etcd.address}`,
      "IP:127.0.0.1",
      `DNS:${etcd}`,
      "DNS:etcd",
      "DNS:localhost",
      "DNS:etcd.lab.example",
      "IP:10.99.0.4",
    ];
    const text = dockerExec(etcd, "openssl", "x509", "-in", "/etc/etcd/pki/server.crt", "-noout", "-ext", "subjectAltName", "-enddate");
    const live = (text.split("\n")[1] ?? "")
      .trim()
      .split(", ")
      .map((entry) => entry.replace(/^IP Address:/, "IP:"));
    expect(live).toEqual(sans);
    const notAfter = new Date(/notAfter=(.*)/.exec(text)?.[1] ?? "");
    const days = (notAfter.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(DAYS - 1);
    expect(days).toBeLessThanOrEqual(DAYS);
    const tls = outputs.etcd.tls!;
    expect(tls.server.sans).toEqual(sans);
    expect(tls.server.notAfter).toBe(notAfter.toISOString());
    expect(tls.clientFiles).toEqual({ caCertFile: CLIENT.ca, certFile: CLIENT.cert, keyFile: CLIENT.key });
    expect(tls.caCert).toBe(dockerExec(etcd, "cat", "/etc/etcd/pki/ca.crt"));
    // each node's client certificate is signed by that CA, for client authentication
    for (const node of outputs.nodes) {
      const cert = dockerExec(node.container, "cat", CLIENT.cert);
      const verified = spawnSync(
        "docker",
        ["exec", "-i", etcd, "openssl", "verify", "-purpose", "sslclient", "-CAfile", "/etc/etcd/pki/ca.crt"],
        {
          input: cert,
          encoding: "utf8",
        },
      );
      expect(verified.stdout.trim(), verified.stderr).toBe("stdin: OK");
    }
  });

  it("no private key in plain text in the state file, the outputs or what up printed", () => {
    // The state as the file backend keeps it on disk (the Automation API's exportStack shows secrets decrypted).
    const file = join(lab.backend, ".pulumi", "stacks", "calico-lab", `${stackName}.json`);
    const raw = readFileSync(file, "utf8");
    expect(raw).not.toMatch(/PRIVATE KEY/);
    const state = JSON.parse(raw) as { checkpoint: { latest: { resources: Array<{ urn: string; outputs?: Record<string, unknown> }> } } };
    const bundle = state.checkpoint.latest.resources.find((r) => r.urn.endsWith("-etcd-client-bundle"));
    expect(bundle, "the client bundle step is in the state").toBeDefined();
    // ...and the bundle is really there, encrypted
    expect(JSON.stringify(bundle?.outputs?.stdout)).toContain("4dabf18193072939515e22adb298388d");
    expect(JSON.stringify(outputs)).not.toMatch(/PRIVATE KEY/);
    expect(outputs.etcd.tls?.caCert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(said.join("")).not.toMatch(/PRIVATE KEY/);
  });

  it("a second up changes nothing", async () => {
    const changes = (await lab.stack.up({ onOutput: () => undefined })).summary.resourceChanges ?? {};
    expect(Object.entries(changes).filter(([op, n]) => op !== "same" && n > 0)).toEqual([]);
  });

  it("destroy leaves nothing of the stack behind", async () => {
    await labDown(lab.stack);
    expect(leftovers(stackName)).toEqual([]);
  });
});
