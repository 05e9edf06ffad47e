import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LabNodeOutput } from "../../components/lab/outputs";
import { parseVppFib, parseVppInterfaces } from "../../core/scenarios/vpp-forwarding";
import { vppWorkloadInterface } from "../../core/scenarios/vpp-forwarding-status";
import versions from "../../versions.json";
import { expectLiveLab, labStatus, outputsOf, ping, POOL, type LabOutputs } from "./lab-expectations";
import { dockerExec, freeUnderlay, missingPrerequisites } from "./live";
import { labSuite } from "./suite";

// The seed's VPP forwarding lab (scenario vpp-forwarding; docs/vpp.md) as a stack, through the real engine: etcd and
// three node-vpp containers, workloads attached to VPP, BIRD's routes in VPP's FIB. Needs the opt-in part
// `build.sh --vpp` (the node-vpp image): without that image the suite is skipped, saying so.
const image = versions.vpp.nodeImage;
const hasImage = spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status === 0;
if (!hasImage) console.log(`vpp-forwarding: skipped: no image ${image} (run bash scripts/offline/build.sh --vpp)`);
const missing = hasImage ? missingPrerequisites() : [];
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);

const run = Date.now().toString(36);
const ip = (node: LabNodeOutput) => node.workloads[0]!.ip.split("/")[0]!;
const vppctl = (node: LabNodeOutput, ...args: string[]) => dockerExec(node.container, "vppctl", ...args);
const txPackets = (node: LabNodeOutput, iface: string) =>
  parseVppInterfaces(vppctl(node, "show", "interface", iface)).find((i) => i.name === iface)?.counters["tx packets"] ?? 0;
const fibPrefixes = (node: LabNodeOutput) => parseVppFib(vppctl(node, "show", "ip", "fib")).map((r) => r.prefix);

