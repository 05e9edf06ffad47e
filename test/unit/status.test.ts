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
