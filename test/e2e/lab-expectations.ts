/** What the e2e tests expect of a live bird lab, read from the nodes themselves, not only from the stack's outputs. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack, UpResult } from "@pulumi/pulumi/automation";
import { expect } from "vitest";
import { contains, parseCidr } from "../../core/addressing";
import { peerFromProtocolName, parseBirdProtocols } from "../../core/parsers/birdc-protocols";
import { parseIpRoutes } from "../../core/parsers/ip-route";
import { IPPROTO_IPIP, ipv4Packets, parsePcap } from "../../core/parsers/pcap";
import type { LabNodeOutput, StackOutputs } from "../../components/lab/outputs";
import type { LiveStatus } from "../../core/status";
import { etcdDatastoreEnv } from "../../core/scenarios/bird";
import { dockerExec, labDown, leftovers, nodeExec, sh } from "./live";

export const POOL = "10.1.0.0/16";
/** What the bird suites read of the stack's outputs (StackOutputs, the one contract). */
export type LabOutputs = Pick<StackOutputs, "bgpTopology" | "etcd" | "diagram" | "cniConfig" | "ipPools"> & { nodes: LabNodeOutput[] };

export function outputsOf(result: UpResult): LabOutputs {
  return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value])) as unknown as LabOutputs;
}

/** BGP sessions as BIRD on each node reports them, read directly, not through the stack. */
export function liveSessions(nodes: LabNodeOutput[]): Map<string, Map<string, string>> {
  const byAddress = new Map(nodes.map((n) => [n.underlayIp, n.name]));
  return new Map(
    nodes.map((node) => {
      const peers = new Map<string, string>();
      for (const p of parseBirdProtocols(nodeExec(node, "birdcl", "-s", "/var/run/calico/bird.ctl", "show", "protocols"))) {
        const peer = p.protocol === "BGP" ? peerFromProtocolName(p.name) : undefined;
        if (peer) peers.set(byAddress.get(peer.address) ?? peer.address, p.info);
      }
      return [node.name, peers];
    }),
  );
}

