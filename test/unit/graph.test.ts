import { describe, expect, it } from "vitest";
import { parseCidr } from "../../core/addressing";
import { topologyDot } from "../../core/graph";
import { renderGraph } from "../../scripts/status/render-graph";
import { liveStatus } from "../../core/status";
import { expectedTopology } from "../../core/topology";

const bird = (rows: string[]) => `BIRD 1.6.8 ready.\nname     proto    table    state  since       info\n${rows.join("\n")}\n`;
const peer = (name: string, info: string) => `${name} BGP      master   up     12:00:00    ${info}`;
const pools = [parseCidr("10.1.0.0/16")!];
const etcd = { name: "etcd", address: "192.168.4.2" };
/** Nodes calico1, calico2... at 192.168.4.5, .6... */
const nodes = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `calico${i + 1}`, address: `192.168.4.${5 + i}` }));

describe("lab:graph's DOT", () => {
  it("a healthy mesh: etcd above one row of nodes, the session green, workloads below their node", () => {
    const expected = expectedTopology({
      asNumber: 64512,
      mode: "mesh",
      routeReflectors: [],
      nodes: nodes(2),
    });
    const status = liveStatus(
      expected,
      [
        {
          node: "calico1",
          birdProtocols: bird([peer("Mesh_192_168_4_6", "Established")]),
          routes: "blackhole 10.1.127.192/26 proto bird\n",
        },
        {
          node: "calico2",
          birdProtocols: bird([peer("Mesh_192_168_4_5", "Established")]),
          routes: "blackhole 10.1.86.64/26 proto bird\n",
          tunnels: "7: vxlan.calico    inet 10.1.86.65/32 scope global vxlan.calico\\       valid_lft forever preferred_lft forever\n",
        },
      ],
      pools,
      { calico1: [{ name: "calico1-wl1", ip: "10.1.127.193/32" }], calico2: [] },
    );
    expect(topologyDot({ stack: "bird", status, expectedSessions: expected.sessions, datastore: etcd })).toBe(MESH_DOT);
  });

  it("route reflectors a row above their clients; a node down, a session not established, one missing and one with a stranger", () => {
    const expected = expectedTopology({
      asNumber: 64512,
      mode: "routeReflectors",
      routeReflectors: ["calico1"],
      nodes: nodes(3),
    });
    const status = liveStatus(
      expected,
      [
        {
          node: "calico1",
          birdProtocols: bird([
            peer("Node_192_168_4_6", "Active        Socket: Connection refused"),
            peer("Node_192_168_4_9", "Established"),
          ]),
          routes: "",
        },
        { node: "calico2", birdProtocols: bird([peer("Node_192_168_4_5", "Established")]), routes: "" },
        { node: "calico3", birdProtocols: "", routes: "", error: "No such container: calico3" },
      ],
      pools,
      {},
    );
    expect(topologyDot({ stack: "rr", status, expectedSessions: expected.sessions, datastore: null })).toBe(RR_DOT);
  });
});

describe("lab:graph's rendering", () => {
  it("the DOT laid out by Graphviz (WebAssembly) into SVG, every label line a text; resvg makes a PNG twice the size", async () => {
    const { svg, png } = await renderGraph(RR_DOT);
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts).toEqual(
      expect.arrayContaining([
        "calico1",
        "192.168.4.5",
        "AS 64512 route reflector",
        "DOWN: No such container: calico3",
        "RR not established",
        "calico1: Active Socket: Connection refused",
        "RR missing",
        "peer 192.168.4.9",
      ]),
    );
    const width = Number(/<svg width="(\d+)pt"/.exec(svg)?.[1]);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(Math.floor(width * 2 * (96 / 72)) - 2);
  });
});

