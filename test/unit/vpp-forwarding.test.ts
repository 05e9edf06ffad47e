import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCidr } from "../../core/addressing";
import {
  parseVppWorkloadAdd,
  VPP_FIB_SCRIPT,
  VPP_INTERFACES_SCRIPT,
  vppFibFollowsBirdScript,
  vppWorkloadDelScript,
  parseVppFib,
  parseVppInterfaces,
  vppMac,
  vppUplinkAddress,
  vppUplinkScript,
  vppWorkloadAddScript,
} from "../../core/scenarios/vpp-forwarding";
import { observeVppNodes, type VppNodeFacts } from "../../core/scenarios/vpp-forwarding-status";
import { fixture as readFixture } from "../support/fixtures";

const underlay = parseCidr("172.31.200.0/24")!;

describe("VPP forwarding lab: addresses", () => {
  it("puts each node's VPP uplink in the upper half of the lab subnet, at the node's own offset", () => {
    expect(vppUplinkAddress(underlay, "172.31.200.5")).toBe("172.31.200.133");
    expect(vppUplinkAddress(underlay, "172.31.200.6")).toBe("172.31.200.134");
    expect(vppUplinkAddress(parseCidr("10.0.0.0/16")!, "10.0.1.7")).toBe("10.0.129.7");
  });

  it("refuses addresses outside the subnet or in its upper half, and IPv6", () => {
    expect(() => vppUplinkAddress(underlay, "172.31.201.5")).toThrow(/not in the underlay/);
    expect(() => vppUplinkAddress(underlay, "172.31.200.200")).toThrow(/upper half/);
    expect(() => vppUplinkAddress(parseCidr("fd00::/64")!, "fd00::5")).toThrow(/IPv4 only/);
  });

  it("derives a locally administered MAC from an address", () => {
    expect(vppMac("172.31.200.133")).toBe("02:fe:ac:1f:c8:85");
    expect(() => vppMac("172.31.200")).toThrow(/not an IPv4 address/);
  });
});

describe("VPP forwarding lab: node-side scripts", () => {
  it("never lets vppctl read the script it runs in (it sends VPP its stdin even with a command given)", () => {
    const scripts = [
      vppUplinkScript("172.31.200.133/24"),
      vppWorkloadAddScript("wl1"),
      vppWorkloadDelScript("wl1"),
      VPP_INTERFACES_SCRIPT,
      VPP_FIB_SCRIPT,
      vppFibFollowsBirdScript(),
    ];
    for (const script of scripts) {
      for (const line of script.split("\n").filter((l) => /\b(vppctl|vpp-lab) /.test(l))) expect(line, script).toContain("</dev/null");
    }
  });

  it("waits for VPP before making the uplink", () => {
    const script = vppUplinkScript("172.31.200.133/24");
    expect(script).toMatch(/until vppctl show version <\/dev\/null/);
    expect(script.trim().split("\n").pop()).toBe("vpp-lab uplink 172.31.200.133/24 eth0 </dev/null");
  });

  it("refuses workload names that do not make a Linux interface name", () => {
    expect(vppWorkloadAddScript("wl1")).toBe("vpp-lab workload add wl1 </dev/null");
    expect(() => vppWorkloadAddScript("a-very-long-name")).toThrow(/1-13/);
    expect(() => vppWorkloadAddScript("x;rm")).toThrow();
  });
});

// Seen output of the node-vpp image's VPP (vpp-smoke.sh --keep, node1 after the ping): test/fixtures/vpp/.
const fixture = (name: string) => readFixture("vpp", name);

