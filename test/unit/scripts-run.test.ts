import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import {
  calicoctlApplyScript,
  calicoctlDeleteScript,
  calicoNodeRegisteredScript,
  calicoNodeRemoveScript,
  writeFileScript,
} from "../../core/node-scripts";
import { etcdDatastoreEnv } from "../../core/scenarios/bird";
import type { ToolSource } from "../../core/config/types";
import { toolCacheDir, toolFetchScript, toolInstallScript, type ToolName } from "../../core/tools";
import { dockerShell } from "../../core/transports/docker";

/** A folder holding a stand-in `docker` with this bash body ($LOG names the file it may write); removed after the file's tests. */
function fakeDocker(body: (log: string) => string): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-scripts-"));
  const log = join(dir, "log");
  writeFileSync(join(dir, "docker"), `#!/bin/bash\n${body(log)}`);
  chmodSync(join(dir, "docker"), 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, log };
}

/** Runs a generated script under bash with the stand-in first on PATH; returns what it did and what the stand-in logged. */
function runUnder(fake: { dir: string; log: string }, script: string, env: Record<string, string>) {
  rmSync(fake.log, { force: true });
  const result = spawnSync("/bin/bash", ["-c", script], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${fake.dir}:${process.env.PATH ?? ""}`, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, logged: readFileSync(fake.log, "utf8") };
}

// The scripts run under bash against a stand-in `docker` that records its argv and stdin and exits with
// $FAKE_DOCKER_EXIT: this checks our quoting and here-documents, not Docker.
const recorder = fakeDocker((log) => `{ echo "argv: $*"; echo "stdin:"; cat; } > ${log}\nexit "\${FAKE_DOCKER_EXIT:-0}"\n`);

function runScript(script: string, dockerExit = 0) {
  const result = runUnder(recorder, script, { FAKE_DOCKER_EXIT: String(dockerExit) });
  return { code: result.code, stderr: result.stderr, recorded: result.logged };
}

const yaml = "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: my.ippool-1\n";

const c1 = dockerShell("c1");
const etcd = etcdDatastoreEnv("http://192.168.4.4:2379");
const wrapped = (script: string) => `argv: exec -i c1 sh -s\nstdin:\n${script}\n`;

describe("generated scripts under bash, through the docker transport", () => {
  it("calicoctl apply: the node script arrives whole on the node's stdin, and a failure fails the step", () => {
    const script = calicoctlApplyScript(etcd, yaml);
    const ok = runScript(c1.run(script));
    expect(ok.code).toBe(0);
    expect(ok.recorded).toBe(wrapped(script));
    expect(script).toBe(
      `set -eu\nDATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=http://192.168.4.4:2379 calicoctl apply -f - <<'CALICO_LAB_EOF'\n${yaml}CALICO_LAB_EOF`,
    );
    expect(runScript(c1.run(script), 1).code).toBe(1);
  });

  it("calicoctl delete, when the node is gone, warns and succeeds", () => {
    const script = calicoctlDeleteScript(etcd, yaml);
    const gone = runScript(c1.run(script, { tolerate: "calicoctl delete" }), 1);
    expect(gone.code).toBe(0);
    expect(gone.stderr).toBe("calico-lab: calicoctl delete failed; the node may already be gone\n");
    expect(gone.recorded).toBe(wrapped(script));
  });

  it("a Calico node's registration: looked up on create, deleted (with what the datastore keeps for it) on delete", () => {
    const env = "DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=http://192.168.4.4:2379";
    expect(calicoNodeRegisteredScript(etcd, "calico3")).toBe(`set -eu\nregistered=$(${env} calicoctl get node calico3)`);
    const remove = calicoNodeRemoveScript(etcd, "calico3");
    expect(remove).toBe(`${env} calicoctl delete node calico3 --skip-not-exists`);
    expect(runScript(c1.run(remove)).recorded).toBe(wrapped(remove));
    expect(runScript(c1.run(calicoNodeRegisteredScript(etcd, "calico3")), 1).code).toBe(1);
  });

  it("writes a file's exact content into the node", () => {
    const conflist = '{\n  "name": "k8s-pod-network"\n}\n';
    const script = writeFileScript("/etc/cni/net.d/10-calico.conflist", conflist);
    expect(script).toBe(
      `set -eu\nmkdir -p /etc/cni/net.d\ncat > /etc/cni/net.d/10-calico.conflist <<'CALICO_LAB_EOF'\n${conflist}CALICO_LAB_EOF`,
    );
    const written = runScript(c1.run(script));
    expect(written.code).toBe(0);
    expect(written.recorded).toBe(wrapped(script));
  });

  it("node scripts run under sh and do what they say (a file written where the script says)", () => {
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-node-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const result = spawnSync("sh", ["-c", writeFileScript(`${dir}/a/b.conf`, "x: 1\n")], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(readFileSync(`${dir}/a/b.conf`, "utf8")).toBe("x: 1\n");
  });
});

