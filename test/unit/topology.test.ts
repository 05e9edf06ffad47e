import { describe, expect, it } from "vitest";
import { addressAt, parseCidr, planUnderlay, underlayNodeCapacity } from "../../core/addressing";
import { mermaidDiagram } from "../../core/diagram";
import { compareTopology, observeDataplane, observeTopology, parseTunnelAddresses } from "../../core/observed";
import { expectedTopology, sessionCountOf } from "../../core/topology";

const nodes = ["calico1", "calico2", "calico3", "calico4"].map((name, i) => ({ name, address: `192.168.4.${5 + i}` }));
const protocols = (peers: string[], info = "Established") =>
  `BIRD 1.6.8 ready.\nname     proto    table    state  since       info\nkernel1  Kernel   master   up     12:41:07    \n${peers.map((p) => `${p} BGP      master   up     12:41:12    ${info}`).join("\n")}\n`;

describe("address plan", () => {
  it("puts etcd on .4 and the nodes from .5, as the tutorial did", () => {
    const underlay = parseCidr("192.168.4.0/24")!;
    expect(planUnderlay(underlay, 2)).toEqual({
      subnet: "192.168.4.0/24",
      gateway: "192.168.4.1",
      etcd: "192.168.4.4",
      apiserver: "192.168.4.3",
      nodes: ["192.168.4.5", "192.168.4.6"],
    });
    expect(underlayNodeCapacity(underlay)).toBe(250);
    expect(addressAt(parseCidr("fd00::/64")!, 5)).toBe("fd00::5");
  });

  it("rejects what is not a network", () => {
    for (const bad of ["10.1.0.0", "10.1.0/16", "10.1.2.3/16", "300.1.0.0/16", "10.1.0.0/-1", "fd00::1/64", "x/8"])
      expect(parseCidr(bad), bad).toBeUndefined();
  });
});

describe("expected topology", () => {
  it("mesh: every pair of nodes", () => {
    const t = expectedTopology({ asNumber: 64512, mode: "mesh", routeReflectors: [], nodes: nodes.slice(0, 3) });
    expect(t.sessions).toEqual([
      { a: "calico1", b: "calico2", type: "node-to-node mesh" },
      { a: "calico1", b: "calico3", type: "node-to-node mesh" },
      { a: "calico2", b: "calico3", type: "node-to-node mesh" },
    ]);
    expect(t.nodes.map((n) => n.role)).toEqual(["mesh", "mesh", "mesh"]);
  });

  it("route reflectors: reflector to everyone, no client to client", () => {
    const t = expectedTopology({ asNumber: 64512, mode: "routeReflectors", routeReflectors: ["calico1"], nodes });
    expect(t.sessions.map((s) => `${s.a}-${s.b}`)).toEqual(["calico1-calico2", "calico1-calico3", "calico1-calico4"]);
    expect(t.nodes.map((n) => n.role)).toEqual(["reflector", "client", "client", "client"]);
    const two = expectedTopology({ asNumber: 64512, mode: "routeReflectors", routeReflectors: ["calico1", "calico2"], nodes });
    expect(two.sessions).toHaveLength(5); // 1-2, 1-3, 1-4, 2-3, 2-4
  });
});

