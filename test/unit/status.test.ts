import { describe, expect, it } from "vitest";
import { parseCidr } from "../../core/addressing";
import { formatStatus, liveStatus } from "../../core/status";
import { expectedTopology } from "../../core/topology";

const expected = expectedTopology({
  asNumber: 64512,
  mode: "mesh",
  routeReflectors: [],
  nodes: [
    { name: "calico1", address: "192.168.4.5" },
    { name: "calico2", address: "192.168.4.6" },
  ],
});
const bird = (peer: string, info: string) =>
  `BIRD 1.6.8 ready.\nname     proto    table    state  since       info\n${peer} BGP      master   up     12:00:00    ${info}\n`;
const pools = [parseCidr("10.1.0.0/16")!];
const workloads = { calico1: [{ name: "calico1-wl1", ip: "10.1.127.192/32" }], calico2: [] };

describe("lab:status", () => {
  it("a healthy lab: nodes up, the session Established from both ends, blocks and routes; it matches", () => {
    const status = liveStatus(
      expected,
      [
        {
          node: "calico1",
          birdProtocols: bird("Mesh_192_168_4_6", "Established"),
          routes: "blackhole 10.1.127.192/26 proto bird\n10.1.86.64/26 via 192.168.4.6 dev eth0 proto bird\n",
        },
        { node: "calico2", birdProtocols: bird("Mesh_192_168_4_5", "Established"), routes: "blackhole 10.1.86.64/26 proto bird\n" },
      ],
      pools,
      workloads,
    );
    expect(status.matches).toBe(true);
    expect(status.nodes.map((n) => [n.name, n.up, n.blocks])).toEqual([
      ["calico1", true, ["10.1.127.192/26"]],
      ["calico2", true, ["10.1.86.64/26"]],
    ]);
    expect(formatStatus(status).split("\n")).toEqual([
      "nodes:",
      "  calico1    192.168.4.5     mesh      AS 64512  up  blocks 10.1.127.192/26",
      "    workload calico1-wl1 10.1.127.192/32",
      "  calico2    192.168.4.6     mesh      AS 64512  up  blocks 10.1.86.64/26",
      "sessions:",
      "  calico1 <-> calico2  node-to-node mesh  Established  (calico1: up Established since 12:00:00; calico2: up Established since 12:00:00)",
      "routes to other nodes' blocks:",
      "  calico1: 10.1.86.64/26 via 192.168.4.6 (calico2, bird)",
      "the lab matches its settings",
    ]);
  });

  it("a node that cannot be read and a session not Established are differences", () => {
    const status = liveStatus(
      expected,
      [
        { node: "calico1", birdProtocols: bird("Mesh_192_168_4_6", "Active        Socket: Connection refused"), routes: "" },
        { node: "calico2", birdProtocols: "", routes: "", error: "No such container: calicolab-bird-calico2" },
      ],
      pools,
      workloads,
    );
    expect(status.matches).toBe(false);
    expect(status.nodes[1]).toMatchObject({ up: false, error: "No such container: calicolab-bird-calico2" });
    expect(status.problems).toEqual([
      "calico2 cannot be read: No such container: calicolab-bird-calico2",
      "not established calico1|calico2",
    ]);
  });
});

describe("lab:status without a lab", () => {
  it("exits 2 and says so", async () => {
    const { spawnSync } = await import("node:child_process");
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-status-"));
    writeFileSync(join(dir, "outputs.json"), "{}");
    const result = spawnSync(
      "npx",
      ["ts-node", "--transpile-only", "scripts/status/lab-status.ts", "--outputs", join(dir, "outputs.json")],
      {
        encoding: "utf8",
      },
    );
    rmSync(dir, { recursive: true, force: true });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("no lab");
  });
});

describe("lab:status on vpp-forwarding: every node's VPP", () => {
  const entry = (prefix: string, via: string, iface: string) =>
    `${prefix}\n  unicast-ip4-chain\n    [0] [@5]: ipv4 via ${via} ${iface}: mtu:1500 next:4 flags:[] 02fe\n`;
  const interfaces = (workload: string) =>
    `host-eth0    1  up  1500/0/0/0  rx packets  9\n  tx packets  1\nhost-v-${workload}  3  up  1500/0/0/0  tx packets  5\nloop0  2  up  9000/0/0/0\n`;
  const readings = [
    {
      node: "calico1",
      birdProtocols: bird("Mesh_192_168_4_6", "Established"),
      routes: "blackhole 10.1.127.192/26 proto bird\n10.1.86.64/26 via 192.168.4.6 dev eth0 proto bird\n",
    },
    {
      node: "calico2",
      birdProtocols: bird("Mesh_192_168_4_5", "Established"),
      routes: "blackhole 10.1.86.64/26 proto bird\n10.1.127.192/26 via 192.168.4.5 dev eth0 proto bird\n",
    },
  ];
  const both = { calico1: [{ name: "calico1-wl1", ip: "10.1.127.192/32" }], calico2: [{ name: "calico2-wl1", ip: "10.1.86.64/32" }] };

  it("reports each VPP's interfaces and pool routes, and matches when they are what the lab expects", () => {
    const status = liveStatus(expected, readings, pools, both, {
      calico1: {
        uplinkAddress: "192.168.4.133",
        interfaces: interfaces("calico1-wl1"),
        fib: entry("10.1.86.64/26", "192.168.4.134", "host-eth0") + entry("10.1.127.192/32", "10.1.127.192", "host-v-calico1-wl1"),
      },
      calico2: {
        uplinkAddress: "192.168.4.134",
        interfaces: interfaces("calico2-wl1"),
        fib: entry("10.1.127.192/26", "192.168.4.133", "host-eth0") + entry("10.1.86.64/32", "10.1.86.64", "host-v-calico2-wl1"),
      },
    });
    expect(status.problems).toEqual([]);
    expect(status.matches).toBe(true);
    expect(formatStatus(status).split("\n").slice(0, 8)).toEqual([
      "nodes:",
      "  calico1    192.168.4.5     mesh      AS 64512  up  blocks 10.1.127.192/26",
      "    workload calico1-wl1 10.1.127.192/32",
      "    VPP uplink 192.168.4.133",
      "    VPP interface host-eth0            up   rx 9 tx 1 packets",
      "    VPP interface host-v-calico1-wl1   up   rx 0 tx 5 packets",
      "    VPP interface loop0                up   rx 0 tx 0 packets",
      "    VPP route 10.1.86.64/26 via 192.168.4.134 host-eth0",
    ]);
  });

  it("a VPP without the other node's block, or that cannot be read, is a difference", () => {
    const status = liveStatus(expected, readings, pools, both, {
      calico1: {
        uplinkAddress: "192.168.4.133",
        interfaces: interfaces("calico1-wl1"),
        fib: entry("10.1.127.192/32", "10.1.127.192", "host-v-calico1-wl1"),
      },
      calico2: { uplinkAddress: "192.168.4.134", interfaces: "", fib: "", error: "exit 1: vppctl: connect: No such file or directory" },
    });
    expect(status.matches).toBe(false);
    expect(status.problems).toEqual([
      "calico1: VPP has no route to 10.1.86.64/26 (calico2)",
      "calico2: VPP cannot be read: exit 1: vppctl: connect: No such file or directory",
    ]);
  });
});
