import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contains, parseCidr } from "../../core/addressing";
import { unknownInterfaceMessage } from "../../core/lab-messages";
import {
  captureDuring,
  expectIcmpBetween,
  expectIpamClean,
  expectHostSysctlsReadOnly,
  expectLiveLab,
  labStatus,
  liveSessions,
  outputsOf,
  ping,
  POOL,
  type LabOutputs,
  workloadPingArgv,
} from "./lab-expectations";
import { dockerExec, freeUnderlay, leftovers, missingPrerequisites, openStack, sh, shAsync } from "./live";
import { labSuite } from "./suite";

const missing = missingPrerequisites();
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);

const run = Date.now().toString(36);

/** Runs an npm script on the stack's outputs (written to `dir`): exit code and what it said. */
function labCommand(dir: string, outputs: LabOutputs, script: string, args: string[]): { code: number | null; text: string; ms: number } {
  writeFileSync(join(dir, "outputs.json"), JSON.stringify(outputs));
  const started = Date.now();
  const result = spawnSync("npm", ["run", "-s", script, "--", "--outputs", join(dir, "outputs.json"), ...args], { encoding: "utf8" });
  return { code: result.status, text: `${result.stdout}${result.stderr}`, ms: Date.now() - started };
}

/** The texts of an SVG's <text> elements (Graphviz writes one per label line), entities decoded. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    (m[1] ?? "").replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, "&"),
  );
}

function onlySame(changes: Record<string, number> | undefined): void {
  const changed = Object.entries(changes ?? {}).filter(([op, n]) => op !== "same" && n > 0);
  expect(changed, "no resource changes").toEqual([]);
}

describe.sequential("bird lab on Docker: mesh of three", () => {
  const stackName = `e2e-mesh-${run}`;
  const lab = labSuite(stackName, () => ({
    imageMode: "offline",
    underlay: { cidr: freeUnderlay(), internal: true },
    calico: { nodes: 3 },
    workloads: { perNode: 1 },
  }));
  let outputs: LabOutputs;

  it("up: sessions Established both ways, BIRD routes to every block, workloads in the pool, outputs agree", async () => {
    const result = await lab.stack.up({ onOutput: () => undefined });
    outputs = outputsOf(result);
    const names = outputs.nodes.map((n) => n.name);
    expect(names).toEqual(["calico1", "calico2", "calico3"]);
    expectLiveLab(outputs, [
      ["calico1", "calico2"],
      ["calico1", "calico3"],
      ["calico2", "calico3"],
    ]);
  });

  it("a workload on one node reaches a workload on another", () => {
    const [a, b, c] = outputs.nodes;
    expect(ping(a!, b!)).toMatch(/3 received/);
    expect(ping(c!, a!)).toMatch(/3 received/);
    expectIpamClean(outputs);
    expect(new Set(outputs.nodes.flatMap((n) => n.workloads.map((w) => w.ip))).size, "no address handed out twice").toBe(3);
  });

  it("no node can write the host's kernel settings: /proc/sys is read-only in each node, but for its own /proc/sys/net", () => {
    expectHostSysctlsReadOnly(outputs.nodes);
  });

  it("workloads keep reaching each other, not one packet lost, while other networks come and go on the engine", async () => {
    // Docker moves FORWARD's jump to DOCKER-USER (delete, then insert) on every network create: the lab's rule
    // must hold through that instant too (core/substrates/docker/bridge-forwarding.ts).
    const [a, b] = outputs.nodes;
    const pinging = spawn("docker", ["exec", a!.container, ...workloadPingArgv(a!, b!, 1, 1000, 0.01)]);
    let said = "";
    pinging.stdout.on("data", (chunk: Buffer) => (said += chunk.toString()));
    const pinged = new Promise<void>((resolve) => pinging.on("close", () => resolve()));
    let pingEnded = false;
    void pinged.then(() => (pingEnded = true));
    const churn = `calicolab-${stackName}-churn`;
    let creates = 0;
    try {
      while (!said.includes("bytes from") && !pingEnded) await new Promise((resolve) => setTimeout(resolve, 50));
      while (!pingEnded && creates < 10) {
        await shAsync(["docker", "network", "create", "--internal", "--label", `calico-lab.stack=${stackName}`, churn]);
        await shAsync(["docker", "network", "rm", churn]);
        if (!pingEnded) creates++;
      }
    } finally {
      await pinged;
      spawnSync("docker", ["network", "rm", churn]);
    }
    console.log(`networks created and removed during a 1000-packet ping: ${creates}`);
    expect(creates, "networks created while the ping ran").toBeGreaterThanOrEqual(3);
    expect(said).toMatch(/1000 packets transmitted, 1000 received/);
  });

  it("lab:graph draws the live lab: every node with its address and blocks, the sessions Established, the workloads", () => {
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-graph-"));
    try {
      const graph = labCommand(dir, outputs, "lab:graph", [stackName, "--out", join(dir, "lab")]);
      expect(graph.code, graph.text).toBe(0);
      console.log(`lab:graph on a live mesh of three took ${(graph.ms / 1000).toFixed(1)} s: ${graph.text.trim()}`);
      const texts = svgTexts(readFileSync(join(dir, "lab.svg"), "utf8"));
      expect(texts).toContain(`calico-lab ${stackName}: matches its settings`);
      expect(texts).toContain("etcd");
      expect(texts).toContain(outputs.etcd.address);
      for (const node of outputs.nodes) {
        expect(texts).toContain(node.name);
        expect(texts).toContain(node.underlayIp);
        expect(texts).toContain("AS 64512 mesh");
        for (const block of node.blocks) expect(texts).toContain(`block ${block}`);
        for (const workload of node.workloads) expect(texts).toEqual(expect.arrayContaining([workload.name, workload.ip]));
      }
      expect(texts.filter((t) => t === "mesh Established")).toHaveLength(3);
      const png = readFileSync(join(dir, "lab.png"));
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      expect(png.readUInt32BE(16), "PNG width").toBeGreaterThan(500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lab:capture records the ICMP of a ping between workloads on a node's eth0; an unknown interface is named with the node's", async () => {
    const [a, b] = outputs.nodes;
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-capture-"));
    try {
      const seen = await captureDuring(dir, outputs, b!, "eth0", 6, () => expect(ping(a!, b!)).toMatch(/3 received/));
      console.log(`lab:capture of 6 s took ${seen.seconds.toFixed(1)} s: ${seen.said.trim().split("\n").slice(-1)[0]}`);
      expectIcmpBetween(seen.packets, a!, b!, 3);

      const wrong = labCommand(dir, outputs, "lab:capture", [a!.name, "eth9", "1"]);
      expect(wrong.code).toBe(2);
      const interfaces = dockerExec(a!.container, "ls", "/sys/class/net").split(/\s+/).filter(Boolean);
      expect(interfaces).toContain("eth0");
      const listed = /its interfaces: (.*) \(or any\)/.exec(wrong.text)?.[1]?.split(", ") ?? [];
      expect([...listed].sort(), wrong.text).toEqual([...interfaces].sort());
      expect(wrong.text.trim()).toBe(unknownInterfaceMessage(a!.name, "eth9", listed));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a second lab on the same underlay fails preview, naming this lab's network and stack", async () => {
    const other = `e2e-overlap-${run}`;
    const otherBackend = mkdtempSync(join(tmpdir(), "calico-lab-e2e-"));
    const cidr = (await lab.stack.getConfig("calico-lab:underlay.cidr", true)).value;
    const second = await openStack(other, otherBackend, { imageMode: "offline", underlay: { cidr, internal: true } });
    try {
      await expect(second.preview({ onOutput: () => undefined })).rejects.toThrow(
        new RegExp(`it overlaps calico-lab stack ${stackName}'s network calicolab-${stackName}-underlay-net`),
      );
      expect(leftovers(other)).toEqual([]);
    } finally {
      await second.workspace.removeStack(other, { force: true }).catch(() => undefined);
      rmSync(otherBackend, { recursive: true, force: true });
    }
  });

  it("a second up changes nothing, preview expects nothing, refresh finds no drift", async () => {
    onlySame((await lab.stack.up({ onOutput: () => undefined })).summary.resourceChanges);
    onlySame((await lab.stack.preview({ onOutput: () => undefined })).changeSummary);
    onlySame((await lab.stack.refresh({ onOutput: () => undefined })).summary.resourceChanges);
  });

  it("drift: a node removed by hand is noticed by refresh and brought back by up", async () => {
    const victim = outputs.nodes[1]!;
    sh(["docker", "rm", "--force", victim.container]);
    const refreshed = await lab.stack.refresh({ onOutput: () => undefined });
    expect(refreshed.summary.resourceChanges?.delete ?? 0, "refresh drops the missing container").toBeGreaterThan(0);
    const result = await lab.stack.up({ onOutput: () => undefined });
    expect(result.summary.resourceChanges?.create ?? 0).toBeGreaterThan(0);
    outputs = outputsOf(result);
    expectLiveLab(outputs, [
      ["calico1", "calico2"],
      ["calico1", "calico3"],
      ["calico2", "calico3"],
    ]);
    // the node's workload was plumbed anew: it reaches the others, and IPAM holds no stale or shared address
    expect(ping(outputs.nodes[1]!, outputs.nodes[0]!)).toMatch(/3 received/);
    expect(ping(outputs.nodes[2]!, outputs.nodes[1]!)).toMatch(/3 received/);
    expectIpamClean(outputs);
  });

  it("the outputs follow the live lab: BIRD stopped on a node shows in the next up, and so does its recovery", async () => {
    const victim = outputs.nodes[1]!;
    sh(["docker", "exec", victim.container, "sv", "-w", "20", "down", "/etc/service/enabled/bird"]);
    // npm run lab:status reads the nodes now, without an up: exit 1 and the session named
    const seen = await labStatus(outputs);
    expect(seen.code, seen.text).toBe(1);
    expect(
      seen.status.problems.some((p) => p.includes(victim.name)),
      seen.text,
    ).toBe(true);
    const broken = outputsOf(await lab.stack.up({ refresh: true, onOutput: () => undefined })).bgpTopology;
    expect(broken.matches).toBe(false);
    expect(
      broken.problems.some((p) => p.includes(victim.name)),
      broken.problems.join("; "),
    ).toBe(true);
    sh(["docker", "exec", victim.container, "sv", "-w", "20", "up", "/etc/service/enabled/bird"]);
    for (let i = 0; i < 60 && !liveSessions(outputs.nodes).get(victim.name)?.get(outputs.nodes[0]!.name)?.startsWith("Established"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const healed = outputsOf(await lab.stack.up({ refresh: true, onOutput: () => undefined })).bgpTopology;
    expect(healed.matches, healed.problems.join("; ")).toBe(true);
    const again = await labStatus(outputs);
    expect(again.code, again.text).toBe(0);
    expect(again.status.sessions.every((session) => session.established)).toBe(true);
    expect(again.status.nodes.every((node) => node.up && node.blocks.length > 0)).toBe(true);
  });

  it("a node taken out of the settings leaves the lab and etcd: no session to it, its container and Calico node gone", async () => {
    const leaving = outputs.nodes[2]!;
    await lab.stack.setConfig("calico-lab:calico.nodes", { value: "2" }, true);
    const result = await lab.stack.up({ onOutput: () => undefined });
    expect(result.summary.resourceChanges?.delete ?? 0).toBeGreaterThan(0);
    // Pulumi deletes what left the program after everything else, so this up read BGP while calico3 still ran:
    // its status may name calico3's sessions, and nothing else.
    const during = outputsOf(result).bgpTopology;
    expect(
      during.problems.every((p) => p.includes(leaving.underlayIp)),
      during.problems.join("; "),
    ).toBe(true);
    // confd on the others rewrites BIRD's peers once calico3's Calico node is gone from etcd: wait for that.
    const remaining = outputsOf(result).nodes;
    for (let i = 0; i < 60 && remaining.some((n) => liveSessions(remaining).get(n.name)?.has(leaving.underlayIp)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // `npm run lab:up` refreshes first: the next up reads the lab as it is now.
    outputs = outputsOf(await lab.stack.up({ refresh: true, onOutput: () => undefined }));
    expect(outputs.nodes.map((n) => n.name)).toEqual(["calico1", "calico2"]);
    // expectLiveLab counts every BGP protocol BIRD has (a peer kept for the removed node would fail it) and
    // wants bgpTopology.matches.
    expectLiveLab(outputs, [["calico1", "calico2"]]);
    expect(sh(["docker", "ps", "--all", "--quiet", "--filter", `name=^${leaving.container}$`]).trim()).toBe("");
    const table = sh(["docker", "exec", outputs.nodes[0]!.container, "calicoctl", "get", "nodes"]).trim().split("\n");
    expect(
      table
        .slice(1)
        .map((row) => row.trim())
        .sort(),
      table.join("\n"),
    ).toEqual(["calico1", "calico2"]);
    // Its block and its workload's address went with its Calico node: nothing leaked, nothing affine to a missing node.
    expectIpamClean(outputs);
    const again = await labStatus(outputs);
    expect(again.code, again.text).toBe(0);
    expect(ping(outputs.nodes[0]!, outputs.nodes[1]!)).toMatch(/3 received/);
  });
});

describe.sequential("bird lab on Docker: VXLAN pool", () => {
  const stackName = `e2e-vxlan-${run}`;
  const lab = labSuite(stackName, () => ({
    imageMode: "offline",
    underlay: { cidr: freeUnderlay(), internal: true },
    calico: { nodes: 2 },
    ipPools: [
      { name: "vxlan-pool", cidr: POOL, blockSize: 26, ipipMode: "Never", vxlanMode: "Always", natOutgoing: false, disabled: false },
    ],
  }));

  it("full-size packets that must not fragment cross nodes over vxlan.calico (the workload MTU leaves room for VXLAN)", async () => {
    const outputs = outputsOf(await lab.stack.up({ onOutput: () => undefined }));
    expect(JSON.parse(outputs.cniConfig.conflist).plugins[0].mtu).toBe(1450);
    const [a, b] = outputs.nodes;
    for (const node of [a!, b!]) {
      expect(node.tunnelAddress, `${node.name} has a VXLAN tunnel address in the pool`).not.toBeNull();
      expect(contains(parseCidr(POOL)!, node.tunnelAddress!)).toBe(true);
      expect(dockerExec(node.container, "ip", "-4", "-o", "addr", "show", "dev", "vxlan.calico")).toContain(`inet ${node.tunnelAddress}/`);
      expect(node.blocks.length).toBeGreaterThan(0);
    }
    // each node reaches the other's block over vxlan.calico, via the owner's tunnel address
    expect(outputs.bgpTopology.observed.routes[a!.name]).toEqual(
      expect.arrayContaining([{ prefix: b!.blocks[0], via: b!.tunnelAddress, viaNode: b!.name, protocol: "vxlan" }]),
    );
    const target = b!.workloads[0]!.ip.split("/")[0]!;
    const route = dockerExec(a!.container, "ip", "-4", "route", "get", target);
    expect(route, "routed over the VXLAN device").toContain("dev vxlan.calico");
    // 1450 - 20 (IPv4) - 8 (ICMP) = 1422 bytes of payload, with Don't Fragment
    const big = dockerExec(
      a!.container,
      "ip",
      "netns",
      "exec",
      a!.workloads[0]!.namespace,
      "ping",
      "-M",
      "do",
      "-s",
      "1422",
      "-c",
      "3",
      "-W",
      "2",
      target,
    );
    expect(big).toMatch(/3 received/);
    expectIpamClean(outputs);
  });
});

describe("bird lab on Docker: settings the machine cannot honour", () => {
  it("an IPIP pool fails preview on a kernel without the ipip module, naming the setting and the alternative", async (ctx) => {
    const ipip = sh(["sh", "-c", "test -e /sys/module/ipip && echo yes || echo no"]).trim() === "yes";
    ctx.skip(ipip, "this kernel has the ipip module: an IPIP pool is allowed here, so there is no refusal to check");
    const stackName = `e2e-ipip-${run}`;
    const backend = mkdtempSync(join(tmpdir(), "calico-lab-e2e-"));
    const stack = await openStack(stackName, backend, {
      imageMode: "offline",
      underlay: { cidr: freeUnderlay(), internal: true },
      ipPools: [
        { name: "ipip-pool", cidr: POOL, blockSize: 26, ipipMode: "Always", vxlanMode: "Never", natOutgoing: false, disabled: false },
      ],
    });
    try {
      await expect(stack.preview({ onOutput: () => undefined })).rejects.toThrow(
        /ipPools\[0\]\.ipipMode = "Always".*use vxlanMode Always or CrossSubnet, or the qemu substrate, whose VMs. own kernel has ipip/s,
      );
      expect(leftovers(stackName)).toEqual([]);
    } finally {
      await stack.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
      rmSync(backend, { recursive: true, force: true });
    }
  });
});

describe.sequential("bird lab on Docker: route reflector and three clients", () => {
  const stackName = `e2e-rr-${run}`;
  const lab = labSuite(stackName, () => ({
    imageMode: "offline",
    underlay: { cidr: freeUnderlay(), internal: true },
    calico: { nodes: 4 },
    bgp: { mode: "routeReflectors", routeReflectors: ["calico1"] },
    // 12 workloads whose first cnitool adds run at once on four nodes: none may race on the network's profile
    workloads: { perNode: 3 },
  }));

  it("sessions only between the reflector and its clients", async () => {
    const outputs = outputsOf(await lab.stack.up({ onOutput: () => undefined }));
    expect(outputs.nodes.map((n) => n.role)).toEqual(["reflector", "client", "client", "client"]);
    expectLiveLab(
      outputs,
      [
        ["calico1", "calico2"],
        ["calico1", "calico3"],
        ["calico1", "calico4"],
      ],
      3,
    );
    expect(new Set(outputs.nodes.flatMap((n) => n.workloads.map((w) => w.ip))).size, "12 distinct addresses").toBe(12);
    expect(ping(outputs.nodes[2]!, outputs.nodes[3]!)).toMatch(/3 received/);
  });
});