describe("VPP forwarding lab: parsers of VPP's CLI", () => {
  it("parses show interface with its counters", () => {
    const interfaces = parseVppInterfaces(fixture("show-interface.txt"));
    expect(interfaces.map((i) => [i.name, i.index, i.state])).toEqual([
      ["host-eth0", 1, "up"],
      ["host-v-wl1", 3, "up"],
      ["local0", 0, "down"],
      ["loop0", 2, "up"],
    ]);
    expect(interfaces[1]?.counters).toEqual({
      "rx packets": 15,
      "rx bytes": 1306,
      "tx packets": 5,
      "tx bytes": 490,
      drops: 8,
      ip4: 7,
      ip6: 8,
    });
    expect(interfaces[2]?.counters).toEqual({});
  });

  it("parses show ip fib: each prefix and its next hop", () => {
    const routes = parseVppFib(fixture("show-ip-fib.txt"));
    expect(routes.find((r) => r.prefix === "10.125.208.0/26")).toEqual({
      prefix: "10.125.208.0/26",
      via: "172.31.253.134",
      interface: "host-eth0",
    });
    expect(routes.find((r) => r.prefix === "10.125.183.0/32")).toEqual({
      prefix: "10.125.183.0/32",
      via: "10.125.183.0",
      interface: "host-v-wl1",
    });
    expect(routes.find((r) => r.prefix === "169.254.1.1/32")).toEqual({ prefix: "169.254.1.1/32" });
    expect(routes).toHaveLength(13);
  });

  it("parses show ip fib PREFIX (the detailed form)", () => {
    expect(parseVppFib(fixture("show-ip-fib-prefix.txt"))).toEqual([
      { prefix: "10.125.208.0/26", via: "172.31.253.134", interface: "host-eth0" },
    ]);
  });
});

