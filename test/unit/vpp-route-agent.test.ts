import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

// The vpp node's route agent (images/node-vpp/rootfs/usr/local/sbin/vpp-route-agent (not bin/: .gitignore ignores every bin/)) under bash with
// stand-ins for ip, calicoctl, vppctl and pidof: BIRD's kernel routes in, `vppctl ip route` commands out.
const agent = join(__dirname, "..", "..", "images", "node-vpp", "rootfs", "usr", "local", "sbin", "vpp-route-agent");
const dir = mkdtempSync(join(tmpdir(), "calico-lab-vpp-agent-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, "bin");
const state = join(dir, "state");
const run = join(dir, "run");
const vppLog = join(dir, "vppctl.log");
mkdirSync(bin);

function stub(name: string, body: string) {
  writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}
stub("ip", `[ "$*" = "-4 route show proto bird" ] && cat "${dir}/routes"; exit 0`);
stub("calicoctl", `cat "${dir}/nodes"`);
stub("pidof", `cat "${dir}/pid"`);
stub(
  "vppctl",
  `[ "$1" = show ] && exit 0; echo "$*" >> "${vppLog}"; [ -f "${dir}/vpp-fails" ] && echo "ip route: unknown input \\\`host-eth0'"; exit 0`,
);

function once(routes: string, nodes: string, pid = "100") {
  writeFileSync(join(dir, "routes"), routes);
  writeFileSync(join(dir, "nodes"), nodes);
  writeFileSync(join(dir, "pid"), pid);
  rmSync(vppLog, { force: true });
  const r = spawnSync("/bin/bash", [agent, "--once"], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, VPP_LAB_STATE: state, VPP_ROUTE_AGENT_RUN: run },
  });
  let calls: string[] = [];
  try {
    calls = readFileSync(vppLog, "utf8").trim().split("\n");
  } catch {
    calls = [];
  }
  return { code: r.status, stdout: r.stdout, calls };
}

/** `calicoctl get nodes -o json` as calicoctl prints it (two spaces per level), for [BGP address, VPP uplink label]. */
function nodeList(nodes: [string, string | undefined][]): string {
  const items = nodes.map(([address, uplink], i) => ({
    kind: "Node",
    apiVersion: "projectcalico.org/v3",
    metadata: { name: `node${i + 1}`, ...(uplink ? { labels: { "calico-lab/vpp-uplink": uplink } } : {}) },
    spec: { bgp: { ipv4Address: address } },
    status: {},
  }));
  return JSON.stringify({ kind: "NodeList", apiVersion: "projectcalico.org/v3", metadata: {}, items }, null, 2);
}
const nodes = nodeList([
  ["172.31.200.11/24", "172.31.200.111"],
  ["172.31.200.12/24", "172.31.200.112"],
  ["172.31.200.13/24", undefined],
]);
const bird =
  "blackhole 10.123.1.0/26 proto bird \n" +
  "10.123.2.0/26 via 172.31.200.12 dev eth0 proto bird \n" +
  "10.123.3.0/26 via 172.31.200.13 dev eth0 proto bird \n";

describe("vpp-route-agent --once", () => {
  beforeEach(() => {
    rmSync(state, { recursive: true, force: true });
    rmSync(run, { recursive: true, force: true });
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, "uplink"), "172.31.200.111/24 eth0 02:fe:ac:1f:c8:6f\n");
  });

  it("programs each BIRD route via the peer's VPP uplink, skipping blackholes and nodes without VPP", () => {
    const r = once(bird, nodes);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(["ip route add 10.123.2.0/26 via 172.31.200.112 host-eth0"]);
    expect(r.stdout).toMatch(/skip 10\.123\.3\.0\/26: BIRD next hop 172\.31\.200\.13 has no calico-lab\/vpp-uplink label/);
  });

  it("changes nothing when VPP already has the routes, and removes a route BIRD withdrew", () => {
    once(bird, nodes);
    expect(once(bird, nodes).calls).toEqual([]);
    const r = once("blackhole 10.123.1.0/26 proto bird \n", nodes);
    expect(r.calls).toEqual(["ip route del 10.123.2.0/26 via 172.31.200.112 host-eth0"]);
  });

  it("moves a route whose next hop changed, and programs everything again after VPP restarts", () => {
    once(bird, nodes);
    const moved = once("10.123.2.0/26 via 172.31.200.11 dev eth0 proto bird \n", nodes);
    expect(moved.calls).toEqual([
      "ip route del 10.123.2.0/26 via 172.31.200.112 host-eth0",
      "ip route add 10.123.2.0/26 via 172.31.200.111 host-eth0",
    ]);
    const restarted = once("10.123.2.0/26 via 172.31.200.11 dev eth0 proto bird \n", nodes, "200");
    expect(restarted.calls).toEqual(["ip route add 10.123.2.0/26 via 172.31.200.111 host-eth0"]);
    expect(restarted.stdout).toMatch(/VPP restarted \(pid 200\)/);
  });

  it("tries a route again on the next pass when VPP refused it (printed something)", () => {
    writeFileSync(join(dir, "vpp-fails"), "");
    const refused = once(bird, nodes);
    rmSync(join(dir, "vpp-fails"));
    expect(refused.stdout).toMatch(/add 10\.123\.2\.0\/26 via 172\.31\.200\.112 \(host-eth0\) failed: ip route: unknown input/);
    expect(once(bird, nodes).calls).toEqual(["ip route add 10.123.2.0/26 via 172.31.200.112 host-eth0"]);
    expect(once(bird, nodes).calls).toEqual([]);
  });

  it("waits for the uplink before programming anything", () => {
    rmSync(join(state, "uplink"));
    const r = once(bird, nodes);
    expect(r.code).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.stdout).toMatch(/no uplink yet/);
  });
});
