import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheDir, repoRoot, sh } from "./live";
import { requireQemu } from "./qemu-lab";

// Calico/VPP itself (linuxDataplane: VPP) live in two TCG VMs, as scripts/vm/calico-vpp-vms.sh makes it: the
// apiserver and etcd in the lab's namespace, vpp-manager, VPP, the agent and Felix in each VM, a pod per VM wired
// by Calico's CNI plugin through the agent, BGP between the agents, and the pods pinging each other through VPP.
// Runs in the group of VM suites, alone. Needs the qemu parts and Calico/VPP's build (bash scripts/offline/calico-vpp.sh).
requireQemu();
const calicoVpp = join(cacheDir, "calico-vpp");
const built = [
  join(calicoVpp, "bin", "calico-vpp-agent"),
  join(calicoVpp, "bin", "vpp-manager"),
  join(calicoVpp, "vpp-stage", "usr", "bin", "vpp"),
];
const unbuilt = built.filter((file) => !existsSync(file));
if (unbuilt.length > 0)
  throw new Error(`the Calico/VPP end-to-end test cannot run: no ${unbuilt.join(", no ")}: run bash scripts/offline/build.sh --calico-vpp`);

const script = join(repoRoot, "scripts", "vm", "calico-vpp-vms.sh");
const lab = `cvpp-e2e-${Date.now().toString(36).slice(-6)}`;

/**
 * One subcommand of the script for this test's lab: its exit status and output (stdout and stderr together).
 * Asynchronous: a worker blocked for minutes misses vitest's own messages ("Timeout calling onTaskUpdate", seen).
 */
function run(sub: "up" | "check" | "down"): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", `bash "$0" ${sub} 2>&1`, script], {
      env: { ...process.env, CVPP_LAB: lab },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, out }));
  });
}

describe.sequential("Calico/VPP in two qemu VMs (scripts/vm/calico-vpp-vms.sh)", () => {
  it("up: VPP, agents, pods, BGP; check: routes and pod-to-pod pings through VPP; down leaves nothing", async () => {
    try {
      const up = await run("up");
      console.log(up.out);
      expect(up.status, up.out).toBe(0);
      expect(up.out).toMatch(/VPP up with the uplink on both/);
      expect(up.out).toMatch(/pods: pod-1 10\.240\.\d+\.\d+ on vm1, pod-2 10\.240\.\d+\.\d+ on vm2/);
      expect(up.out).toMatch(/BGP established/);

      const check = await run("check");
      console.log(check.out);
      expect(check.status, check.out).toBe(0);
      for (const vm of ["vm1", "vm2"]) {
        expect(check.out).toContain(`ok   ${vm}: VPP runs, host-eth1 (af_packet on eth1) up`);
        expect(check.out).toContain(`ok   ${vm}: BGP established with the other node`);
        expect(check.out).toMatch(new RegExp(`ok   ${vm}: VPP routes 10\\.240\\.\\S+ via 192\\.168\\.230\\.1[12] host-eth1`));
      }
      expect(check.out).toMatch(/ok {3}pod-1 \(\S+, vm1\) pings pod-2/);
      expect(check.out).toContain("ok   pod-2 pings pod-1");
      expect(check.out).toMatch(/ok {3}vm2.s VPP traced ICMP \S+ -> \S+ from its uplink \(af-packet-input\) to the pod.s tun/);
    } finally {
      const down = await run("down");
      console.log(down.out);
      expect(down.status, down.out).toBe(0);
    }
    expect(sh(["ip", "netns", "list"])).not.toMatch(new RegExp(`^calicolab-${lab}\\b`, "m"));
    expect(existsSync(join(cacheDir, "vm", "labs", lab))).toBe(false);
    expect(existsSync(join(cacheDir, "ssh", lab))).toBe(false);
  });
});
