import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCidr } from "../../core/addressing";
import {
  parseVppFib,
  parseVppInterfaces,
  vppMac,
  vppUplinkAddress,
  vppUplinkScript,
  vppWorkloadAddScript,
} from "../../core/scenarios/vpp-forwarding";

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
  it("waits for VPP before making the uplink", () => {
    const script = vppUplinkScript("172.31.200.133/24");
    expect(script).toMatch(/until vppctl show version/);
    expect(script.trim().split("\n").pop()).toBe("vpp-lab uplink 172.31.200.133/24 eth0");
  });

  it("refuses workload names that do not make a Linux interface name", () => {
    expect(vppWorkloadAddScript("wl1")).toBe("vpp-lab workload add wl1");
    expect(() => vppWorkloadAddScript("a-very-long-name")).toThrow(/1-13/);
    expect(() => vppWorkloadAddScript("x;rm")).toThrow();
  });
});

// Seen output of the node-vpp image's VPP (vpp-smoke.sh --keep, node1 after the ping): test/fixtures/vpp/.
const fixture = (name: string) => readFileSync(join(__dirname, "..", "fixtures", "vpp", name), "utf8");

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