/** The node's address on the lab network: its container's on this engine, else the lab network device's (kubernetes: lab0). */
function underlayAddresses(node: LabNodeOutput): string[] {
  if (node.access?.transport === "kubernetes") {
    return [...nodeExec(node, "ip", "-4", "-o", "address", "show", "dev", "lab0").matchAll(/inet (\S+)\//g)].map((m) => m[1]!);
  }
  return [sh(["docker", "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", node.container]).trim()];
}

export function expectLiveLab(outputs: LabOutputs, sessionPairs: Array<[string, string]>, perNode = 1): void {
  const { nodes } = outputs;
  const sessions = liveSessions(nodes);
  for (const [a, b] of sessionPairs) {
    expect(sessions.get(a)?.get(b), `${a} sees ${b}`).toMatch(/^Established/);
    expect(sessions.get(b)?.get(a), `${b} sees ${a}`).toMatch(/^Established/);
  }
  const totalSessions = [...sessions.values()].reduce((n, peers) => n + peers.size, 0);
  expect(totalSessions, "no sessions beyond the expected ones").toBe(sessionPairs.length * 2);

  const pool = parseCidr(POOL)!;
  for (const node of nodes) {
    expect(underlayAddresses(node), `${node.name} underlay address`).toContain(node.underlayIp);
    expect(node.workloads).toHaveLength(perNode);
    expect(node.blocks.length, `${node.name} owns a block`).toBeGreaterThan(0);
    for (const w of node.workloads) {
      const ip = w.ip.split("/")[0]!;
      expect(
        node.blocks.some((b) => contains(parseCidr(b)!, ip)),
        `${w.name} ${ip} is in a block ${node.name} owns`,
      ).toBe(true);
    }
    for (const w of node.workloads) expect(contains(pool, w.ip.split("/")[0]!), `${w.name} ${w.ip} in ${POOL}`).toBe(true);
    const routes = parseIpRoutes(nodeExec(node, "ip", "-4", "route", "show", "proto", "bird"));
    for (const other of nodes.filter((n) => n !== node)) {
      for (const w of other.workloads) {
        const ip = w.ip.split("/")[0]!;
        const route = routes.find((r) => r.via && contains(parseCidr(r.prefix)!, ip));
        expect(route, `${node.name} has a BIRD route to ${other.name}'s block holding ${ip}`).toBeDefined();
        expect(route?.via).toBe(other.underlayIp);
      }
    }
  }
  expect(outputs.bgpTopology.matches, outputs.bgpTopology.problems.join("; ")).toBe(true);
  expect(outputs.bgpTopology.observed.sessions.every((s) => s.established)).toBe(true);
  expect(outputs.diagram).toMatch(/^flowchart LR/);
}

/** `count` pings from `from`'s first workload to `to`'s, `interval` s apart, as argv run in `from`'s node (each waits `wait` s for its reply). */
export function workloadPingArgv(from: LabNodeOutput, to: LabNodeOutput, wait = 2, count = 3, interval = 1): string[] {
  return [
    ...["ip", "netns", "exec", from.workloads[0]!.namespace, "ping", "-c", String(count), "-i", String(interval), "-W", String(wait)],
    to.workloads[0]!.ip.split("/")[0]!,
  ];
}

export function ping(from: LabNodeOutput, to: LabNodeOutput): string {
  return dockerExec(from.container, ...workloadPingArgv(from, to));
}

/**
 * Issue 30, finding 2: in every Calico node of a working lab, the host-wide kernel settings under /proc/sys
 * (core_pattern, vm.*) are read-only, while the node's own /proc/sys/net (its network namespace only) is
 * writable, and Felix did write to it: each workload's cali* device answers ARP for its gateway (proxy_arp).
 */
export function expectHostSysctlsReadOnly(nodes: readonly LabNodeOutput[]): void {
  const probe = [
    'for p in kernel/core_pattern kernel/modprobe vm/overcommit_memory net/ipv4/ip_forward; do if [ -w "/proc/sys/$p" ]; then echo "$p writable"; else echo "$p read-only"; fi; done',
    "cat /proc/sys/net/ipv4/conf/cali*/proxy_arp",
  ].join("; ");
  for (const node of nodes) {
    const lines = dockerExec(node.container, "sh", "-c", probe).trim().split("\n");
    expect(lines.slice(0, 4), node.name).toEqual([
      "kernel/core_pattern read-only",
      "kernel/modprobe read-only",
      "vm/overcommit_memory read-only",
      "net/ipv4/ip_forward writable",
    ]);
    expect(lines.slice(4), `${node.name}: proxy_arp of its cali* devices`).toEqual(node.workloads.map(() => "1"));
  }
}

/** `calicoctl ipam check` run in a node against the lab's etcd (with its client certificate over TLS): every address has exactly one owner. */
export function expectIpamClean(outputs: LabOutputs): void {
  const node = outputs.nodes[0]!;
  const env = etcdDatastoreEnv(outputs.etcd.endpoints[0] ?? "", outputs.etcd.tls?.clientFiles);
  const report = sh([
    "docker",
    "exec",
    ...Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]),
    node.container,
    "calicoctl",
    "ipam",
    "check",
  ]);
  expect(report).toContain("Check complete; found 0 problems.");
}

/**
 * Runs `npm run lab:status -- --json` on the stack's outputs (written to a file): its exit code and what it
 * said. Asynchronous: on a VM lab under TCG it reads for many seconds, and a blocked worker loses vitest's RPC.
 */