describe("tool install under bash", () => {
  // This stand-in logs every call; the quiet pre-check (its output sent to /dev/null) names cnitool as missing unless
  // FAKE_TOOLS_PRESENT=1.
  const logger = fakeDocker(
    (log) =>
      `echo "$*" >> ${log}\ninput=$(cat)\ncase "$input" in *"fi >/dev/null 2>&1"*) [ "$FAKE_TOOLS_PRESENT" = 1 ] || echo cnitool;; *) exit 0;; esac\n`,
  );
  const cache = join(logger.dir, "cnitool");
  mkdirSync(cache);
  writeFileSync(join(cache, "SHA256SUMS"), "0123  cnitool\n");

  function install(present: boolean) {
    const result = runUnder(logger, toolInstallScript(dockerShell("n1"), [{ name: "cnitool", cacheDir: cache, sums: "0123  cnitool\n" }]), {
      FAKE_TOOLS_PRESENT: present ? "1" : "0",
    });
    return { code: result.code, stdout: result.stdout, calls: result.logged.trim().split("\n") };
  }

  it("leaves verified files the node already holds, copying nothing", () => {
    const run = install(true);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("cnitool: already in the node, verified\n");
    expect(run.calls).toEqual(["exec -i n1 sh -s"]);
  });

  it("copies the files in when they are missing or differ, then verifies them", () => {
    const run = install(false);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("cnitool: copied into the node, verified\n");
    expect(run.calls.slice(1)).toEqual(["exec n1 mkdir -p /usr/local/bin", `cp ${cache}/files/. n1:/usr/local/bin/`, "exec -i n1 sh -s"]);
  });
});