async function until(what: string, holds: () => boolean, seconds: number): Promise<void> {
  for (const end = Date.now() + seconds * 1000; !holds(); ) {
    if (Date.now() > end) throw new Error(`${what}: not within ${seconds}s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Calico IPAM holds exactly the workloads' addresses, each under vpp-lab's handle for it (the calico-ipam plugin's
 * `<network>.<container id>`, vpp-lab's container id being `vpp-<workload>`). Not `calicoctl ipam check`: vpp-lab makes
 * no WorkloadEndpoint, so that check counts every workload's address as allocated but unused.
 */
function expectVppIpam(outputs: LabOutputs): void {
  const keys = dockerExec(outputs.etcd.container, "etcdctl", "get", "--prefix", "/calico/ipam/v2/handle/", "--keys-only");
  const handles = keys
    .split("\n")
    .filter(Boolean)
    .map((key) => key.split("/").pop());
  const workloads = outputs.nodes.flatMap((n) => n.workloads.map((w) => `calico-lab-vpp.vpp-${w.name}`));
  expect([...handles].sort()).toEqual([...workloads].sort());
  expect(new Set(outputs.nodes.flatMap((n) => n.workloads.map((w) => w.ip))).size, "no address handed out twice").toBe(workloads.length);
}

/** Each node's VPP as the outputs report it: uplink and workload interfaces up, the other nodes' blocks via their VPPs, nothing else. */
function expectVppOutputs(nodes: readonly LabNodeOutput[]): void {
  for (const node of nodes) {
    const vpp = node.vpp;
    expect(vpp, `${node.name} reports its VPP`).toBeDefined();
    expect(vpp!.problems, `${node.name}'s VPP`).toEqual([]);
    const up = vpp!.interfaces.filter((i) => i.state === "up").map((i) => i.name);
    expect(up).toEqual(expect.arrayContaining(["host-eth0", "loop0", vppWorkloadInterface(node.workloads[0]!.name)]));
    for (const other of nodes.filter((n) => n !== node)) {
      for (const block of other.blocks) {
        expect(vpp!.fib, `${node.name}'s VPP reaches ${other.name}'s ${block}`).toContainEqual({
          prefix: block,
          via: other.vpp!.uplinkAddress,
          interface: "host-eth0",
        });
      }
    }
    expect(vpp!.fib).toContainEqual({ prefix: `${ip(node)}/32`, via: ip(node), interface: vppWorkloadInterface(node.workloads[0]!.name) });
  }
}

describe.skipIf(!hasImage).sequential("VPP forwarding lab on Docker (vpp-forwarding): three nodes", () => {
  const stackName = `e2e-vppfwd-${run}`;
  const lab = labSuite(stackName, () => ({
    scenario: "vpp-forwarding",
    imageMode: "offline",
    underlay: { cidr: freeUnderlay(), internal: true },
    calico: { nodes: 3 },
    workloads: { perNode: 1 },
    ipPools: [{ name: "vpp-pool", cidr: POOL, blockSize: 26, ipipMode: "Never", vxlanMode: "Never", natOutgoing: false, disabled: false }],
  }));
  let outputs: LabOutputs;

  it("up: BGP mesh Established, workloads from Calico IPAM, every VPP holding the other nodes' blocks (outputs)", async () => {
    outputs = outputsOf(await lab.stack.up({ onOutput: () => undefined }));
    expect(outputs.nodes.map((n) => n.name)).toEqual(["calico1", "calico2", "calico3"]);
    expectLiveLab(outputs, [
      ["calico1", "calico2"],
      ["calico1", "calico3"],
      ["calico2", "calico3"],
    ]);
    expectVppOutputs(outputs.nodes);
    expectVppIpam(outputs);
  });

  it("a workload on calico1 pings one on calico2 through both VPPs; calico2's kernel has no route to its workload", () => {
    const [a, b] = outputs.nodes;
    const target = vppWorkloadInterface(b!.workloads[0]!.name);
    // The kernel path cannot carry it: calico2's kernel holds only the blackhole of its own block.
    const kernel = spawnSync("docker", ["exec", b!.container, "ip", "-4", "route", "get", ip(b!)], { encoding: "utf8" });
    expect(kernel.status, `calico2's kernel route to ${ip(b!)}: ${kernel.stdout}${kernel.stderr}`).not.toBe(0);
    expect(dockerExec(b!.container, "ip", "-4", "route", "show", "proto", "bird")).toMatch(new RegExp(`^blackhole ${b!.blocks[0]}`, "m"));
    const before = txPackets(b!, target);
    vppctl(b!, "clear", "trace");
    // Enough entries: a workload veth's IPv6 router solicitations can take the first ones.
    vppctl(b!, "trace", "add", "af-packet-input", "100");
    expect(ping(a!, b!)).toMatch(/3 received/);
    expect(txPackets(b!, target) - before, `calico2's VPP sent the echo requests out ${target}`).toBeGreaterThanOrEqual(3);
    const trace = vppctl(b!, "show", "trace", "max", "100");
    expect(trace).toContain(`ICMP: ${ip(a!)} -> ${ip(b!)}`);
    expect(trace).toContain(`${target}-output`);
    vppctl(b!, "clear", "trace");
  });

  it("lab:exec runs vppctl in a node; lab:status reads every VPP and finds the lab as its settings say", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-vppfwd-"));
    try {
      writeFileSync(join(dir, "outputs.json"), JSON.stringify({ ...outputs, scenario: "vpp-forwarding" }));
      const exec = spawnSync(
        "npm",
        ["run", "-s", "lab:exec", "--", "--outputs", join(dir, "outputs.json"), "calico1", "vppctl", "show", "ip", "fib"],
        { encoding: "utf8" },
      );
      expect(exec.status, exec.stderr).toBe(0);
      expect(parseVppFib(exec.stdout).map((r) => r.prefix)).toEqual(expect.arrayContaining([...outputs.nodes[1]!.blocks]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const status = await labStatus({ ...outputs, scenario: "vpp-forwarding" } as LabOutputs);
    expect(status.code, status.text).toBe(0);
    for (const node of status.status.nodes) {
      expect(node.vpp?.problems, `${node.name}: ${status.text}`).toEqual([]);
      expect(node.vpp?.fib.length, `${node.name}'s VPP routes in the pool`).toBeGreaterThanOrEqual(3);
    }
  });

  it("a restarted VPP comes back with its uplink and workload, and the route agent programs BIRD's routes again", async () => {
    const [a, b] = outputs.nodes;
    dockerExec(b!.container, "sv", "restart", "vpp");
    await until(
      `calico2's VPP holds ${a!.blocks[0]} again`,
      () => {
        const fib = spawnSync("docker", ["exec", b!.container, "vppctl", "show", "ip", "fib"], { encoding: "utf8" });
        return fib.status === 0 && parseVppFib(fib.stdout).some((r) => r.prefix === a!.blocks[0] && r.interface === "host-eth0");
      },
      60,
    );
    expect(ping(a!, b!)).toMatch(/3 received/);
  });

  it("a second up changes nothing", async () => {
    const changes = (await lab.stack.preview({ onOutput: () => undefined })).changeSummary;
    expect(Object.entries(changes ?? {}).filter(([op, n]) => op !== "same" && n > 0)).toEqual([]);
  });

  it("calico3 taken out of the settings: its block leaves the other VPPs, its workload leaves IPAM", async () => {
    const leaving = outputs.nodes[2]!;
    await lab.stack.setConfig("calico-lab:calico.nodes", { value: "2" }, true);
    const result = await lab.stack.up({ onOutput: () => undefined });
    expect(result.summary.resourceChanges?.delete ?? 0).toBeGreaterThan(0);
    const remaining = outputsOf(result).nodes;
    for (const node of remaining) {
      await until(`${leaving.blocks[0]} out of ${node.name}'s VPP`, () => !fibPrefixes(node).includes(leaving.blocks[0]!), 60);
    }
    // `npm run lab:up` refreshes first: the next up reads the lab as it is now.
    outputs = outputsOf(await lab.stack.up({ refresh: true, onOutput: () => undefined }));
    expect(outputs.nodes.map((n) => n.name)).toEqual(["calico1", "calico2"]);
    expectLiveLab(outputs, [["calico1", "calico2"]]);
    expectVppOutputs(outputs.nodes);
    for (const node of outputs.nodes) expect(node.vpp!.fib.map((r) => r.prefix)).not.toContain(leaving.blocks[0]);
    expectVppIpam(outputs);
    expect(ping(outputs.nodes[1]!, outputs.nodes[0]!)).toMatch(/3 received/);
  });
});
