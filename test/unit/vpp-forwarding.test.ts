import { describe, expect, it } from "vitest";
import { parseCidr } from "../../core/addressing";
import { vppMac, vppUplinkAddress, vppUplinkScript, vppWorkloadAddScript } from "../../core/scenarios/vpp-forwarding";

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