describe("tool fetch under bash, from a release laid out as files (file:// URLs, no network)", () => {
  const release = mkdtempSync(join(tmpdir(), "calico-lab-release-"));
  afterAll(() => rmSync(release, { recursive: true, force: true }));
  const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
  const good = "calicoctl, the real one\n";
  writeFileSync(join(release, "calicoctl-linux-amd64"), good);
  writeFileSync(join(release, "tampered-calicoctl-linux-amd64"), `${good}and something else\n`);
  // Calico's SHA256SUMS lists every file of the release, `sha256sum` style.
  writeFileSync(join(release, "SHA256SUMS"), `${sha("x")}  calicoctl-darwin-amd64\n${sha(good)}  calicoctl-linux-amd64\n`);
  const plugins = join(release, "plugins");
  mkdirSync(plugins);
  writeFileSync(join(plugins, "bridge"), "bridge plugin\n");
  writeFileSync(join(plugins, "loopback"), "loopback plugin\n");
  spawnSync("tar", ["-C", plugins, "-czf", join(release, "cni-plugins-linux-amd64-v1.7.1.tgz"), "."]);
  const tgz = readFileSync(join(release, "cni-plugins-linux-amd64-v1.7.1.tgz"));
  writeFileSync(join(release, "cni-plugins-linux-amd64-v1.7.1.tgz.sha256"), `${sha(tgz)}  cni-plugins-linux-amd64-v1.7.1.tgz\n`);
  const at = (file: string) => `file://${release}/${file}`;

  function fetch(source: ToolSource, name: ToolName = "calicoctl") {
    // Called inside a test, so its folder goes when that test ends (an afterAll registered here never ran).
    const cache = mkdtempSync(join(tmpdir(), "calico-lab-tools-"));
    onTestFinished(() => rmSync(cache, { recursive: true, force: true }));
    const result = spawnSync("/bin/bash", ["-c", toolFetchScript(name, source, cache, "/none")], { encoding: "utf8" });
    const dir = toolCacheDir(cache, name, source);
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, dir, cached: existsSync(dir) };
  }

  it("takes a file whose sha256 the checksum file lists, and records the sums the nodes check again", () => {
    const run = fetch({ kind: "url", url: at("calicoctl-linux-amd64"), checksumUrl: at("SHA256SUMS") });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${sha(good)}  calicoctl\n`);
    expect(readFileSync(join(run.dir, "files", "calicoctl"), "utf8")).toBe(good);
  });

  it("refuses a file whose bytes differ from the checksum file, naming the file, the expected and the actual digest; caches nothing", () => {
    // The mirror serves a different calicoctl under the official name.
    const tampered = join(release, "t");
    mkdirSync(tampered, { recursive: true });
    writeFileSync(join(tampered, "calicoctl-linux-amd64"), readFileSync(join(release, "tampered-calicoctl-linux-amd64")));
    const url = `file://${tampered}/calicoctl-linux-amd64`;
    const run = fetch({ kind: "url", url, checksumUrl: at("SHA256SUMS") });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `tool calicoctl: refusing calicoctl-linux-amd64 from ${url}: its sha256 is ${sha(`${good}and something else\n`)}, but ${at("SHA256SUMS")} says ${sha(good)}\n`,
    );
    expect(run.stdout).toBe("");
    expect(run.cached).toBe(false);
  });

  it("takes a pinned sha256 over the checksum file, without reading it; a wrong pin is refused, naming the pin", () => {
    const pinned = fetch({
      kind: "url",
      url: at("tampered-calicoctl-linux-amd64"),
      sha256: sha(`${good}and something else\n`),
      checksumUrl: at("absent"),
    });
    expect(pinned.stderr).toBe("");
    expect(pinned.code).toBe(0);
    const wrong = fetch({ kind: "url", url: at("calicoctl-linux-amd64"), sha256: "b".repeat(64), checksumUrl: at("SHA256SUMS") });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(
      `tool calicoctl: refusing calicoctl-linux-amd64 from ${at("calicoctl-linux-amd64")}: its sha256 is ${sha(good)}, but the sha256 pinned in the calicoctl tool source says ${"b".repeat(64)}\n`,
    );
  });

  it("unpacks a verified archive (the CNI plugins and their .sha256)", () => {
    const tgzName = "cni-plugins-linux-amd64-v1.7.1.tgz";
    const run = fetch({ kind: "url", url: at(tgzName), checksumUrl: at(`${tgzName}.sha256`), archive: true }, "cniPlugins");
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(`${sha("bridge plugin\n")}  bridge\n${sha("loopback plugin\n")}  loopback\n`);
  });

  it("says which file the checksum file does not list, and which download failed", () => {
    const unlisted = fetch({ kind: "url", url: at("tampered-calicoctl-linux-amd64"), checksumUrl: at("SHA256SUMS") });
    expect(unlisted.code).toBe(1);
    expect(unlisted.stderr).toBe(
      `tool calicoctl: the checksum file ${at("SHA256SUMS")} lists no sha256 for tampered-calicoctl-linux-amd64\n`,
    );
    const missing = fetch({ kind: "url", url: at("calicoctl-linux-amd64"), checksumUrl: at("absent") });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(new RegExp(`tool calicoctl: cannot download the checksum file ${at("absent")}\\n$`));
  });
});

describe("waiting in a node", () => {
  it("returns once the command succeeds, and fails naming what it waited for", async () => {
    const { waitUntilScript } = await import("../../core/node-scripts");
    const ok = spawnSync("sh", ["-c", waitUntilScript(["true"], 2, "x")], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    const late = spawnSync("sh", ["-c", waitUntilScript(["false"], 1, "BIRD answering")], { encoding: "utf8" });
    expect([late.status, late.stderr]).toEqual([1, "calico-lab: BIRD answering not within 1s\n"]);
  });
});

describe("settings' values reach host bash as data, never as code", () => {
  it("a tool copied out of an image: its image and path settings, with $(...) and quotes in them, run nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-quoting-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    // A stand-in engine: the image is there, `create` prints an id, `cp` records its arguments and fails.
    writeFileSync(
      join(bin, "docker"),
      `#!/bin/sh\ncase "$1" in create) echo cid1 ;; cp) printf '%s\\n' "$2" > ${dir}/cp-source; exit 1 ;; esac\nexit 0\n`,
    );
    chmodSync(join(bin, "docker"), 0o755);
    const marker = join(dir, "marker");
    const payload = `$(touch ${marker})"$(touch ${marker})"\`touch ${marker}\``;
    const source: ToolSource = { kind: "image", image: `calico/cni:v1${payload}`, path: `/opt/cni/bin/calico${payload}` };
    const result = spawnSync("/bin/bash", ["-c", toolFetchScript("calico", source, join(dir, "cache"), "/none")], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
    });
    expect(result.status).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(join(dir, "cp-source"), "utf8")).toBe(`cid1:/opt/cni/bin/calico${payload}\n`);
  });
});
