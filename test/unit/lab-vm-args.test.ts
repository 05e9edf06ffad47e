import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// scripts/vm/lab-vm.sh checks its arguments before it touches anything (no namespace, no file):
// these runs stop at that check, so they need neither root nor QEMU.
const cache = mkdtempSync(join(tmpdir(), "calico-lab-vm-"));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

function labVm(...args: string[]) {
  const result = spawnSync("/bin/bash", [join(__dirname, "../../scripts/vm/lab-vm.sh"), ...args], {
    encoding: "utf8",
    env: { ...process.env, CALICO_LAB_CACHE: cache },
  });
  return { code: result.status, stderr: result.stderr, ...(result.stdout ? { stdout: result.stdout } : {}) };
}

describe("lab-vm.sh refuses bad arguments before it makes anything", () => {
  it.each([
    [
      ["net-up", "Lab_1", "192.168.4.0/24"],
      "lab-vm: lab name 'Lab_1': allowed are 1-21 of a-z, 0-9, '-' (it names the namespace calicolab-Lab_1)\n",
    ],
    [["net-up", "lab1", "192.168.4.0"], "lab-vm: CIDR '192.168.4.0': expected an IPv4 network like 192.168.4.0/24\n"],
    [["net-up", "lab1", "192.168.4.300/24"], "lab-vm: CIDR '192.168.4.300/24': not an IPv4 address\n"],
    [["net-up", "lab1", "192.168.4.0/30"], "lab-vm: CIDR '192.168.4.0/30': allowed prefixes are /8 to /29\n"],
    [["net-up", "lab1", "192.168.4.5/24"], "lab-vm: CIDR '192.168.4.5/24': host bits set (the network is 192.168.4.0/24)\n"],
    [["start", "lab1", "calico_1", "192.168.4.5"], "lab-vm: VM name 'calico_1': allowed is a DNS label (a-z, 0-9, '-')\n"],
    [["start", "lab1", "calico1", "192.168.4.5"], "lab-vm: lab 'lab1' has no network: run lab-vm.sh net-up lab1 CIDR first\n"],
    [["ssh", "lab1", "calico1", "true"], "lab-vm: no VM 'calico1' in lab 'lab1'\n"],
    [["accel-of", "lab1", "calico1"], "lab-vm: VM 'calico1' of lab 'lab1' was never started\n"],
    // the VM step's refresh: a VM without a running QEMU is gone
    [["alive", "lab1", "calico1"], "VM calico1 of lab lab1: not running\n"],
    [["forward", "lab1", "Api_1", "192.168.4.3:6443", "20000"], "lab-vm: forward name 'Api_1': allowed are 1-41 of a-z, 0-9, '-'\n"],
    [["forward", "lab1", "api", "192.168.4.3", "20000"], "lab-vm: forward target '192.168.4.3': expected ADDRESS:PORT\n"],
    [["forward", "lab1", "api", "192.168.4.3:6443", "70000"], "lab-vm: local port '70000': expected 1 to 65535\n"],
    [
      ["forward", "lab1", "api", "192.168.4.3:6443", "20000"],
      "lab-vm: namespace calicolab-lab1 is missing: run lab-vm.sh net-up lab1 CIDR\n",
    ],
    // the forwarder step's refresh: a forwarder without a running process is gone
    [["forward-alive", "lab1", "api"], "forwarder api of lab lab1: not running\n"],
  ])("%j", (args, message) => {
    const result = labVm(...args);
    expect(result.stderr).toBe(message);
    expect(result.code).toBe(1);
    expect(existsSync(join(cache, "vm", "labs", "lab1"))).toBe(false);
  });

  it("prints its usage for an unknown subcommand or a wrong number of arguments", () => {
    for (const args of [["bogus"], ["net-up", "lab1"], ["stop", "lab1"]]) {
      const result = labVm(...args);
      expect(result.code).toBe(2);
      expect(result.stderr.split("\n")[0]).toBe(
        "lab-vm.sh net-up   LAB CIDR             namespace, bridge (gateway = first address), key pair",
      );
    }
  });

  it("alive: a pid file naming a process that is not a QEMU of a lab is not a running VM", () => {
    const vm = join(cache, "vm", "labs", "lab2", "vms", "calico1");
    mkdirSync(vm, { recursive: true });
    writeFileSync(join(vm, "pid"), `${process.pid}\n`);
    writeFileSync(join(vm, "accel"), "tcg\n");
    try {
      expect(labVm("alive", "lab2", "calico1")).toEqual({ code: 1, stderr: "VM calico1 of lab lab2: not running\n" });
      expect(labVm("accel-of", "lab2", "calico1")).toEqual({ code: 0, stderr: "", stdout: "tcg\n" });
    } finally {
      rmSync(join(cache, "vm", "labs", "lab2"), { recursive: true, force: true });
    }
  });

  it("stop and status of what is not there succeed (idempotent)", () => {
    expect(labVm("stop", "lab1", "calico1").code).toBe(0);
    expect(labVm("status", "lab1").code).toBe(0);
  });
});
