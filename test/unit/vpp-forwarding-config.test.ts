import { describe, expect, it } from "vitest";
import { loadLabConfig } from "../../core/config/load";
import { messages } from "../support/config-messages";

const fwd = { scenario: "vpp-forwarding", imageMode: "offline" };
const pool = {
  name: "p",
  cidr: "10.125.0.0/16",
  blockSize: 26,
  ipipMode: "Never",
  vxlanMode: "Never",
  natOutgoing: false,
  disabled: false,
};

describe("scenario names: the VPP forwarding lab and Calico's VPP dataplane", () => {
  it("refuses the old name vpp, naming both and what it meant", () => {
    const [said, ...rest] = messages({ scenario: "vpp" });
    expect(rest).toEqual([]);
    expect(said).toBe(
      "scenario = \"vpp\": scenario vpp is two things now, each with its own name: calico-vpp is Calico's VPP dataplane on kind (what vpp meant before), vpp-forwarding is the seed's VPP forwarding lab (etcd, BIRD routes, VPP forwards) on docker; allowed values are bird, kdd, vpp-forwarding, calico-vpp",
    );
  });

  it("takes vpp-forwarding on docker with unencapsulated pools, and calico-vpp on kind", () => {
    expect(loadLabConfig({ ...fwd, ipPools: [pool] })).toMatchObject({ scenario: "vpp-forwarding", substrate: "docker" });
    expect(loadLabConfig({ scenario: "calico-vpp", substrate: "kind" })).toMatchObject({ scenario: "calico-vpp", substrate: "kind" });
  });
});

describe("vpp-forwarding: what the lab supports, refused with the reason", () => {
  it("docker only", () => {
    expect(messages({ ...fwd, substrate: "qemu" })).toEqual([
      "substrate = \"qemu\": scenario vpp-forwarding runs on docker: its nodes run the node-vpp image that this machine's engine holds (bash scripts/offline/build.sh --vpp); the qemu VMs' base image and ssh hosts do not carry it",
    ]);
  });

  it("no IPIP or VXLAN pools", () => {
    expect(
      messages({
        ...fwd,
        ipPools: [
          { ...pool, ipipMode: "Always" },
          { ...pool, name: "q", cidr: "10.126.0.0/16", vxlanMode: "CrossSubnet" },
        ],
      }),
    ).toEqual([
      'ipPools[0].ipipMode = "Always": scenario vpp-forwarding routes the blocks natively in VPP (af_packet uplinks on one L2 segment); VPP here has no IPIP or VXLAN tunnel to Calico\'s encapsulation: allowed is Never',
      'ipPools[1].vxlanMode = "CrossSubnet": scenario vpp-forwarding routes the blocks natively in VPP (af_packet uplinks on one L2 segment); VPP here has no IPIP or VXLAN tunnel to Calico\'s encapsulation: allowed is Never',
    ]);
  });

  it("the offline build's node-vpp image: not online, not a local Calico tree", () => {
    expect(messages({ ...fwd, imageMode: "online" })).toEqual([
      'imageMode = "online": scenario vpp-forwarding runs the node-vpp image, which only this machine\'s offline build makes (bash scripts/offline/build.sh --vpp); allowed are offline and auto',
    ]);
    expect(messages({ ...fwd, artifacts: { calicoSource: "/src/calico" } })).toEqual([
      'artifacts.calicoSource = "/src/calico": scenario vpp-forwarding runs the node-vpp image, built on the pinned release\'s node image; a local Calico tree would not reach it: allowed is empty',
    ]);
    expect(loadLabConfig({ ...fwd, imageMode: "auto" }).imageMode).toBe("auto");
  });

  it("the mesh only, and no etcd TLS", () => {
    expect(messages({ ...fwd, bgp: { mode: "routeReflectors", routeReflectors: ["calico1"] } })).toEqual([
      'bgp.mode = "routeReflectors": scenario vpp-forwarding is built and tested with the node-to-node mesh (its route agents map each BIRD next hop to that node\'s VPP); allowed is mesh',
    ]);
    expect(messages({ ...fwd, etcd: { tls: true } })[0]).toMatch(/^etcd.tls = true: TLS for etcd is built for scenario bird only/);
  });

  it("node names short enough for the workloads' VPP interfaces, and nodes in the underlay's lower half", () => {
    expect(messages({ ...fwd, calico: { nodes: 2, names: ["calico1", "a-long-node"] } })).toEqual([
      'calico.names = ["calico1","a-long-node"]: a workload\'s VPP interface is named after it (v-<node>-wl<i>, at most 15 characters), so node names of at most 9 characters are allowed with workloads.perNode 1; too long: a-long-node',
    ]);
    expect(messages({ ...fwd, underlay: { cidr: "192.168.4.0/26", internal: true }, calico: { nodes: 40 } })).toEqual([
      "calico.nodes = 40: each node's VPP uplink takes the node's address moved into the upper half of underlay 192.168.4.0/26, so the nodes must fit in its lower half; use a larger underlay or fewer nodes",
    ]);
    expect(loadLabConfig({ ...fwd, underlay: { cidr: "192.168.4.0/26", internal: true }, calico: { nodes: 26 } }).calico.nodes).toBe(26);
  });
});
