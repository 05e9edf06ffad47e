import { CalicoLab } from "calico-lab/package";

/**
 * A TypeScript program of your own with a Calico lab in it: three nodes with one route reflector, on Docker.
 * `calico-lab` is this repository as an npm dependency (package.json: "calico-lab": "file:<its path>").
 */
const lab = new CalicoLab("mylab", {
  calico: { nodes: 3 },
  bgp: { mode: "routeReflectors", routeReflectors: ["calico1"] },
  underlay: { cidr: "192.168.40.0/24" },
});

export const established = lab.bgpTopology.apply((topology) => topology.observed.sessions.filter((s) => s.established).length);
export const blocks = lab.nodes.apply((nodes) => Object.fromEntries(nodes.map((node) => [node.name, node.blocks])));
export const matches = lab.bgpTopology.apply((topology) => topology.matches);