export async function labStatus(outputs: LabOutputs): Promise<{ code: number | null; status: LiveStatus; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-status-"));
  try {
    writeFileSync(join(dir, "outputs.json"), JSON.stringify(outputs));
    const child = spawn("npm", ["run", "-s", "lab:status", "--", "--outputs", join(dir, "outputs.json"), "--json"]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const text = `${stdout}${stderr}`;
    let status: LiveStatus;
    try {
      status = JSON.parse(stdout) as LiveStatus;
    } catch {
      throw new Error(`lab:status printed no status (exit ${code}):\n${text}`);
    }
    return { code, status, text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `npm run lab:capture` of `node`'s `iface` for `seconds` (on the stack's outputs, written to `dir`); once
 * tcpdump listens, `traffic` runs (if given: traffic may also be flowing already). The packets the pcap
 * holds, what lab:capture said and how long it took.
 */
export async function captureDuring(
  dir: string,
  outputs: LabOutputs,
  node: LabNodeOutput,
  iface: string,
  seconds: number,
  traffic?: () => void,
): Promise<{ packets: ReturnType<typeof ipv4Packets>; said: string; seconds: number }> {
  writeFileSync(join(dir, "outputs.json"), JSON.stringify(outputs));
  const pcap = join(dir, `${node.name}-${iface}.pcap`);
  const started = Date.now();
  const capture = spawn("npm", [
    "run",
    "-s",
    "lab:capture",
    "--",
    "--outputs",
    join(dir, "outputs.json"),
    node.name,
    iface,
    String(seconds),
    "--out",
    pcap,
  ]);
  let said = "";
  const listening = new Promise<void>((resolve) => {
    const heard = (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes(`listening on ${iface}`)) resolve();
    };
    capture.stderr.on("data", heard);
    capture.stdout.on("data", heard);
  });
  const exited = new Promise<number | null>((resolve) => capture.on("exit", resolve));
  await Promise.race([listening, exited]);
  traffic?.();
  const code = await exited;
  expect(code, said).toBe(0);
  return { packets: ipv4Packets(parsePcap(readFileSync(pcap))), said, seconds: (Date.now() - started) / 1000 };
}

/** Echo requests from `from`'s first workload to `to`'s and the replies, in captured packets: at least `count` each way. */
export function expectIcmpBetween(packets: ReturnType<typeof ipv4Packets>, from: LabNodeOutput, to: LabNodeOutput, count: number): void {
  const [a, b] = [from.workloads[0]!.ip.split("/")[0]!, to.workloads[0]!.ip.split("/")[0]!];
  const icmp = packets.filter((p) => p.protocol === 1);
  expect(icmp.filter((p) => p.source === a && p.destination === b).length, "echo requests").toBeGreaterThanOrEqual(count);
  expect(icmp.filter((p) => p.source === b && p.destination === a).length, "echo replies").toBeGreaterThanOrEqual(count);
}

/**
 * On an underlay interface of an IPIP lab: the echo requests and replies between two nodes' workloads travel
 * inside IP protocol 4 packets between the nodes' underlay addresses, and none travel bare.
 */
export function expectIpipIcmpBetween(
  packets: ReturnType<typeof ipv4Packets>,
  from: LabNodeOutput,
  to: LabNodeOutput,
  count: number,
): void {
  const [a, b] = [from.workloads[0]!.ip.split("/")[0]!, to.workloads[0]!.ip.split("/")[0]!];
  const carried = (outer: [string, string], inner: [string, string]) =>
    packets.filter(
      (p) =>
        p.protocol === IPPROTO_IPIP &&
        p.source === outer[0] &&
        p.destination === outer[1] &&
        p.inner?.protocol === 1 &&
        p.inner.source === inner[0] &&
        p.inner.destination === inner[1],
    ).length;
  expect(carried([from.underlayIp, to.underlayIp], [a, b]), "echo requests inside IPIP").toBeGreaterThanOrEqual(count);
  expect(carried([to.underlayIp, from.underlayIp], [b, a]), "echo replies inside IPIP").toBeGreaterThanOrEqual(count);
  const bare = packets.filter((p) => p.protocol === 1 && [a, b].includes(p.source) && [a, b].includes(p.destination));
  expect(bare, "no workload ICMP outside the tunnel").toEqual([]);
}

/** afterAll of a lab's suite: destroy, check that nothing of the stack is left, then forget the stack and its backend. */
export async function destroyAndForget(stack: Stack | undefined, stackName: string, backendDir: string): Promise<void> {
  try {
    if (stack) await labDown(stack);
    expect(leftovers(stackName), "nothing labelled with the stack is left").toEqual([]);
  } finally {
    await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
    rmSync(backendDir, { recursive: true, force: true });
  }
}
