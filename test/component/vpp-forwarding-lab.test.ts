import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { LabNodeOutput } from "../../components/lab/outputs";
import { captureGraph, installMocks, online, valueOf, type Registered } from "./harness";

// A two-node VPP forwarding lab on 192.168.4.0/24: calico1 (.5, VPP .133) owns 10.125.1.0/26, calico2 (.6, VPP .134) 10.125.2.0/26.
const ADDRESS: Record<string, string> = { calico1: "192_168_4_5", calico2: "192_168_4_6" };
const BLOCK: Record<string, string> = { calico1: "10.125.1.0/26", calico2: "10.125.2.0/26" };
const UPLINK: Record<string, string> = { calico1: "192.168.4.133", calico2: "192.168.4.134" };
const other = (node: string) => (node === "calico1" ? "calico2" : "calico1");
const workloadIp = (node: string) => (node === "calico1" ? "10.125.1.0" : "10.125.2.0");
const fixture = readFileSync(join(__dirname, "..", "fixtures", "vpp", "show-interface.txt"), "utf8");

function reading(node: string, what: string): string {
  const peer = other(node);
  if (what === "routes")
    return `blackhole ${BLOCK[node]} proto bird\n${BLOCK[peer]} via 192.168.4.${peer === "calico1" ? 5 : 6} dev eth0 proto bird\n`;
  if (what === "interfaces") return fixture.replace("host-v-wl1", `host-v-${node}-wl1`);
  if (what === "fib") {
    const entry = (prefix: string, via: string, iface: string) =>
      `${prefix}\n  unicast-ip4-chain\n    [0] [@5]: ipv4 via ${via} ${iface}: mtu:1500 next:4 flags:[] 02fe\n`;
    return entry(BLOCK[peer]!, UPLINK[peer]!, "host-eth0") + entry(`${workloadIp(node)}/32`, workloadIp(node), `host-v-${node}-wl1`);
  }
  return "";
}

installMocks(
  (node) => [`Mesh_${ADDRESS[other(node)]}`],
  reading,
  () => "Established",
  (name) => {
    const workload = /-workloads-(\d)-1$/.exec(name);
    return workload ? `calico${workload[1]}-wl1 ${workloadIp(`calico${workload[1]}`)} ce:89:8d:8e:81:28\n` : undefined;
  },
);

const find = (registered: Registered[], name: string) => {
  const found = registered.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}; have ${registered.map((r) => r.name).join(", ")}`);
  return found;
};

describe("CalicoLab, vpp-forwarding on docker", () => {
  let registered: Registered[];
  let nodes: LabNodeOutput[];
  beforeAll(async () => {
    const mocks = captureGraph();
    const { CalicoLab } = await import("../../components/lab/calico-lab");
    const { LAB_SCENARIOS } = await import("../../components/lab/registry");
    const { nodePlatform } = await import("../../components/lab/node-platform");
    const { dockerSubstrate } = await import("../../components/substrates/docker");
    const scenario = await LAB_SCENARIOS["vpp-forwarding"]!();
    const config = online({
      scenario: "vpp-forwarding",
      imageMode: "offline",
      ipPools: [
        { name: "p", cidr: "10.125.0.0/16", blockSize: 26, ipipMode: "Never", vxlanMode: "Never", natOutgoing: false, disabled: false },
      ],
    });
    const lab = new CalicoLab(
      "lab",
      {
        platform: nodePlatform({
          config,
          scenario,
          substrate: dockerSubstrate,
          stack: "test",
          cacheDir: "/cache",
          manifestPath: "/cache/artifacts/manifest.json",
        }),
      },
      { transformations: [mocks.capture] },
    );
    nodes = await valueOf(lab.nodes);
    await Promise.all(mocks.pending);
    registered = mocks.registered;
  });

  it("runs the nodes from the node-vpp image with the Calico nodes' rights, never privileged", () => {
    const node = find(registered, "lab-calico1-container").inputs;
    expect(node.image).toBe("calico-lab/node-vpp:v3.28.5-vpp24.02");
    expect(node.capAdd).toEqual(["NET_ADMIN", "NET_RAW", "SYS_ADMIN", "SYS_PTRACE", "IPC_LOCK"]);
    expect(JSON.stringify(node)).not.toContain("privileged");
    // the image's own services (VPP and the route agent), once the node's /proc/sys/net is writable
    expect((node.command as string[]).slice(-1)).toEqual(["start_runit_vpp"]);
    expect(find(registered, "lab-etcd-container").inputs.image).toBe("calico-lab/etcd:3.4.23");
  });

  it("gives each node's VPP its uplink at the node's address moved into the upper half, once the node is up", () => {
    for (const n of ["calico1", "calico2"]) {
      const setup = find(registered, `lab-${n}-setup`);
      expect(setup.inputs.create).toContain(`vpp-lab uplink ${UPLINK[n]}/24 eth0 </dev/null`);
      expect(setup.dependsOn).toEqual([`lab-${n}`]);
    }
  });

  it("attaches the workloads to VPP with vpp-lab, not cnitool, after the node's setup and the pools", () => {
    const workload = find(registered, "lab-workloads-2-1");
    expect(workload.inputs.create).toContain("vpp-lab workload add calico2-wl1 </dev/null");
    expect(workload.inputs.delete).toContain("vpp-lab workload del calico2-wl1 </dev/null");
    expect(JSON.stringify(workload.inputs)).not.toContain("cnitool");
    // vpp-lab makes no WorkloadEndpoint, so removing the Calico node would not release the address: the delete runs
    // when the node goes, and is skipped only when etcd goes too.
    expect(workload.deletedWith).toBe("lab-etcd-container");
    expect(workload.dependsOn).toEqual(expect.arrayContaining(["lab-ippools"]));
    const install = find(registered, "lab-tools-install-2");
    expect(install.dependsOn).toEqual(expect.arrayContaining(["lab-calico2-setup"]));
  });

  it("reads every node's VPP with the BGP status, once VPP's FIB holds BIRD's routes", () => {
    const probe = find(registered, "lab-bgp-status-probe").inputs as { commands: Record<string, string[]>; ready: { command: string[] } };
    expect(Object.keys(probe.commands)).toEqual(
      expect.arrayContaining(["calico1/interfaces", "calico1/fib", "calico2/interfaces", "calico2/fib"]),
    );
    expect(probe.commands["calico2/fib"]?.join(" ")).toContain("vppctl show ip fib </dev/null");
    expect(probe.ready.command.join(" ")).toContain('vppctl show ip fib "$p" </dev/null');
  });

  it("exports each node's VPP: uplink, interfaces, the pools' FIB entries, no problems", () => {
    expect(nodes.map((n) => [n.name, n.vpp?.uplinkAddress, n.vpp?.problems])).toEqual([
      ["calico1", "192.168.4.133", []],
      ["calico2", "192.168.4.134", []],
    ]);
    expect(nodes[0]?.vpp?.fib).toEqual([
      { prefix: "10.125.2.0/26", via: "192.168.4.134", interface: "host-eth0" },
      { prefix: "10.125.1.0/32", via: "10.125.1.0", interface: "host-v-calico1-wl1" },
    ]);
  });
});
