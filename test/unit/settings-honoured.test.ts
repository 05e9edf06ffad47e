import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../core/config/defaults";
import { loadLabConfig } from "../../core/config/load";
import { workloadMtu } from "../../core/mtu";
import { dockerKernelIssues, parseNetworkInspect, underlayOverlapIssues } from "../../core/substrates/docker/preflight";
import { toolchainIssues } from "../../core/tools";

const pool = DEFAULTS.ipPools[0]!;
const vxlan = [{ ...pool, vxlanMode: "Always" as const }];
const ipip = [{ ...pool, ipipMode: "Always" as const }];

describe("the workloads' MTU", () => {
  it("is derived from the underlay and the pools' encapsulation unless set", () => {
    expect(workloadMtu(0, [pool])).toBe(1500);
    expect(workloadMtu(0, vxlan)).toBe(1450);
    expect(workloadMtu(0, ipip)).toBe(1480);
    expect(workloadMtu(0, [{ ...vxlan[0]!, disabled: true }])).toBe(1500);
    expect(workloadMtu(1400, vxlan)).toBe(1400);
  });

  it("refuses a set value that cannot fit the encapsulation, naming both", () => {
    expect(() => loadLabConfig({ ipPools: vxlan, cni: { mtu: 1500 } })).toThrow(
      "calico-lab:cni.mtu = 1500: the underlay's MTU is 1500 and the pools' encapsulation adds 50 bytes, so full-size packets would be dropped; allowed is 0 (derive it: 1450) or at most 1450",
    );
    expect(loadLabConfig({ ipPools: vxlan, cni: { mtu: 1450 } }).cni.mtu).toBe(1450);
    expect(() => loadLabConfig({ cni: { mtu: 100 } })).toThrow(
      "calico-lab:cni.mtu = 100: allowed is 0 (derived from the underlay and the pools' encapsulation) or an integer from 576 to 9000",
    );
  });
});

describe("the docker substrate's kernel preflight", () => {
  it("refuses IPIP pools when this machine's kernel has no ipip module, and says what to use", () => {
    expect(dockerKernelIssues({ ipPools: ipip }, { ipip: false })).toEqual([
      {
        setting: "ipPools[0].ipipMode",
        value: "Always",
        allowed: expect.stringContaining("use vxlanMode Always or CrossSubnet, or the qemu substrate, whose VMs' own kernel has ipip"),
      },
    ]);
    expect(dockerKernelIssues({ ipPools: ipip }, { ipip: true })).toEqual([]);
    expect(dockerKernelIssues({ ipPools: vxlan }, { ipip: false })).toEqual([]);
  });
});

describe("settings the lab would otherwise ignore or fail on mid-up", () => {
  it("a version other than the pin is refused, saying what the pin is and how to run another", () => {
    expect(() => loadLabConfig({ artifacts: { versions: { calico: "v3.29.0" } } })).toThrow(
      'calico-lab:artifacts.versions.calico = "v3.29.0": allowed is v3.28.5, the version versions.json pins',
    );
  });

  it("a go source without Go on PATH is named before anything runs", () => {
    expect(toolchainIssues(DEFAULTS.artifacts.online.tools, "artifacts.online.tools", { go: false })).toEqual([
      {
        setting: "artifacts.online.tools.cnitool",
        value: "go install github.com/containernetworking/cni/cnitool@v1.3.0",
        allowed: expect.stringContaining("install Go (1.21 or later"),
      },
    ]);
    expect(toolchainIssues(DEFAULTS.artifacts.online.tools, "artifacts.online.tools", { go: true })).toEqual([]);
    expect(toolchainIssues(DEFAULTS.artifacts.offline.tools, "artifacts.offline.tools", { go: false })).toEqual([]);
  });
});

describe("two labs on one machine", () => {
  const inspected = [
    "bridge||172.17.0.0/16 ",
    "calicolab-bird-underlay-net|bird|192.168.4.0/24 ",
    "calicolab-other-underlay-net|other|192.168.7.0/24 ",
    "host|| ",
  ].join("\n");

  it("an underlay overlapping another network fails preview, naming that network and the stack that owns it", () => {
    const networks = parseNetworkInspect(inspected);
    expect(networks[1]).toEqual({ name: "calicolab-bird-underlay-net", subnets: ["192.168.4.0/24"], stack: "bird" });
    expect(underlayOverlapIssues("192.168.7.0/25", "calicolab-mine-underlay-net", networks)).toEqual([
      {
        setting: "underlay.cidr",
        value: "192.168.7.0/25",
        allowed:
          "it overlaps calico-lab stack other's network calicolab-other-underlay-net (192.168.7.0/24) on this machine; choose a free range, or bring that lab down first",
      },
    ]);
    expect(underlayOverlapIssues("172.16.0.0/12", "x", networks)[0]?.allowed).toContain("network bridge (172.17.0.0/16)");
  });

  it("the lab's own network (a later up) and free ranges pass", () => {
    const networks = parseNetworkInspect(inspected);
    expect(underlayOverlapIssues("192.168.4.0/24", "calicolab-bird-underlay-net", networks)).toEqual([]);
    expect(underlayOverlapIssues("192.168.9.0/24", "calicolab-x-underlay-net", networks)).toEqual([]);
  });
});
