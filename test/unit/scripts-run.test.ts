import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { calicoctlApplyScript, calicoctlDeleteScript, writeFileScript } from "../../core/node-scripts";
import { etcdDatastoreEnv } from "../../core/scenarios/bird";
import { toolInstallScript } from "../../core/tools";
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
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const result = spawnSync("sh", ["-c", writeFileScript(`${dir}/a/b.conf`, "x: 1\n")], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(readFileSync(`${dir}/a/b.conf`, "utf8")).toBe("x: 1\n");
  });
});

describe("tool install under bash", () => {
  // This stand-in logs every call; the quiet pre-check names cnitool as missing unless FAKE_TOOLS_PRESENT=1.
  const logger = fakeDocker(
    (log) =>
      `echo "$*" >> ${log}\ninput=$(cat)\ncase "$input" in *"/dev/null"*) [ "$FAKE_TOOLS_PRESENT" = 1 ] || echo cnitool;; *) exit 0;; esac\n`,
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