describe("observed topology", () => {
  const expected = expectedTopology({ asNumber: 64512, mode: "mesh", routeReflectors: [], nodes: nodes.slice(0, 2) });

  it("joins both ends of each session, maps addresses to nodes and lists learned routes", () => {
    const observed = observeTopology(expected, [
      {
        node: "calico1",
        birdProtocols: protocols(["Mesh_192_168_4_6"]),
        routes: "10.1.86.64/26 via 192.168.4.6 dev eth0\nblackhole 10.1.127.192/26\n",
      },
      { node: "calico2", birdProtocols: protocols(["Mesh_192_168_4_5"]), routes: "10.1.127.192/26 via 192.168.4.5 dev eth0\n" },
    ]);
    expect(observed.sessions).toEqual([
      {
        a: "calico1",
        b: "calico2",
        type: "node-to-node mesh",
        established: true,
        ends: [
          { node: "calico1", state: "up", info: "Established", since: "12:41:12" },
          { node: "calico2", state: "up", info: "Established", since: "12:41:12" },
        ],
      },
    ]);
    expect(observed.routes).toEqual({
      calico1: [{ prefix: "10.1.86.64/26", via: "192.168.4.6", viaNode: "calico2", protocol: "bird" }],
      calico2: [{ prefix: "10.1.127.192/26", via: "192.168.4.5", viaNode: "calico1", protocol: "bird" }],
    });
    expect(compareTopology(expected, observed)).toEqual({ matches: true, missing: [], unexpected: [], notEstablished: [] });
  });

  it("a session seen from one end only, or not Established, does not match", () => {
    const oneEnd = observeTopology(expected, [
      { node: "calico1", birdProtocols: protocols(["Mesh_192_168_4_6"]), routes: "" },
      { node: "calico2", birdProtocols: "", routes: "", error: "exit 1: No such container" },
    ]);
    expect(oneEnd.errors).toEqual({ calico2: "exit 1: No such container" });
    expect(compareTopology(expected, oneEnd)).toMatchObject({ matches: false, notEstablished: ["calico1|calico2"] });
    const active = observeTopology(expected, [
      { node: "calico1", birdProtocols: protocols(["Mesh_192_168_4_6"], "Active"), routes: "" },
      { node: "calico2", birdProtocols: protocols(["Mesh_192_168_4_5"], "Active"), routes: "" },
    ]);
    expect(compareTopology(expected, active).notEstablished).toEqual(["calico1|calico2"]);
    expect(compareTopology(expected, observeTopology(expected, [])).missing).toEqual(["calico1|calico2"]);
  });

  it("a session nobody asked for is reported", () => {
    const rr = expectedTopology({ asNumber: 64512, mode: "routeReflectors", routeReflectors: ["calico1"], nodes: nodes.slice(0, 3) });
    const observed = observeTopology(rr, [
      { node: "calico2", birdProtocols: protocols(["Node_192_168_4_7"]), routes: "" },
      { node: "calico3", birdProtocols: protocols(["Node_192_168_4_6"]), routes: "" },
    ]);
    expect(compareTopology(rr, observed)).toMatchObject({
      matches: false,
      unexpected: ["calico2|calico3"],
      missing: ["calico1|calico2", "calico1|calico3"],
    });
    expect(observed.sessions[0]?.type).toBe("route reflector");
  });
});

describe("diagram", () => {
  it("draws etcd, nodes with addresses and roles, and sessions with their state", () => {
    const expected = expectedTopology({ asNumber: 64512, mode: "mesh", routeReflectors: [], nodes: nodes.slice(0, 2) });
    const observed = observeTopology(expected, [
      { node: "calico1", birdProtocols: protocols(["Mesh_192_168_4_6"]), routes: "" },
      { node: "calico2", birdProtocols: protocols(["Mesh_192_168_4_5"]), routes: "" },
    ]);
    expect(mermaidDiagram({ etcdAddress: "192.168.4.4", expected, observed, workloads: { calico1: ["10.1.127.192/32"] } })).toBe(
      [
        "flowchart LR",
        '  etcd[("etcd<br/>192.168.4.4")]',
        '  calico1["calico1<br/>192.168.4.5<br/>AS 64512 (mesh)<br/>workloads: 10.1.127.192/32"]',
        '  calico2["calico2<br/>192.168.4.6<br/>AS 64512 (mesh)"]',
        "  calico1 -.-> etcd",
        "  calico2 -.-> etcd",
        '  calico1 ---|"mesh: Established"| calico2',
        "",
      ].join("\n"),
    );
  });
});

