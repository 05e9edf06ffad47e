import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { workloadAddScript, writeFileScript } from "../../core/node-scripts";
import { birdNodeRuntime, etcdRuntime } from "../../core/scenarios/bird";
import { hostCheckScript, sshHostTarget } from "../../core/substrates/ssh/hosts";
import { hostStateRestoreScript, hostStateRunScript, hostStateSaveScript } from "../../core/substrates/ssh/host-state";
import {
  hostNetworkRunArgv,
  imageSyncScript,
  machineNodeShell,
  runtimeCreateScript,
  runtimeDeleteScript,
  runtimeRunScript,
} from "../../core/substrates/ssh/runner";
import {
  networkDownScript,
  networkUpScript,
  vmLabName,
  vmSshTarget,
  vmAliveScript,
  acceleratorOf,
  vmStartScript,
  vmStopScript,
  vmForward,
  forwardStartScript,
  forwardReadScript,
  forwardStopScript,
} from "../../core/substrates/qemu/scripts";
import { toolInstallScript } from "../../core/tools";
import { controlPathFor, type SshTarget } from "../../core/transports/ssh";

// The runner's scripts run under bash against loopback stand-ins first on PATH: an `ssh` that records
// its argv and runs the remote command here (`sh -c`, its stdin passed through, as sshd would), and a
// `docker` that records its argv and acts on a folder standing for the container ($ROOT): `exec -i C sh
// -s` runs the script with `sh -s` in it, `exec C mkdir`/`cp SRC C:DST` copy into it. So a node script
// travels both hops (ssh to the machine, docker exec into the container) exactly as it would live.
const dir = mkdtempSync(join(tmpdir(), "calico-lab-runner-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, "bin");
const log = join(dir, "log");
const root = join(dir, "container");
mkdirSync(bin);
writeFileSync(
  join(bin, "ssh"),
  `#!/bin/bash
echo "ssh $*" >> ${log}
[ -n "$FAKE_SSH_EXIT" ] && exit "$FAKE_SSH_EXIT"
while [ $# -gt 0 ]; do case $1 in -o|-i|-p) shift 2 ;; -*) shift ;; *) shift; break ;; esac; done
exec sh -c "$*"
`,
);
writeFileSync(
  join(bin, "docker"),
  `#!/bin/bash
echo "docker $*" >> ${log}
inroot() { case $1 in "$ROOT"/*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
case "$1 $2" in
  "exec -i") shift 2; [ "$1" = "$FAKE_GONE" ] && { echo "Error: No such container: $1" >&2; exit 1; }; shift; cd "$ROOT" && exec "$@" ;;
  "exec "*) shift 2; [ "$1" = mkdir ] && { mkdir -p "$(inroot "$3")"; exit 0; }; n=$(cat ${log}.ready 2>/dev/null || echo 0); echo $((n + 1)) > ${log}.ready; [ "$n" -ge "\${FAKE_READY_AFTER:-0}" ] ;;
  "cp "*) cp -a "$2" "$(inroot "\${3#*:}")" ;;
  "inspect --format") [ "$3" = "{{.Id}}" ] && echo "id-of-$4" || echo "\${FAKE_RUNNING:-true}" ;;
  "image inspect") exit "\${FAKE_IMAGE_MISSING:-0}" ;;
  "save "*) echo "image tar" ;;
  "load") cat > /dev/null ;;
  *) exit 0 ;;
esac
`,
);
chmodSync(join(bin, "ssh"), 0o755);
chmodSync(join(bin, "docker"), 0o755);
writeFileSync(join(bin, "ip"), `#!/bin/bash\necho "ip $1 $2 $3" >> ${log}\nshift 3\nexec "$@"\n`);
chmodSync(join(bin, "ip"), 0o755);

function run(script: string, env: Record<string, string> = {}) {
  const result = spawnSync("/bin/bash", ["-c", script], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, CALICO_LAB_CACHE: join(dir, "cache"), ROOT: root, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, logged: existsSync(log) ? readFileSync(log, "utf8") : "" };
}

beforeEach(() => {
  for (const f of [log, `${log}.ready`]) rmSync(f, { force: true });
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root);
});

const paths = { labVm: "/repo/scripts/vm/lab-vm.sh", cacheDir: "/cache" };
const vm: SshTarget = vmSshTarget(paths, "lab1", "calico1", "192.168.4.5");
const calico1 = birdNodeRuntime({
  nodeName: "calico1",
  image: "calico-lab/node:v3.28.5",
  address: "192.168.4.5",
  asNumber: 64512,
  etcdEndpoints: "http://192.168.4.4:2379",
  logLevel: "info",
});
const etcd = etcdRuntime({ name: "lab-etcd", image: "calico-lab/etcd:3.4.23", address: "192.168.4.4" });
const labels = { "calico-lab.lab": "lab", "calico-lab.stack": "s" };

describe("the node's shell: ssh to its machine, then docker exec into its container", () => {
  const shell = machineNodeShell(vm, "lab-calico1");

  it("a node script arrives whole in the container, its own here-documents unexpanded", () => {
    const script = writeFileScript(`${root}/etc/cni/net.d/10-calico.conflist`, '{"name": "$HOME", "x": `no`}\n');
    const result = run(shell.run(script));
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(root, "etc/cni/net.d/10-calico.conflist"), "utf8")).toBe('{"name": "$HOME", "x": `no`}\n');
    const lines = result.logged.split("\n");
    expect(lines[0]).toBe("ip netns exec calicolab-lab1");
    expect(lines[1]).toMatch(/^ssh -i \/cache\/vm\/labs\/lab1\/id_ed25519 -p 22 -o BatchMode=yes .* root@192\.168\.4\.5 sh -s$/);
    expect(lines[2]).toBe("docker exec -i lab-calico1 sh -s");
  });

  it("passes the node script's status through both hops; tolerated, a gone node or container only warns", () => {
    expect(run(shell.run("exit 3")).code).toBe(3);
    const gone = run(shell.run("true", { tolerate: "cnitool del" }), { FAKE_SSH_EXIT: "255" });
    expect([gone.code, gone.stderr]).toEqual([0, "calico-lab: cnitool del failed; the node may already be gone\n"]);
    const noContainer = run(shell.run("true", { tolerate: "cnitool del" }), { FAKE_GONE: "lab-calico1" });
    expect(noContainer.code).toBe(0);
    expect(noContainer.stderr).toContain("calico-lab: cnitool del failed");
  });

  it("copies a folder: tar over ssh into a staging folder on the machine, docker cp into the container, staging removed", () => {
    const src = join(dir, "tool files");
    mkdirSync(join(src, "sub"), { recursive: true });
    writeFileSync(join(src, "calicoctl"), "bin");
    chmodSync(join(src, "calicoctl"), 0o755);
    writeFileSync(join(src, "sub", "x"), "x");
    const result = run(shell.copyDir(src, "/opt/cni/bin"));
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(root, "opt/cni/bin/calicoctl"), "utf8")).toBe("bin");
    expect(readFileSync(join(root, "opt/cni/bin/sub/x"), "utf8")).toBe("x");
    expect(result.logged).toContain("docker cp ./. lab-calico1:/opt/cni/bin/");
    // staged in a fresh folder of mktemp's (0700, a name nobody could take first), removed afterwards
    expect(shell.copyDir(src, "/opt/cni/bin")).toContain("staging=$(mktemp -d -t calico-lab-copy-XXXXXXXXXX)");
    expect(readdirSync(tmpdir()).filter((entry) => entry.startsWith("calico-lab-copy-"))).toEqual([]);
    // the same copy gives the same script (a step's script must not change between runs)
    expect(shell.copyDir(src, "/opt/cni/bin")).toBe(shell.copyDir(src, "/opt/cni/bin"));
  });

  it("the tools install (verify, else copy and verify) works through it unchanged", () => {
    const files = join(dir, "cache", "tools", "cnitool", "files");
    mkdirSync(files, { recursive: true });
    writeFileSync(join(files, "cnitool"), "cnitool binary");
    const sums = spawnSync("sh", ["-c", 'cd "$1" && sha256sum cnitool', "sh", files], { encoding: "utf8" }).stdout;
    // the node's folder, inside the stand-in container's root
    const shellInRoot = machineNodeShell(vm, "lab-calico1");
    const script = toolInstallScript(shellInRoot, [{ name: "cnitool", cacheDir: join(dir, "cache", "tools", "cnitool"), sums }]).replaceAll(
      "/usr/local/bin",
      `${root}/usr/local/bin`,
    );
    const first = run(script);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe("cnitool: copied into the node, verified\n");
    const second = run(script);
    expect(second.stdout).toBe("cnitool: already in the node, verified\n");
  });

  it("a workload's add script is passed as is (cnitool and ip run in the container)", () => {
    const script = workloadAddScript({ node: "calico1", namespace: "calico1-wl1", network: "test-calico" });
    const result = run(shell.run(`cat <<'WRAP'\n${script}\nWRAP`));
    expect(result.stdout).toBe(`${script}\n`);
  });
});