const MESH_DOT = `graph lab {
  graph [label=<<b>calico-lab bird: matches its settings</b><br/><font point-size="10">sessions: green Established from both ends, red not established (each end's state),</font><br/><font point-size="10">grey dashed expected but missing; orange double border: route reflector</font>>, labelloc="t", fontname="Courier", fontsize=14, rankdir="TB", nodesep=0.6, ranksep=0.8, pad=0.3, bgcolor="white"];
  node [fontname="Courier", fontsize=11, shape="box", style="rounded,filled", fillcolor="white", penwidth=1.5];
  edge [fontname="Courier", fontsize=10];
  datastore [label=<<b>etcd</b><br/>192.168.4.2<br/>every node's datastore>, shape="cylinder", style="filled", color="#6a1b9a", fillcolor="#f3e5f5"];
  { rank=same;
    "node:calico1" [label=<<b>calico1</b><br/>192.168.4.5<br/>AS 64512 mesh<br/>block 10.1.127.192/26>, color="#1565c0", fillcolor="#e3f2fd"];
    "node:calico2" [label=<<b>calico2</b><br/>192.168.4.6<br/>AS 64512 mesh<br/>block 10.1.86.64/26<br/>tunnel 10.1.86.65>, color="#1565c0", fillcolor="#e3f2fd"];
  }
  datastore -- "node:calico1" [style=invis];
  datastore -- "node:calico2" [style=invis];
  "node:calico1" -- "node:calico2" [label=<<table border="0" cellborder="0" cellpadding="1" bgcolor="white"><tr><td>mesh Established</td></tr></table>>, color="#2e7d32", fontcolor="#2e7d32", penwidth=2.5, constraint="false"];
  "workload:calico1-wl1" [label=<calico1-wl1<br/>10.1.127.193/32>, fontsize=9, color="#607d8b", fillcolor="#eceff1"];
  "node:calico1" -- "workload:calico1-wl1" [color="#607d8b"];
}
`;

const RR_DOT = `graph lab {
  graph [label=<<b>calico-lab rr: 4 difference(s) from its settings</b><br/><font point-size="10">sessions: green Established from both ends, red not established (each end's state),</font><br/><font point-size="10">grey dashed expected but missing; orange double border: route reflector</font>>, labelloc="t", fontname="Courier", fontsize=14, rankdir="TB", nodesep=0.6, ranksep=0.8, pad=0.3, bgcolor="white"];
  node [fontname="Courier", fontsize=11, shape="box", style="rounded,filled", fillcolor="white", penwidth=1.5];
  edge [fontname="Courier", fontsize=10];
  { rank=same;
    "node:calico1" [label=<<b>calico1</b><br/>192.168.4.5<br/>AS 64512 route reflector>, color="#ef6c00", fillcolor="#fff3e0", peripheries=2];
  }
  { rank=same;
    "node:calico2" [label=<<b>calico2</b><br/>192.168.4.6<br/>AS 64512 client>, color="#1565c0", fillcolor="#e3f2fd"];
    "node:calico3" [label=<<b>calico3</b><br/>192.168.4.7<br/>AS 64512 client<br/><font color="#c62828">DOWN: No such container: calico3</font>>, color="#c62828", fillcolor="#ffebee"];
  }
  "node:192.168.4.9" -- "node:calico1" [label=<<table border="0" cellborder="0" cellpadding="1" bgcolor="white"><tr><td>unexpected RR not established<br/>192.168.4.9: no session<br/>calico1: Established</td></tr></table>>, color="#c62828", fontcolor="#c62828", penwidth=2.5];
  "node:calico1" -- "node:calico2" [label=<<table border="0" cellborder="0" cellpadding="1" bgcolor="white"><tr><td>RR not established<br/>calico1: Active Socket: Connection refused<br/>calico2: Established</td></tr></table>>, color="#c62828", fontcolor="#c62828", penwidth=2.5];
  "node:calico1" -- "node:calico3" [label=<<table border="0" cellborder="0" cellpadding="1" bgcolor="white"><tr><td>RR missing</td></tr></table>>, color="#9e9e9e", fontcolor="#9e9e9e", style="dashed", penwidth=2];
  "node:192.168.4.9" [label="peer 192.168.4.9\\n(not a lab node)", style="rounded,dashed", color="#c62828"];
}
`;
