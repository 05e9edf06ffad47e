import { describe, expect, it } from "vitest";
import { qemuHostIssues, QEMU_COMMANDS, VM_BASE_FILES } from "../../core/substrates/qemu/preflight";
import { sshLocalIssues } from "../../core/substrates/ssh/preflight";

const all = <K extends string>(keys: readonly K[], value: boolean) => Object.fromEntries(keys.map((k) => [k, value])) as Record<K, boolean>;

describe("the qemu substrate's preflight names what this machine lacks, before anything is made", () => {
  const ready = {
    baseDir: "/c/vm/base",
    baseFiles: all(VM_BASE_FILES, true),
    tun: true,
    commands: all(Object.keys(QEMU_COMMANDS), true),
    root: true,
  };

  it("passes when the base image, the tun device, QEMU, the ssh client and root are there", () => {
    expect(qemuHostIssues(ready)).toEqual([]);
  });

  it("says how to get each missing piece", () => {
    const issues = qemuHostIssues({
      ...ready,
      baseFiles: { ...ready.baseFiles, "base.qcow2": false },
      tun: false,
      commands: { ...ready.commands, "qemu-system-x86_64": false, "qemu-img": false, ssh: false },
      root: false,
    });
    expect(issues.map((i) => `${i.setting} = ${JSON.stringify(i.value)}: ${i.allowed}`)).toEqual([
      'substrate = "qemu": the VM base image is missing (/c/vm/base/base.qcow2): run npm run offline:vm-image (after npm run offline:build; about 3.5 min, 1.6 GB)',
      'substrate = "qemu": /dev/net/tun is missing: the VMs\' network taps need the tun device (modprobe tun, or run where it exists)',
      'substrate = "qemu": qemu-system-x86_64, qemu-img, ssh not found on PATH: apt-get install qemu-system-x86 qemu-utils openssh-client',
      'substrate = "qemu": the lab\'s network namespace, bridge and taps need root: run as root',
    ]);
  });
});

describe("the ssh substrate's preflight: the ssh client and each host's key", () => {
  const hosts = [
    { name: "etcd", address: "192.168.4.4", user: "root", port: 22, privateKey: "~/.ssh/lab" },
    { name: "calico1", address: "192.168.4.5", user: "root", port: 22, privateKey: "" },
  ];
  const facts = { sshClient: true, agent: true, readable: (path: string) => path === "/home/me/.ssh/lab", home: "/home/me" };

  it("passes with a readable key (~ is this machine's home) and an agent for the host without one", () => {
    expect(sshLocalIssues({ hosts, etcdHost: "etcd" }, facts)).toEqual([]);
  });

  it("names the host whose key is unreadable, the agent that is missing, and the missing client", () => {
    const issues = sshLocalIssues({ hosts, etcdHost: "etcd" }, { ...facts, sshClient: false, agent: false, readable: () => false });
    expect(issues.map((i) => `${i.setting} = ${JSON.stringify(i.value)}: ${i.allowed}`)).toEqual([
      'substrate = "ssh": ssh not found on PATH: install OpenSSH\'s client (apt-get install openssh-client)',
      'ssh.hosts[0].privateKey = "~/.ssh/lab": no readable file at /home/me/.ssh/lab: allowed is the path of etcd\'s private key on this machine, or empty for the ssh agent',
      'ssh.hosts[1].privateKey = "": empty means the ssh agent, and SSH_AUTH_SOCK is not set: start ssh-agent and ssh-add the key for calico1, or give the key\'s path',
    ]);
  });
});
