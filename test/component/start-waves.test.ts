import { describe, expect, it } from "vitest";
import { captureGraph, installMocks, online, valueOf, withTestCrdManifest, type Registered } from "./harness";

// calico.startWave: the Calico nodes start in waves, each wave after every node of the wave before is ready.
const NODES = ["calico1", "calico2", "calico3", "calico4", "calico5"];
const protocolOf = (node: string) => `192_168_4_${NODES.indexOf(node) + 5}`;
let reflectors: string[] = [];
installMocks((node) => {
  if (reflectors.length === 0) return NODES.filter((n) => n !== node).map((n) => `Mesh_${protocolOf(n)}`);
  const peers = reflectors.includes(node) ? NODES.filter((n) => n !== node) : reflectors;
  return peers.map((n) => `Node_${protocolOf(n)}`);
});

async function buildLab(name: string, raw: Record<string, unknown>, manifestPath = "/cache/artifacts/manifest.json") {
  reflectors = ((raw.bgp as { routeReflectors?: string[] } | undefined)?.routeReflectors ?? []).slice();
  const mocks = captureGraph();
  const { CalicoLab } = await import("../../components/lab/calico-lab");
  const { nodePlatform } = await import("../../components/lab/node-platform");
  const { LAB_SCENARIOS } = await import("../../components/lab/registry");
  const { dockerSubstrate } = await import("../../components/substrates/docker");
  const scenario = await LAB_SCENARIOS[(raw.scenario as "bird" | "kdd" | undefined) ?? "bird"]!();
  const config = online({ calico: { nodes: NODES.length }, ...raw });
  const lab = new CalicoLab(
    name,
    { platform: nodePlatform({ config, stack: "test", cacheDir: "/cache", manifestPath, scenario, substrate: dockerSubstrate }) },
    { transformations: [mocks.capture] },
  );
  await valueOf(lab.bgpTopology);
  await Promise.all(mocks.pending);
  const find = (resource: string): Registered => {
    const found = mocks.registered.find((r) => r.name === resource);
    if (!found) throw new Error(`no resource named ${resource}`);
    return found;
  };
  return { registered: mocks.registered, after: (node: string) => [...find(`${name}-${node}`).dependsOn].sort() };
}

describe("calico.startWave: Calico nodes start in waves", () => {
  it("a mesh of 5 in waves of 2: the first wave waits for the datastore only, each later one for every node of the wave before", async () => {
    const lab = await buildLab("w", { calico: { nodes: 5, startWave: 2 } });
    expect(lab.after("calico1")).toEqual(["w-etcd"]);
    expect(lab.after("calico2")).toEqual(["w-etcd"]);
    expect(lab.after("calico3")).toEqual(["w-calico1", "w-calico2", "w-etcd"]);
    expect(lab.after("calico4")).toEqual(["w-calico1", "w-calico2", "w-etcd"]);
    expect(lab.after("calico5")).toEqual(["w-calico3", "w-calico4", "w-etcd"]);
  });

  it("route reflectors make the first wave, the other nodes follow in their order", async () => {
    const lab = await buildLab("r", {
      calico: { nodes: 5, startWave: 2 },
      bgp: { mode: "routeReflectors", routeReflectors: ["calico4", "calico2"] },
    });
    expect(lab.after("calico2")).toEqual(["r-etcd"]);
    expect(lab.after("calico4")).toEqual(["r-etcd"]);
    expect(lab.after("calico1")).toEqual(["r-calico2", "r-calico4", "r-etcd"]);
    expect(lab.after("calico3")).toEqual(["r-calico2", "r-calico4", "r-etcd"]);
    expect(lab.after("calico5")).toEqual(["r-calico1", "r-calico3", "r-etcd"]);
  });

  it("a wave as large as the lab, or 0 (not resolved from a machine), starts every node at once", async () => {
    for (const [name, startWave] of [
      ["a", 5],
      ["z", 0],
    ] as const) {
      const lab = await buildLab(name, { calico: { nodes: 5, startWave } });
      for (const node of NODES) expect(lab.after(node), `${name} ${node}`).toEqual([`${name}-etcd`]);
    }
  });

  it("a node counts as started once its setup has passed too (kdd: calico-node's startup is waited for there)", async () => {
    const lab = await withTestCrdManifest((manifest) =>
      buildLab("k", { scenario: "kdd", imageMode: "offline", calico: { nodes: 5, startWave: 3 } }, manifest),
    );
    const firstWave = lab.after("calico1");
    expect(lab.after("calico3")).toEqual(firstWave);
    expect(firstWave).not.toContain("k-calico2");
    for (const node of ["calico4", "calico5"]) {
      expect(lab.after(node)).toEqual(
        [...firstWave, "k-calico1", "k-calico1-setup", "k-calico2", "k-calico2-setup", "k-calico3", "k-calico3-setup"].sort(),
      );
    }
  });

  it("a local Calico build starts its nodes one at a time whatever the wave, route reflectors first", async () => {
    const lab = await buildLab("s", {
      imageMode: "offline",
      calico: { nodes: 5, startWave: 4 },
      bgp: { mode: "routeReflectors", routeReflectors: ["calico3"] },
      artifacts: { calicoSource: "/src/calico", offline: { node: "calico-lab/node-local:0123456789ab" } },
    });
    expect(lab.after("calico3")).toEqual(["s-etcd"]);
    expect(lab.after("calico1")).toEqual(["s-calico3", "s-etcd"]);
    expect(lab.after("calico2")).toEqual(["s-calico1", "s-etcd"]);
    expect(lab.after("calico4")).toEqual(["s-calico2", "s-etcd"]);
    expect(lab.after("calico5")).toEqual(["s-calico4", "s-etcd"]);
  });

  it("changes no resource's name, type or parent: a lab paced anew updates in place", async () => {
    const shape = (registered: Registered[], lab: string) =>
      registered.map((r) => `${r.type} ${r.name.replace(lab, "LAB")} ${r.parent?.replace(lab, "LAB") ?? ""}`).sort();
    const paced = await buildLab("p", { calico: { nodes: 5, startWave: 2 } });
    const all = await buildLab("u", { calico: { nodes: 5, startWave: 0 } });
    expect(shape(paced.registered, "p")).toEqual(shape(all.registered, "u"));
  });
});