describe("observed dataplane: blocks owned and how the others reach them, for every encapsulation", () => {
  const expected = expectedTopology({ asNumber: 64512, mode: "mesh", routeReflectors: [], nodes: nodes.slice(0, 2) });
  const pools = [parseCidr("10.1.0.0/16")!];
  // `ip -4 route show` and `ip -4 -o addr show dev vxlan.calico` as a VXLAN node prints them
  const vxlan1 = {
    node: "calico1",
    birdProtocols: protocols(["Mesh_192_168_4_6"]),
    routes: [
      "default via 192.168.4.1 dev eth0",
      "10.1.20.64 dev calia1b2c3d4e5f scope link",
      "blackhole 10.1.20.64/26 proto 80",
      "10.1.99.128/26 via 10.1.99.128 dev vxlan.calico onlink",
      "192.168.4.0/24 dev eth0 proto kernel scope link src 192.168.4.5",
    ].join("\n"),
    tunnels: "5: vxlan.calico    inet 10.1.20.65/32 scope global vxlan.calico\\       valid_lft forever preferred_lft forever\n",
  };
  const vxlan2 = {
    node: "calico2",
    birdProtocols: protocols(["Mesh_192_168_4_5"]),
    routes: "blackhole 10.1.99.128/26 proto 80\n10.1.20.64/26 via 10.1.20.65 dev vxlan.calico onlink\n",
    tunnels: "5: vxlan.calico    inet 10.1.99.128/32 scope global vxlan.calico\\       valid_lft forever preferred_lft forever\n",
  };

  it("reads each node's own blocks from its blackhole routes and its tunnel address from vxlan.calico", () => {
    expect(observeDataplane([vxlan1, vxlan2], pools)).toEqual({
      blocks: { calico1: ["10.1.20.64/26"], calico2: ["10.1.99.128/26"] },
      tunnels: { calico1: { vxlan: "10.1.20.65", ipip: null }, calico2: { vxlan: "10.1.99.128", ipip: null } },
    });
  });

  it("routes over vxlan.calico name the owner through its tunnel address; other routes and local workloads are left out", () => {
    expect(observeTopology(expected, [vxlan1, vxlan2], pools).routes).toEqual({
      calico1: [{ prefix: "10.1.99.128/26", via: "10.1.99.128", viaNode: "calico2", protocol: "vxlan" }],
      calico2: [{ prefix: "10.1.20.64/26", via: "10.1.20.65", viaNode: "calico1", protocol: "vxlan" }],
    });
  });

  it("Felix's own routes over the underlay (CrossSubnet VXLAN between nodes of one subnet, as read on kind) name the owner too", () => {
    const felix = {
      node: "calico1",
      birdProtocols: "",
      routes: [
        "default via 192.168.4.1 dev eth0 ",
        "10.1.86.64/26 via 192.168.4.6 dev eth0 proto 80 onlink ",
        "blackhole 10.1.127.192/26 proto 80 ",
        "10.1.127.193 dev cali43b95729845 scope link ",
        "",
      ].join("\n"),
    };
    expect(observeTopology(expected, [felix], pools).routes.calico1).toEqual([
      { prefix: "10.1.86.64/26", via: "192.168.4.6", viaNode: "calico2", protocol: "felix" },
    ]);
    expect(observeDataplane([felix], pools).blocks).toEqual({ calico1: ["10.1.127.192/26"] });
  });

  it("BIRD's routes (unencapsulated or over tunl0) name the owner through its underlay address", () => {
    const bird = {
      node: "calico1",
      birdProtocols: "",
      routes: "10.1.86.64/26 via 192.168.4.6 dev eth0 proto bird\nblackhole 10.1.127.192/26 proto bird\n",
      tunnels: "4: tunl0    inet 10.1.127.192/32 scope global tunl0\\       valid_lft forever preferred_lft forever\n",
    };
    expect(observeTopology(expected, [bird], pools).routes.calico1).toEqual([
      { prefix: "10.1.86.64/26", via: "192.168.4.6", viaNode: "calico2", protocol: "bird" },
    ]);
    expect(observeDataplane([bird], pools)).toEqual({
      blocks: { calico1: ["10.1.127.192/26"] },
      tunnels: { calico1: { vxlan: null, ipip: "10.1.127.192" } },
    });
    expect(parseTunnelAddresses("")).toEqual({ vxlan: null, ipip: null });
  });
});

describe("sessionCountOf", () => {
  const nodes = (...names: string[]) => names.map((name, i) => ({ name, address: `192.168.4.${5 + i}` }));
  it("counts the expected sessions a node takes part in: every other node in a mesh, the reflectors for a client", () => {
    const mesh = expectedTopology({ asNumber: 64512, mode: "mesh", routeReflectors: [], nodes: nodes("calico1", "calico2", "calico3") });
    expect(["calico1", "calico2", "calico3"].map((n) => sessionCountOf(mesh, n))).toEqual([2, 2, 2]);
    const rr = expectedTopology({
      asNumber: 64512,
      mode: "routeReflectors",
      routeReflectors: ["a", "b"],
      nodes: nodes("a", "b", "c", "d"),
    });
    expect(["a", "b", "c", "d"].map((n) => sessionCountOf(rr, n))).toEqual([3, 3, 2, 2]);
    expect(sessionCountOf(mesh, "elsewhere")).toBe(0);
  });
});
