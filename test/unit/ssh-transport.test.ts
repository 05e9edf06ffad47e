import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SshTarget, delimiterFor, sshCopyDirScript, sshRunScript, sshWaitScript } from "../../core/transports/ssh";

// The generated scripts run under bash against stand-ins first on PATH: an `ssh` that records its argv
// and its stdin and exits with $FAKE_SSH_EXIT (its stdin goes through `tar -t` when it is a tar stream),
// and an `ip` that records `netns exec NS` and runs the rest. This checks our quoting, here-documents
// and pipes, not OpenSSH.
const dir = mkdtempSync(join(tmpdir(), "calico-lab-ssh-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, "bin");
const log = join(dir, "log");
const cache = join(dir, "cache");
mkdirSync(bin);
writeFileSync(
  join(bin, "ssh"),
  `#!/bin/bash
{ echo "ssh argv: $*"; echo "stdin:"; } >> ${log}
cat > ${log}.stdin
if tar -tf ${log}.stdin >/dev/null 2>&1; then tar -tvf ${log}.stdin | awk '{print $1, $6}' | sort >> ${log}; else cat ${log}.stdin >> ${log}; fi
n=$(cat ${log}.count 2>/dev/null || echo 0); echo $((n + 1)) > ${log}.count
[ -n "$FAKE_SSH_OK_AFTER" ] && { [ "$n" -ge "$FAKE_SSH_OK_AFTER" ] && exit 0 || exit 255; }
exit "\${FAKE_SSH_EXIT:-0}"
`,
);
writeFileSync(join(bin, "ip"), `#!/bin/bash\necho "ip argv: $1 $2 $3" >> ${log}\nshift 3\nexec "$@"\n`);
chmodSync(join(bin, "ssh"), 0o755);
chmodSync(join(bin, "ip"), 0o755);

function run(script: string, env: Record<string, string> = {}) {
  for (const f of [log, `${log}.stdin`, `${log}.count`]) rmSync(f, { force: true });
  const result = spawnSync("/bin/bash", ["-c", script], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, CALICO_LAB_CACHE: cache, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, logged: existsSync(log) ? readFileSync(log, "utf8") : "" };
}

const vm: SshTarget = {
  lab: "lab1",
  host: "calico1",
  address: "192.168.4.5",
  user: "root",
  port: 22,
  keyPath: "/keys/lab 1/id_ed25519",
  netns: "calicolab-lab1",
};
const host: SshTarget = { lab: "lab1", host: "h2", address: "10.0.0.7", user: "ubuntu", port: 2222, keyPath: "/k", connectTimeout: 3 };

const nodeScript = "set -e\nmkdir -p /etc/cni/net.d\ncat > /etc/cni/net.d/x <<'EOF'\n$HOME stays $HOME\nEOF\necho done\n";
const sshLine =
  "ip netns exec calicolab-lab1 ssh -i '/keys/lab 1/id_ed25519' -p 22 -o BatchMode=yes -o \"UserKnownHostsFile=$known_hosts\" " +
  "-o StrictHostKeyChecking=no -o IdentitiesOnly=yes -o ConnectTimeout=10 -o LogLevel=ERROR root@192.168.4.5";
const prologue =
  'set -euo pipefail\nknown_hosts="${CALICO_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}/ssh/lab1/known_hosts"\n' +
  'mkdir -p "$(dirname "$known_hosts")"\n';
const recordedOpts = (kh: string) =>
  `-o BatchMode=yes -o UserKnownHostsFile=${kh} -o StrictHostKeyChecking=no -o IdentitiesOnly=yes -o ConnectTimeout=10 -o LogLevel=ERROR`;

describe("ssh transport: run a node-side script", () => {
  it("is exactly this host-side script", () => {
    const script = sshRunScript(vm, nodeScript);
    const delimiter = /<<'(CALICO_LAB_SSH_[0-9a-f]{16})'/.exec(script)?.[1];
    expect(delimiter).toBeDefined();
    expect(script).toBe(`${prologue}${sshLine} sh -s <<'${delimiter}'\n${nodeScript}${delimiter}\n`);
  });

  it("runs inside the lab's namespace, feeds the script whole and unexpanded to sh -s, and makes the lab's known_hosts folder", () => {
    const result = run(sshRunScript(vm, nodeScript));
    expect(result.code).toBe(0);
    expect(result.logged).toBe(
      `ip argv: netns exec calicolab-lab1\n` +
        `ssh argv: -i /keys/lab 1/id_ed25519 -p 22 ${recordedOpts(`${cache}/ssh/lab1/known_hosts`)} root@192.168.4.5 sh -s\n` +
        `stdin:\n${nodeScript}`,
    );
    expect(existsSync(join(cache, "ssh", "lab1"))).toBe(true);
  });

  it("passes the node script's exit status through", () => {
    expect(run(sshRunScript(vm, "exit 3"), { FAKE_SSH_EXIT: "3" }).code).toBe(3);
    expect(run(sshRunScript(vm, "true"), { FAKE_SSH_EXIT: "255" }).code).toBe(255);
  });

  it("without a namespace: the client directly, an explicit known_hosts file, port, user and timeout", () => {
    const result = run(sshRunScript({ ...host, knownHostsFile: join(dir, "kh dir", "known_hosts") }, "uname -r"));
    expect(result.code).toBe(0);
    expect(result.logged).toBe(
      `ssh argv: -i /k -p 2222 -o BatchMode=yes -o UserKnownHostsFile=${dir}/kh dir/known_hosts -o StrictHostKeyChecking=no ` +
        `-o IdentitiesOnly=yes -o ConnectTimeout=3 -o LogLevel=ERROR ubuntu@10.0.0.7 sh -s\nstdin:\nuname -r\n`,
    );
    expect(existsSync(join(dir, "kh dir"))).toBe(true);
  });

  it("picks a delimiter that no line of the script equals", () => {
    const text = "echo a\n";
    const base = delimiterFor(text);
    expect(base).toMatch(/^CALICO_LAB_SSH_[0-9a-f]{16}$/);
    expect(delimiterFor(text, [base])).toBe(`${base}_1`);
    expect(delimiterFor(text, [base, `${base}_1`])).toBe(`${base}_2`);
    // A script that holds other scripts' delimiters still arrives whole.
    const nested = `cat <<'X'\n${base}\n${sshRunScript(vm, text)}X\n`;
    expect(run(sshRunScript(vm, nested)).logged.endsWith(`stdin:\n${nested}`)).toBe(true);
  });

  it("refuses targets whose fields would need quoting in a command line", () => {
    expect(() => sshRunScript({ ...vm, lab: "a b" }, "true")).toThrow(/lab name "a b"/);
    expect(() => sshRunScript({ ...vm, port: 0 }, "true")).toThrow(/port 0/);
    expect(() => sshRunScript({ ...vm, address: "x;rm" }, "true")).toThrow(/address/);
  });
});

describe("ssh transport: copy a directory in", () => {
  const src = join(dir, "src dir");
  mkdirSync(join(src, "sub"), { recursive: true });
  writeFileSync(join(src, "calicoctl"), "bin");
  chmodSync(join(src, "calicoctl"), 0o755);
  writeFileSync(join(src, ".hidden"), "h");
  writeFileSync(join(src, "sub", "conf"), "c");
  chmodSync(join(src, "sub", "conf"), 0o600);

  it("is exactly this host-side script", () => {
    expect(sshCopyDirScript(vm, src, "/opt/cni/bin")).toBe(
      `${prologue}tar -C '${src}' -cf - . | ${sshLine} 'mkdir -p /opt/cni/bin && tar --no-same-owner --no-overwrite-dir -C /opt/cni/bin -xf -'\n`,
    );
  });

  it("streams every file (dotfiles and folders too, with their modes) to a tar on the node", () => {
    const result = run(sshCopyDirScript(vm, src, "/usr/local/lib/calico lab"));
    expect(result.code).toBe(0);
    expect(result.logged).toBe(
      `ip argv: netns exec calicolab-lab1\n` +
        `ssh argv: -i /keys/lab 1/id_ed25519 -p 22 ${recordedOpts(`${cache}/ssh/lab1/known_hosts`)} root@192.168.4.5 ` +
        `mkdir -p '/usr/local/lib/calico lab' && tar --no-same-owner --no-overwrite-dir -C '/usr/local/lib/calico lab' -xf -\n` +
        `stdin:\n` +
        ["-rw-r--r-- ./.hidden", "-rwxr-xr-x ./calicoctl", "-rw------- ./sub/conf", "drwxr-xr-x ./sub/", `d${modeOf(src)} ./`]
          .sort()
          .join("\n") +
        "\n",
    );
  });

  it("fails when the copy fails on either side", () => {
    expect(run(sshCopyDirScript(vm, src, "/x"), { FAKE_SSH_EXIT: "2" }).code).toBe(2);
    expect(run(sshCopyDirScript(vm, join(dir, "missing"), "/x")).code).not.toBe(0);
  });
});

describe("ssh transport: wait for a login", () => {
  it("retries until ssh succeeds", () => {
    const result = run(sshWaitScript(host, 20, 0), { FAKE_SSH_OK_AFTER: "2" });
    expect(result.code).toBe(0);
    expect(readFileSync(`${log}.count`, "utf8").trim()).toBe("3");
    expect(result.logged.split("\n")[0]).toBe(
      "ssh argv: -i /k -p 2222 -o BatchMode=yes -o UserKnownHostsFile=" +
        `${cache}/ssh/lab1/known_hosts -o StrictHostKeyChecking=no -o IdentitiesOnly=yes -o ConnectTimeout=3 -o LogLevel=ERROR ubuntu@10.0.0.7 true`,
    );
  });

  it("gives up after the timeout, naming the host", () => {
    const result = run(sshWaitScript(host, 0, 0), { FAKE_SSH_EXIT: "255" });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("calico-lab: h2 (10.0.0.7) answered no SSH login within 0s\n");
  });
});

function modeOf(path: string): string {
  const out = spawnSync("stat", ["-c", "%A", path], { encoding: "utf8" }).stdout.trim();
  return out.slice(1);
}
