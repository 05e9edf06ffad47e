import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { contains, parseCidr } from "../../core/addressing";
import { labNameFor } from "../../core/config/keys";
import { peerFromProtocolName, parseBirdProtocols } from "../../core/parsers/birdc-protocols";
import { parseIpRoutes } from "../../core/parsers/ip-route";
import { vmNamespace } from "../../core/substrates/qemu/scripts";
import type { LabNodeOutput } from "../../components/lab/outputs";
import {
  captureDuring,
  expectIcmpBetween,
  expectIpipIcmpBetween,
  labStatus,
  outputsOf,
  POOL,
  workloadPingArgv,
  type LabOutputs,
} from "./lab-expectations";
import { cacheDir, sh, stepTimeline } from "./live";
import { labVm, qemuSettings, qemuLab, requireQemu, tearDownQemuLab, vmUnderlay } from "./qemu-lab";
import { labSuite } from "./suite";

// The bird scenario on the qemu substrate: an etcd VM and two Calico VMs from the VM base image, under
// KVM when a boot probe shows it works and TCG (no acceleration) otherwise, as on our machines. The pool is
// the tutorial's, with IPIP (the VMs' kernel has ipip, the node image runs Calico's BIRD): first Always, then
// CrossSubnet, under which nodes on one subnet route natively.
requireQemu();

/** The tutorial's pool with IPIP in the given mode. */
const ipipPool = (ipipMode: "Always" | "CrossSubnet") => ({
  name: "my.ippool-1",
  cidr: POOL,
  blockSize: 26,
  ipipMode,
  vxlanMode: "Never",
  natOutgoing: true,
});
/** The workloads' MTU the lab derives for an IPIP pool: the underlay's 1500 less IPIP's 20-byte outer header. */
const IPIP_MTU = 1480;

const execFileAsync = promisify(execFile);
const stackName = `e2e-qemu-${Date.now().toString(36)}`;
const underlay = vmUnderlay();
const { vmLab, inNodeVm, inNode, readNode, leftovers: qemuLeftovers } = qemuLab(stackName, underlay, [4, 5, 6]);