describe("the runtime as a container on its machine", () => {
  it("docker run: host network, the runtime's env, image and command; privileged with the kernel's modules for Calico only", () => {
    expect(hostNetworkRunArgv(etcd, "lab-etcd", labels)).toEqual([
      ...["docker", "run", "--detach", "--name", "lab-etcd", "--network", "host"],
      ...["--label", "calico-lab.lab=lab", "--label", "calico-lab.stack=s"],
      ...["--env", "ETCDCTL_API=3", "calico-lab/etcd:3.4.23"],
      ...etcd.command,
    ]);
    const argv = hostNetworkRunArgv(calico1, "lab-calico1", labels);
    expect(argv.slice(0, 12)).toEqual([
      ...["docker", "run", "--detach", "--name", "lab-calico1", "--network", "host"],
      ...["--label", "calico-lab.lab=lab", "--label", "calico-lab.stack=s", "--privileged"],
    ]);
    expect(argv).toContain("/lib/modules:/lib/modules:ro");
    expect(argv).toContain("IP=192.168.4.5");
    expect(argv.at(-1)).toBe("calico-lab/node:v3.28.5");
  });

  const runCalico = { runtime: calico1, machine: "calico1", container: "lab-calico1", labels, readyTimeoutSeconds: 20 };

  it("sets the dataplane's sysctls on the machine, replaces a container of that name, waits for readiness, prints the id", () => {
    const script = runtimeRunScript(runCalico);
    expect(script).toContain("sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_forward=1");
    expect(runtimeRunScript({ ...runCalico, runtime: etcd, container: "lab-etcd" })).not.toContain("sysctl");
    const fakeSysctl = join(bin, "sysctl");
    writeFileSync(fakeSysctl, `#!/bin/bash\necho "sysctl $*" >> ${log}\n`);
    chmodSync(fakeSysctl, 0o755);
    const sudo = join(bin, "sudo");
    writeFileSync(sudo, `#!/bin/bash\necho "sudo $*" >> ${log}\nshift; exec "$@"\n`);
    chmodSync(sudo, 0o755);
    try {
      const result = run(runtimeRunScript(runCalico), { FAKE_READY_AFTER: "2" });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe("id-of-lab-calico1\n");
      const docker = result.logged.split("\n").filter((l) => l.startsWith("docker") || l.startsWith("sysctl") || l.startsWith("sudo"));
      expect(docker[1]).toBe("docker rm -f lab-calico1");
      expect(docker[2]).toMatch(/^docker run --detach --name lab-calico1 --network host /);
      expect(docker.filter((l) => l === "docker exec lab-calico1 birdcl -s /var/run/calico/bird.ctl show status")).toHaveLength(3);
    } finally {
      rmSync(fakeSysctl);
      rmSync(sudo);
    }
  });

  it("on a host the user has: saves the host's state (once) in a one-off container of the node's image before the sysctls and the node", () => {
    const script = runtimeRunScript({ ...runCalico, saveHostState: true });
    expect(script).toContain(hostStateRunScript(calico1.image, "lab-calico1", labels, hostStateSaveScript("lab-calico1")));
    expect(runtimeRunScript(runCalico)).not.toContain("host-state");
    expect(runtimeRunScript({ ...runCalico, runtime: etcd, container: "lab-etcd", saveHostState: true })).not.toContain("host-state");
    const result = run(`sysctl() { echo "sysctl $*" >> ${log}; }\nsudo() { shift; "$@"; }\n${script}`);
    expect(result.code, result.stderr).toBe(0);
    const steps = result.logged.split("\n").filter((l) => /^(docker (rm|run)|sysctl)/.test(l));
    expect(steps.map((l) => l.split(" ").slice(0, 5).join(" "))).toEqual([
      "docker rm -f lab-calico1-host-state",
      "docker run --rm --name lab-calico1-host-state",
      "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_forward=1",
      "docker rm -f lab-calico1",
      "docker run --detach --name lab-calico1",
    ]);
    expect(steps[1]).toContain(
      "--network host --privileged --label calico-lab.lab=lab --label calico-lab.stack=s --volume /lib/modules:/lib/modules:ro",
    );
  });

  it("a container that stops, or never gets ready, fails the step with its logs and is removed", () => {
    const stopped = run(runtimeRunScript(runCalico), { FAKE_READY_AFTER: "99", FAKE_RUNNING: "false" });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain("calico-lab: calico1: container lab-calico1 stopped; its last log lines:");
    expect(stopped.logged).toContain("docker logs --tail 40 lab-calico1");
    const late = run(runtimeRunScript({ ...runCalico, readyTimeoutSeconds: 0 }), { FAKE_READY_AFTER: "99" });
    expect(late.code).toBe(1);
    expect(late.stderr).toContain(
      "container lab-calico1 was not ready within 0s (birdcl -s /var/run/calico/bird.ctl show status kept failing)",
    );
    expect(late.logged.trim().split("\n").at(-1)).toBe("docker rm -f lab-calico1");
    // on a host the user has, the host is put back too: no delete will run for a node that never got ready
    const saved = run(runtimeRunScript({ ...runCalico, readyTimeoutSeconds: 0, saveHostState: true }), { FAKE_READY_AFTER: "99" });
    expect(saved.code).toBe(1);
    const engine = saved.logged.split("\n").filter((l) => l.startsWith("docker") && !/'|>/.test(l));
    expect(engine.slice(-3).map((l) => l.split(" ").slice(0, 5).join(" "))).toEqual([
      "docker rm -f lab-calico1",
      "docker rm -f lab-calico1-host-state",
      "docker run --rm --name lab-calico1-host-state",
    ]);
    expect(engine.at(-1)).toContain(`-c ${hostStateRestoreScript("lab-calico1").split("\n")[0]}`);
  });

  it("brings the image from this machine's engine when the machine lacks it", () => {
    const have = run(imageSyncScript(vm, "calico-lab/node:v3.28.5"));
    expect(have.logged).not.toContain("docker save");
    const lacks = run(imageSyncScript(vm, "calico-lab/node:v3.28.5"), { FAKE_IMAGE_MISSING: "1" });
    // the stand-in engine lacks it on both sides: docker run will pull
    expect(lacks.stderr).toBe("calico-lab: calico1: calico-lab/node:v3.28.5 is not there; docker run will pull it\n");
  });

  it("an image setting with $(...) and quotes in it reaches every message and command as data, running nothing", () => {
    const marker = join(dir, "image-marker");
    const image = `calico-lab/node:v1$(touch ${marker})"$(touch ${marker})"\`touch ${marker}\``;
    const lacks = run(imageSyncScript(vm, image), { FAKE_IMAGE_MISSING: "1" });
    expect(lacks.stderr).toBe(`calico-lab: calico1: ${image} is not there; docker run will pull it\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it("the whole step: the engine, the image, the container; its delete tolerates a machine that is gone", () => {
    const result = run(runtimeCreateScript(vm, runCalico, 5));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("id-of-lab-calico1\n");
    expect(result.logged).toMatch(/docker info[\s\S]*docker image inspect calico-lab\/node:v3.28.5[\s\S]*docker run /);
    const removed = run(runtimeDeleteScript(vm, "lab-calico1"));
    expect(removed.logged).toContain("docker rm -f lab-calico1");
    rmSync(log);
    const restored = run(runtimeDeleteScript(vm, "lab-calico1", { image: calico1.image, labels }));
    expect(restored.code, restored.stderr).toBe(0);
    // what the engine was asked (the ssh stand-in's log lines hold the remote script too, quoted and redirected)
    const steps = restored.logged.split("\n").filter((l) => l.startsWith("docker") && !/'|>/.test(l));
    expect(steps.map((l) => l.split(" ").slice(0, 5).join(" "))).toEqual([
      "docker rm -f lab-calico1",
      "docker rm -f lab-calico1-host-state",
      "docker run --rm --name lab-calico1-host-state",
    ]);
    expect(steps[2]).toContain(`--entrypoint /bin/sh calico-lab/node:v3.28.5 -c set -u`);
    const unreachable = run(runtimeDeleteScript(vm, "lab-calico1", { image: calico1.image, labels }), { FAKE_SSH_EXIT: "255" });
    expect([unreachable.code, unreachable.stderr]).toEqual([
      0,
      "calico-lab: removing container lab-calico1 on calico1 and putting the host back failed; the node may already be gone\n",
    ]);
    const gone = run(runtimeDeleteScript(vm, "lab-calico1"), { FAKE_SSH_EXIT: "255" });
    expect([gone.code, gone.stderr]).toEqual([
      0,
      "calico-lab: removing container lab-calico1 on calico1 failed; the node may already be gone\n",
    ]);
  });
});

describe("the qemu substrate's host-side scripts", () => {
  it("name the lab for lab-vm.sh: the stack's part of the lab name, shortened with a hash when too long", () => {
    expect(vmLabName("calicolab-bird-qemu")).toBe("bird-qemu");
    expect(vmLabName("calicolab-e2e-qemu-mwxop244")).toBe("e2e-qemu-mwxop244");
    const long = vmLabName("calicolab-a-very-long-stack-name-indeed");
    expect(long).toMatch(/^a-very-long-st-[0-9a-f]{6}$/);
    expect(long).not.toBe(vmLabName("calicolab-a-very-long-stack-name-indeee"));
    expect(vmLabName("calicolab-x".padEnd(40, "y"))).toMatch(/^[a-z0-9][a-z0-9-]{0,20}$/);
  });

  it("drive lab-vm.sh with the lab's cache and the VM's size, then read the VM's boot id over ssh", () => {
    expect(networkUpScript(paths, "lab1", "192.168.4.0/24")).toBe(
      "set -euo pipefail\nCALICO_LAB_CACHE=/cache bash /repo/scripts/vm/lab-vm.sh net-up lab1 192.168.4.0/24",
    );
    expect(networkDownScript(paths, "lab1")).toBe(
      "set -euo pipefail\nCALICO_LAB_CACHE=/cache bash /repo/scripts/vm/lab-vm.sh net-down lab1",
    );
    const start = vmStartScript(paths, {
      vmLab: "lab1",
      vm: "calico1",
      address: "192.168.4.5",
      size: { cpus: 2, memoryMiB: 1024 },
      bootTimeoutSeconds: 300,
    });
    expect(start.split("\n").slice(0, 4)).toEqual([
      "set -euo pipefail",
      // a connection kept to a VM of that name that died (killed by hand) goes first
      `ip netns exec calicolab-lab1 ssh -o ControlPath=${vm.controlPath} -p 22 -O exit root@192.168.4.5 >/dev/null 2>&1 || true`,
      "CALICO_LAB_CACHE=/cache LAB_VM_CPUS=2 LAB_VM_MEMORY=1024 bash /repo/scripts/vm/lab-vm.sh start lab1 calico1 192.168.4.5 >&2",
      "CALICO_LAB_CACHE=/cache bash /repo/scripts/vm/lab-vm.sh wait-ssh lab1 calico1 300 >&2",
    ]);
    expect(start).toContain("ip netns exec calicolab-lab1 ssh -i /cache/vm/labs/lab1/id_ed25519 -p 22");
    expect(start).toContain("\ncat /proc/sys/kernel/random/boot_id\n");
    expect(start.endsWith("\nCALICO_LAB_CACHE=/cache bash /repo/scripts/vm/lab-vm.sh accel-of lab1 calico1")).toBe(true);
    expect(vmAliveScript(paths, "lab1", "calico1", "192.168.4.5")).toBe(
      "CALICO_LAB_CACHE=/cache bash /repo/scripts/vm/lab-vm.sh alive lab1 calico1 || " +
        `{ ip netns exec calicolab-lab1 ssh -o ControlPath=${vm.controlPath} -p 22 -O exit root@192.168.4.5 >/dev/null 2>&1 || true; exit 1; }`,
    );
    expect(vmStopScript(paths, "lab1", "calico1", "192.168.4.5").split("\n")).toEqual([
      "set -euo pipefail",
      `ip netns exec calicolab-lab1 ssh -o ControlPath=${vm.controlPath} -p 22 -O exit root@192.168.4.5 >/dev/null 2>&1 || true`,
      "CALICO_LAB_CACHE=/cache bash /repo/scripts/vm/lab-vm.sh stop lab1 calico1",
    ]);
    expect(vm.controlPath).toMatch(/^\/cache\/ssh\/c-[0-9a-f]{12}\/%r@%h:%p$/);
  });

  it("a forwarder to a VM's port: lab-vm.sh forward on a local port derived from the lab and the forward's name, checked and stopped by name", () => {
    const { name, localPort } = vmForward("lab1", "apiserver", 6443);
    expect(name).toBe("apiserver-6443");
    // the same lab and port give the same local port on every run; another lab (most likely) another
    expect(vmForward("lab1", "apiserver", 6443).localPort).toBe(localPort);
    expect(localPort).toBeGreaterThanOrEqual(20000);
    expect(localPort).toBeLessThan(30000);
    expect(new Set(["lab1", "lab2", "lab3", "bird-qemu", "kdd-qemu"].map((lab) => vmForward(lab, "apiserver", 6443).localPort)).size).toBe(
      5,
    );
    expect(forwardStartScript(paths, "lab1", "192.168.4.3", 6443, "apiserver")).toBe(
      `set -euo pipefail\nCALICO_LAB_CACHE=/cache bash /repo/scripts/vm/lab-vm.sh forward lab1 apiserver-6443 192.168.4.3:6443 ${localPort}`,
    );
    // refresh: running, or started again on the same port; a failure (no namespace) drops the step
    expect(forwardReadScript(paths, "lab1", "192.168.4.3", 6443, "apiserver")).toBe(
      "CALICO_LAB_CACHE=/cache bash /repo/scripts/vm/lab-vm.sh forward-alive lab1 apiserver-6443 2>/dev/null || " +
        `CALICO_LAB_CACHE=/cache bash /repo/scripts/vm/lab-vm.sh forward lab1 apiserver-6443 192.168.4.3:6443 ${localPort} >/dev/null`,
    );
    expect(forwardStopScript(paths, "lab1", "apiserver", 6443)).toBe(
      "set -euo pipefail\nCALICO_LAB_CACHE=/cache bash /repo/scripts/vm/lab-vm.sh forward-stop lab1 apiserver-6443",
    );
  });

  it("read the accelerator from the VM step's output: its second line, kvm or tcg", () => {
    expect(acceleratorOf("0c6f-boot\ntcg\n")).toBe("tcg");
    expect(acceleratorOf("0c6f-boot\nkvm\n")).toBe("kvm");
    expect(acceleratorOf("0c6f-boot\n")).toBe("unknown");
    expect(acceleratorOf("0c6f-boot\nkvm:host\n")).toBe("unknown");
  });
});

describe("the ssh substrate's hosts", () => {
  const host = { name: "calico1", address: "192.168.4.5", user: "vagrant", port: 2222, privateKey: "~/.ssh/id_lab" };

  it("share connections through sockets in a 0700 folder of the lab's own, made by the first script that connects", () => {
    const control = join(dir, "control");
    const target = { ...vm, netns: undefined, controlPath: controlPathFor("lab1", "", control) };
    expect(target.controlPath.startsWith(`${control}/ssh/`)).toBe(true);
    const result = run(machineNodeShell(target, "lab-calico1").run("true"));
    expect(result.code, result.stderr).toBe(0);
    const folder = target.controlPath.slice(0, target.controlPath.lastIndexOf("/"));
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it("reach a host as its user and port, with its key (~ is this machine's home) or the agent, recording its first host key", () => {
    expect(sshHostTarget("calicolab-x", host, "/home/me", "/cache")).toEqual({
      lab: "calicolab-x",
      host: "calico1",
      address: "192.168.4.5",
      user: "vagrant",
      port: 2222,
      keyPath: "/home/me/.ssh/id_lab",
      hostKeys: "accept-new",
      controlPath: expect.stringMatching(/^\/cache\/ssh\/c-[0-9a-f]{12}\/%r@%h:%p$/),
    });
    const agent = machineNodeShell(sshHostTarget("calicolab-x", { ...host, privateKey: "" }, "/home/me", "/cache"), "c").run("true");
    expect(agent).toMatch(
      /^sh -c 'mkdir -p "\$1" && chmod 0700 "\$1" && shift && exec "\$@"' sh \/cache\/ssh\/c-[0-9a-f]{12} ssh -p 2222 -o BatchMode=yes -o "UserKnownHostsFile=[^"]+" -o StrictHostKeyChecking=accept-new -o ConnectTimeout=10/,
    );
    expect(agent).not.toContain("IdentitiesOnly");
  });

  const check = { host: "calico1", user: "vagrant", address: "192.168.4.5", dataplane: true, modules: ["ipip"], container: "lab-calico1" };

  it("check a host before its node starts, naming each thing that is missing; print its boot id when all is there", () => {
    const fakeBin = join(dir, "bare");
    mkdirSync(fakeBin, { recursive: true });
    // a host with no docker, no tar, and no sudo for a non-root user
    const bare = spawnSync("/bin/bash", ["-c", hostCheckScript(check)], {
      encoding: "utf8",
      env: { PATH: fakeBin },
    });
    expect(bare.status).toBe(1);
    expect(bare.stderr).toContain("calico-lab: host calico1 (vagrant@192.168.4.5) is not ready:\n  - docker is not installed");
    expect(bare.stderr).toContain("\n  - tar is not installed");
    const ok = run(hostCheckScript({ ...check, dataplane: false }));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
  });
});