describe("VPP forwarding lab: workloads and the FIB check", () => {
  it("reads vpp-lab workload add's NAME ADDRESS MAC", () => {
    expect(parseVppWorkloadAdd("calico1-wl1 10.125.15.64 ce:89:8d:8e:81:28\n")).toEqual({
      addresses: ["10.125.15.64/32"],
      interfaces: ["v-calico1-wl1"],
    });
    expect(() => parseVppWorkloadAdd("vpp-lab: no uplink yet")).toThrow(/printed no NAME ADDRESS MAC/);
  });

  it("an unresolved adjacency (ARP pending) still names the next hop", () => {
    const text = "10.125.208.0/26\n  unicast-ip4-chain\n    [0] [@3]: arp-ipv4: via 172.31.253.134 host-eth0\n";
    expect(parseVppFib(text)).toEqual([{ prefix: "10.125.208.0/26", via: "172.31.253.134", interface: "host-eth0" }]);
  });

  // The check run for real by sh, with `ip` and `vppctl` stand-ins that print what the nodes printed.
  function followsBird(kernel: string, fibByPrefix: Record<string, string>): number {
    const dir = mkdtempSync(join(tmpdir(), "vpp-fib-check-"));
    try {
      writeFileSync(join(dir, "ip"), `#!/bin/sh\ncat <<'EOF'\n${kernel}\nEOF\n`, { mode: 0o755 });
      const cases = Object.entries(fibByPrefix)
        .map(([prefix, out]) => `  ${prefix}) cat <<'EOF'\n${out}\nEOF\n  ;;`)
        .join("\n");
      writeFileSync(join(dir, "vppctl"), `#!/bin/sh\ncase "$4" in\n${cases}\n  *) echo 0.0.0.0/0 fib:0 ;;\nesac\n`, { mode: 0o755 });
      // Composed into a larger condition, as the status's readiness does: its failure must not end the shell.
      const run = spawnSync("sh", ["-c", `if { ${vppFibFollowsBirdScript()}; }; then echo holds; else echo not yet; fi`], {
        env: { PATH: `${dir}:/usr/bin:/bin` },
        encoding: "utf8",
      });
      return run.stdout.trim() === "holds" ? 0 : run.stdout.trim() === "not yet" ? 1 : -1;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("passes once every BIRD route of the kernel is VPP's own entry over the uplink, and only then", () => {
    const kernel = "blackhole 10.125.15.64/26 proto bird\n10.125.208.0/26 via 172.31.253.6 dev eth0 proto bird";
    expect(followsBird(kernel, { "10.125.208.0/26": fixture("show-ip-fib-prefix.txt") })).toBe(0);
    expect(followsBird(kernel, {}), "VPP's longest match is the default route").toBe(1);
    expect(followsBird("blackhole 10.125.15.64/26 proto bird", {}), "no route of other nodes yet: nothing to wait for").toBe(0);
  });
});

describe("VPP forwarding lab: what each VPP holds against what the lab expects", () => {
  const pools = [parseCidr("10.125.0.0/16")!];
  const fibOf = (...routes: string[]) =>
    routes
      .map((r) => {
        const [prefix, via, iface] = r.split(" ");
        return `${prefix}\n  unicast-ip4-chain\n    [0] [@5]: ipv4 via ${via} ${iface}: mtu:1500 next:4 flags:[] 02fe\n`;
      })
      .join("");
  const node = (name: string, uplink: string, block: string, wl: string, ...fib: string[]): VppNodeFacts => ({
    name,
    uplinkAddress: uplink,
    blocks: [block],
    workloads: [{ name: `${name}-wl1`, ip: `${wl}/32` }],
    interfaces: fixture("show-interface.txt").replace("host-v-wl1", `host-v-${name}-wl1`),
    fib: fibOf(...fib),
  });

  it("matches: the other node's block via its VPP uplink, the own workload on its interface", () => {
    const a = node(
      "a",
      "172.31.253.133",
      "10.125.15.64/26",
      "10.125.15.64",
      "10.125.208.0/26 172.31.253.134 host-eth0",
      "10.125.15.64/32 10.125.15.64 host-v-a-wl1",
      "172.31.253.0/24 172.31.253.134 host-eth0",
    );
    const b = node(
      "b",
      "172.31.253.134",
      "10.125.208.0/26",
      "10.125.208.0",
      "10.125.15.64/26 172.31.253.133 host-eth0",
      "10.125.208.0/32 10.125.208.0 host-v-b-wl1",
    );
    const seen = observeVppNodes([a, b], pools);
    expect(seen.a?.problems).toEqual([]);
    expect(
      seen.a?.fib.map((r) => r.prefix),
      "the pools' entries only",
    ).toEqual(["10.125.208.0/26", "10.125.15.64/32"]);
    expect(seen.b?.problems).toEqual([]);
  });

  it("names a missing route, a wrong next hop, a route left behind and an interface that is not up", () => {
    const a = node(
      "a",
      "172.31.253.133",
      "10.125.15.64/26",
      "10.125.15.64",
      "10.125.208.0/26 172.31.253.6 host-eth0",
      "10.125.99.0/26 172.31.253.135 host-eth0",
    );
    const b = { ...node("b", "172.31.253.134", "10.125.208.0/26", "10.125.208.0"), interfaces: "" };
    const seen = observeVppNodes([a, b], pools);
    expect(seen.a?.problems).toEqual([
      "a: VPP routes 10.125.208.0/26 (b) via 172.31.253.6 host-eth0, expected 172.31.253.134 host-eth0",
      "a: VPP has no route to 10.125.15.64/32 (a-wl1)",
      "a: VPP has a route to 10.125.99.0/26 via 172.31.253.135 that no node's block or workload accounts for",
    ]);
    expect(seen.b?.problems).toEqual([
      "b: VPP interface host-eth0 is not up",
      "b: VPP interface host-v-b-wl1 is not up",
      "b: VPP has no route to 10.125.15.64/26 (a)",
      "b: VPP has no route to 10.125.208.0/32 (b-wl1)",
    ]);
    expect(observeVppNodes([{ ...b, error: "exit 1: no such container" }], pools).b?.problems).toEqual([
      "b: VPP cannot be read: exit 1: no such container",
    ]);
  });
});