describe.sequential("bird lab on qemu VMs: etcd VM and two Calico VMs", () => {
  const times: Record<string, number> = {};
  const lab = labSuite(stackName, () => ({ ...qemuSettings(underlay, "bird"), ipPools: [ipipPool("Always")] }), {
    teardown: (opened, name, backend) =>
      tearDownQemuLab({ stack: opened, stackName: name, backend, vmLab, leftovers: qemuLeftovers, times }),
  });
  let outputs: LabOutputs;

  it("up: sessions Established from both ends, BIRD routes via the VMs' addresses through tunl0, workloads in the pool", async () => {
    const started = Date.now();
    const timeline = stepTimeline();
    const result = await lab.stack.up({ onOutput: () => undefined, onEvent: timeline.onEvent });
    times.up = (Date.now() - started) / 1000;
    console.log(`up, step by step (seconds from its start):\n${timeline.report()}`);
    outputs = outputsOf(result);
    expectLiveVmLab(outputs, "tunl0");
    times.assertions = (Date.now() - started) / 1000 - times.up;
  });

  it("a workload in one VM reaches a workload in the other", () => {
    const started = Date.now();
    expectPingsBothWays(outputs);
    times.ping = (Date.now() - started) / 1000;
  });

  it("lab:capture of a VM node's eth0 (the VM's own tcpdump, over ssh) holds the workloads' pings inside IPIP packets", async () => {
    const started = Date.now();
    const [a, b] = outputs.nodes;
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-capture-"));
    try {
      // Pings every 0.5 s for 20 s, already flowing when tcpdump starts: under TCG a trip into a VM takes seconds.
      const pinging = execFileAsync("bash", [
        labVm,
        "ssh",
        vmLab,
        a!.name,
        "docker",
        "exec",
        a!.container,
        ...workloadPingArgv(a!, b!, 3, 40, 0.5),
      ]);
      const seen = await captureDuring(dir, outputs, b!, "eth0", 6);
      // Enough seen: the pings stop with their ssh session (the remote ping ends on its closed output).
      pinging.child.kill();
      await pinging.catch(() => undefined);
      expectIpipIcmpBetween(seen.packets, a!, b!, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    times.capture = (Date.now() - started) / 1000;
  });

  it("the derived MTU: workloads get 1480, a don't-fragment ping of 1480-28 bytes crosses the tunnel, one byte more is refused", () => {
    const [a, b] = outputs.nodes;
    const mtuOf = (node: LabNodeOutput) =>
      /\bmtu (\d+)\b/.exec(
        inNode(node, "ip", "netns", "exec", node.workloads[0]!.namespace, "ip", "-o", "link", "show", "dev", "eth0"),
      )?.[1];
    expect(mtuOf(a!)).toBe(String(IPIP_MTU));
    expect(mtuOf(b!)).toBe(String(IPIP_MTU));
    const dfPing = (size: number) => [
      ...workloadPingArgv(a!, b!, 3, 3, 0.5).slice(0, -1),
      "-M",
      "do",
      "-s",
      String(size),
      b!.workloads[0]!.ip.split("/")[0]!,
    ];
    expect(inNode(a!, ...dfPing(IPIP_MTU - 28))).toMatch(/3 received/);
    expect(() => inNode(a!, ...dfPing(IPIP_MTU - 27))).toThrow(/message too long, mtu=1480/i);
  });

  it("outputs: each VM's accelerator and ssh access (the key's path, never the key); lab:status reaches the VMs with it", async () => {
    const started = Date.now();
    const accelerator = sh(["bash", labVm, "accel"]).trim().split(":")[0];
    expect(["kvm", "tcg"]).toContain(accelerator);
    expect(outputs.etcd.accelerator).toBe(accelerator);
    const keyPath = join(cacheDir, "vm", "labs", vmLab, "id_ed25519");
    for (const node of outputs.nodes) {
      expect(node.accelerator, node.name).toBe(accelerator);
      expect(node.access).toMatchObject({
        transport: "ssh",
        container: node.container,
        address: node.underlayIp,
        port: 22,
        user: "root",
        keyPath,
        netns: vmNamespace(vmLab),
      });
    }
    const key = readFileSync(keyPath, "utf8");
    const keyBody = key.split("\n").find((line) => line.length > 40 && !line.startsWith("-----"));
    const all = JSON.stringify(outputs);
    expect(all).not.toContain("PRIVATE KEY");
    expect(keyBody && all.includes(keyBody), "the private key is not in the outputs").toBe(false);
    const seen = await labStatus(outputs);
    expect(seen.code, seen.text).toBe(0);
    expect(seen.status.sessions.every((session) => session.established)).toBe(true);
    expect(seen.status.nodes.every((node) => node.up && node.blocks.length > 0)).toBe(true);
    times.status = (Date.now() - started) / 1000;
  });

  it("a VM killed by hand is noticed by refresh and healed by up: made anew, sessions Established, workloads plumbed again", async () => {
    const victim = outputs.nodes[1]!;
    const vmDir = join(cacheDir, "vm", "labs", vmLab, "vms", victim.name);
    const bootBefore = inNodeVm(victim, "cat", "/proc/sys/kernel/random/boot_id").trim();
    const pid = readFileSync(join(vmDir, "pid"), "utf8").trim();
    sh(["kill", "-9", pid]);
    for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((resolve) => setTimeout(resolve, 100));

    let started = Date.now();
    const refreshed = await lab.stack.refresh({ onOutput: () => undefined });
    times.refresh = (Date.now() - started) / 1000;
    expect(refreshed.summary.resourceChanges?.delete ?? 0, "refresh drops the killed VM").toBeGreaterThan(0);

    started = Date.now();
    const timeline = stepTimeline();
    const result = await lab.stack.up({ onOutput: () => undefined, onEvent: timeline.onEvent });
    times.heal = (Date.now() - started) / 1000;
    console.log(`up after the VM was killed, step by step:\n${timeline.report()}`);
    expect(result.summary.resourceChanges?.create ?? 0).toBeGreaterThan(0);
    outputs = outputsOf(result);
    expect(readFileSync(join(vmDir, "pid"), "utf8").trim(), "a new QEMU").not.toBe(pid);
    expect(inNodeVm(victim, "cat", "/proc/sys/kernel/random/boot_id").trim(), "the VM booted anew").not.toBe(bootBefore);
    expectLiveVmLab(outputs, "tunl0");
    expectPingsBothWays(outputs);
    const seen = await labStatus(outputs);
    expect(seen.code, seen.text).toBe(0);
  });

  it("ipipMode CrossSubnet, changed in place: nodes on one subnet route natively (eth0, no tunl0), pings cross bare", async () => {
    const started = Date.now();
    await lab.stack.setConfig("calico-lab:ipPools[0].ipipMode", { value: "CrossSubnet" }, true);
    // The pool is the same pool, changed: calicoctl applies it in place (deleting it would release its blocks'
    // affinities, and the nodes would route each other's workloads as borrowed /32s). Nothing else changes.
    const changed: string[] = [];
    const result = await lab.stack.up({
      onOutput: () => undefined,
      onEvent: (event) => {
        const step = event.resourcePreEvent?.metadata;
        if (step && !["same", "read", "refresh"].includes(step.op)) changed.push(`${step.op} ${step.urn.split("::").pop() ?? step.urn}`);
      },
    });
    // The status probe reads the lab anew whenever what it expects changes (here the pools' encapsulation).
    const probe = `${labNameFor(stackName)}-bgp-status-probe`;
    expect(
      changed.filter((step) => !step.endsWith(` ${probe}`)),
      "only the pools' step changes, in place",
    ).toEqual([`update ${labNameFor(stackName)}-ippools-apply`]);
    outputs = outputsOf(result);
    // confd renders BIRD's filters anew and BIRD reconfigures after up has returned: wait for it, then check all.
    await convergedWithin(120, () => expectLiveVmLab(outputs, "eth0"));
    expectPingsBothWays(outputs);
    const [a, b] = outputs.nodes;
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-capture-"));
    try {
      const pinging = execFileAsync("bash", [
        labVm,
        "ssh",
        vmLab,
        a!.name,
        "docker",
        "exec",
        a!.container,
        ...workloadPingArgv(a!, b!, 3, 40, 0.5),
      ]);
      const seen = await captureDuring(dir, outputs, b!, "eth0", 6);
      pinging.child.kill();
      await pinging.catch(() => undefined);
      expectIcmpBetween(seen.packets, a!, b!, 3);
      expect(
        seen.packets.filter((p) => p.protocol === 4),
        "no IPIP between nodes on one subnet",
      ).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    times.crossSubnet = (Date.now() - started) / 1000;
  });
});

/**
 * The lab as each VM shows it (one trip per VM): name, address, sessions, BIRD routes via the peer VM (through
 * `dev`: tunl0 for IPIP, `via <peer> dev tunl0 proto bird onlink` as Calico's BIRD writes it; eth0 when native),
 * the workload.
 */
function expectLiveVmLab(outputs: LabOutputs, dev: "tunl0" | "eth0"): void {
  const [a, b] = outputs.nodes;
  expect(outputs.nodes.map((n) => n.name)).toEqual(["calico1", "calico2"]);
  expect(outputs.bgpTopology.matches, outputs.bgpTopology.problems.join("; ")).toBe(true);
  const live = Object.fromEntries(
    outputs.nodes.map((node) => [
      node.name,
      readNode(node, {
        hostname: ["vm", "hostname"],
        address: ["vm", "ip -4 -o addr show dev eth0"],
        protocols: ["node", "birdcl -s /var/run/calico/bird.ctl show protocols"],
        routes: ["node", "ip -4 route show proto bird"],
        table: ["node", "ip -4 route show"],
        workload: ["node", `ip netns exec ${node.workloads[0]?.namespace ?? "none"} ip -4 -o addr show dev eth0`],
      }),
    ]),
  );
  const pool = parseCidr(POOL)!;
  for (const [node, peer] of [
    [a!, b!],
    [b!, a!],
  ] as const) {
    const seen = live[node.name]!;
    expect(seen.hostname!.trim()).toBe(node.name);
    expect(seen.address).toContain(`inet ${node.underlayIp}/`);
    const sessions = parseBirdProtocols(seen.protocols!).filter((p) => p.protocol === "BGP");
    expect(sessions.map((p) => peerFromProtocolName(p.name)?.address)).toEqual([peer.underlayIp]);
    expect(sessions[0]?.info, `${node.name} sees ${peer.name}`).toMatch(/^Established/);

    // the workload is plumbed: its namespace holds an address of the pool, in a block the node owns, on eth0
    expect(node.workloads, `${node.name} has its workload`).toHaveLength(1);
    const ip = node.workloads[0]!.ip.split("/")[0]!;
    expect(contains(pool, ip), `${ip} in ${POOL}`).toBe(true);
    expect(node.blocks.some((block) => contains(parseCidr(block)!, ip))).toBe(true);
    expect(seen.workload).toContain(`inet ${ip}/`);

    // BIRD routes the peer's block (the one its workload's address is in, affine to the peer: never a borrowed /32)
    // via the peer VM's address, and that is the kernel's route to it
    const peerIp = peer.workloads[0]!.ip.split("/")[0]!;
    const block = peer.blocks.find((b) => contains(parseCidr(b)!, peerIp));
    expect(block, `${peer.name} owns the block of ${peerIp}`).toBeDefined();
    const route = parseIpRoutes(seen.routes!).find((r) => r.prefix === block);
    expect(route, `${node.name} has a BIRD route to ${peer.name}'s block ${block}`).toBeDefined();
    expect(route?.via).toBe(peer.underlayIp);
    expect(route?.dev, `${node.name}'s route to ${peer.name}'s block`).toBe(dev);
    const line = seen.table!.split("\n").find((l) => l.startsWith(`${block} `));
    const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const want = `^${escaped(block!)} via ${escaped(peer.underlayIp)} dev ${dev} proto bird${dev === "tunl0" ? " onlink" : ""}`;
    expect(line, `${node.name}: ip route`).toMatch(new RegExp(want));
  }
}

/** Runs `check` until it passes or `seconds` are over; then its last failure is the test's. */
async function convergedWithin(seconds: number, check: () => void): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
}

/** Three pings from `from`'s first workload to `to`'s, through `from`'s VM. */
function workloadPing(from: LabNodeOutput, to: LabNodeOutput): string {
  return inNode(from, ...workloadPingArgv(from, to, 3));
}

function expectPingsBothWays(outputs: LabOutputs): void {
  const [a, b] = outputs.nodes;
  expect(workloadPing(a!, b!)).toMatch(/3 received/);
  expect(workloadPing(b!, a!)).toMatch(/3 received/);
}
