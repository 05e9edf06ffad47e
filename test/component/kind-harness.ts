import * as pulumi from "@pulumi/pulumi";
import { expect } from "vitest";
import versions from "../../versions.json";
import type { LabConfig } from "../../core/config/types";
import type { KindPreflight } from "../../components/substrates/kind/preflight";
import { captureRegistrations, HOST_COMMAND_TYPE, online, valueOf } from "./harness";

/* The kind platform under Pulumi mocks: what the kind component tests build labs with and read back. */

/** What the mocks saw of one resource, with the provider it was given. */
interface Seen {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  parent?: string;
  provider?: string;
  dependsOn: string[];
  /** Its URN: type, name and the types of its parents. */
  urn?: string;
  deletedWith?: string;
}

const inputsByName = new Map<string, Record<string, unknown>>();
export const ADDRESSES: Record<string, string> = {};
/** The lab's route reflectors: empty for a mesh. */
export const REFLECTORS: string[] = [];

function gobgpNeighbors(peers: string[]): string {
  const rows = peers.map((peer) => `${peer.padEnd(10)} 64512 00:03:12 Establ      |        1         1`);
  return ["Peer          AS  Up/Down State       |#Received  Accepted", ...rows, ""].join("\n");
}

/** BIRD's protocols in calico-node once every session is up: Mesh_ in the mesh, Node_ with route reflectors. */
function birdProtocols(node: string): string {
  const reflectors = REFLECTORS;
  const peers = Object.entries(ADDRESSES).filter(
    ([name]) => name !== node && (reflectors.length === 0 || reflectors.includes(name) || reflectors.includes(node)),
  );
  const kind = reflectors.length === 0 ? "Mesh" : "Node";
  const rows = peers.map(([, ip]) => `${kind}_${ip.replaceAll(".", "_")} BGP      master   up     12:00:00    Established`);
  return ["BIRD v0.3.3+birdv1.6.8 ready.", "name     proto    table    state  since       info", ...rows, ""].join("\n");
}

/** The node's routes: a blackhole for its own block, BIRD's route to every other node's. */
function kernelRoutes(node: string): string {
  return Object.entries(ADDRESSES)
    .map(([name, ip], i) =>
      name === node ? `blackhole 10.244.${i + 1}.0/26 proto bird` : `10.244.${i + 1}.0/26 via ${ip} dev eth0 proto bird`,
    )
    .join("\n");
}

pulumi.runtime.setMocks(
  {
    newResource(args) {
      inputsByName.set(args.name, args.inputs);
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === "command:local:Command" || args.type === HOST_COMMAND_TYPE) {
        state.stdout = args.name.endsWith("-nodes")
          ? JSON.stringify({ nodes: Object.entries(ADDRESSES).map(([name, ip]) => ({ name, ip })), dns: "172.18.0.1" })
          : args.name.endsWith("-operator-manifest")
            ? `/cache/kind/tigera-operator-${versions.kind.operatorManifest.sha256}.yaml\n`
            : args.name.endsWith("-kubeconfig")
              ? "apiVersion: v1\nkind: Config\nclusters: []\n"
              : args.name.endsWith("-netns")
                ? `cni-${args.name}\n`
                : "";
      }
      if (args.type === "kubernetes:core/v1:Pod") {
        const index = Number(/-(\d+)$/.exec(args.name)?.[1] ?? 0);
        state.metadata = { ...(args.inputs.metadata as object), uid: `uid-${args.name}` };
        state.status = { podIP: `10.244.${index}.5` };
      }
      if (args.type.endsWith(":LiveProbe")) {
        const commands = args.inputs.commands as Record<string, string[]>;
        state.readings = Object.fromEntries(
          Object.keys(commands).map((key) => {
            const [node = "", what] = key.split("/");
            const peers = Object.entries(ADDRESSES)
              .filter(([name]) => name !== node)
              .map(([, ip]) => ip);
            const stdout =
              key === "conflist"
                ? '{"name":"k8s-pod-network","cniVersion":"0.3.1","plugins":[{"type":"calico"}]}'
                : what === "protocols"
                  ? birdProtocols(node)
                  : what === "routes"
                    ? kernelRoutes(node)
                    : what === "neighbors"
                      ? gobgpNeighbors(peers)
                      : "";
            return [key, { stdout }];
          }),
        );
      }
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
  },
  "calico-lab",
  "test",
  false,
);

/** The kind lab's resources as the mocks saw them: inputs, URN and links. */
export function capture(): { seen: Seen[]; pending: Promise<void>[]; transformation: pulumi.ResourceTransformation } {
  const graph = captureRegistrations(
    (args): Seen => ({ type: args.type, name: args.name, inputs: {}, dependsOn: [] }),
    async (entry, args) => {
      entry.urn = await new Promise<string>((resolve) => args.resource.urn.apply(resolve));
      entry.inputs = inputsByName.get(args.name) ?? {};
    },
  );
  return { seen: graph.entries, pending: graph.pending, transformation: graph.transformation };
}

/** A lab on the kind platform, as the program makes one. */
export async function kindLab(
  name: string,
  args: { config: LabConfig; manifestPath: string; preflight: KindPreflight; cacheDir?: string },
  opts: pulumi.ComponentResourceOptions = {},
) {
  const { CalicoLab } = await import("../../components/lab/calico-lab");
  const { kindPlatform } = await import("../../components/substrates/kind/kind-platform");
  return new CalicoLab(name, { platform: kindPlatform({ cacheDir: "/cache", ...args, lab: name }) }, opts);
}

export async function buildLab(
  name: string,
  raw: Record<string, unknown>,
  preflight: KindPreflight = () => [],
  manifestPath = "/cache/artifacts/manifest.json",
) {
  const graph = capture();
  const lab = await kindLab(name, { config: online(raw), manifestPath, preflight }, { transformations: [graph.transformation] });
  const outputs = {
    etcd: await valueOf(lab.etcd),
    nodes: await valueOf(lab.nodes),
    ipPools: await valueOf(lab.ipPools),
    cniConfig: await valueOf(lab.cniConfig),
    bgpTopology: await valueOf(lab.bgpTopology),
    diagram: await valueOf(lab.diagram),
  };
  await Promise.all(graph.pending);
  const find = (resourceName: string) => {
    const found = graph.seen.find((r) => r.name === resourceName);
    if (!found) throw new Error(`no resource named ${resourceName}; have ${graph.seen.map((r) => r.name).join(", ")}`);
    return found;
  };
  return { lab, seen: graph.seen, find, outputs };
}

export const KDD = {
  scenario: "kdd",
  substrate: "kind",
  kind: { workers: 2 },
  ipPools: [
    {
      name: "kdd-pool",
      cidr: "10.244.0.0/16",
      blockSize: 26,
      ipipMode: "Never",
      vxlanMode: "CrossSubnet",
      natOutgoing: true,
      disabled: false,
    },
  ],
};

/**
 * A running lab updates in place only while every resource keeps its URN and its place in the graph: the
 * kind labs' lists are recorded in test/component/urns/ and must not change when the code is reshaped.
 */
export async function expectRecorded(file: string, seen: readonly Seen[]): Promise<void> {
  const urns = seen.map((r) => r.urn ?? "?").sort();
  const graph = seen
    .map(
      (r) =>
        `${r.name} after [${[...r.dependsOn].sort().join(", ")}]${r.deletedWith ? ` deletedWith ${r.deletedWith}` : ""}${r.provider ? ` provider ${r.provider}` : ""}`,
    )
    .sort();
  await expect(`${urns.join("\n")}\n`).toMatchFileSnapshot(`urns/${file}.urns.txt`);
  await expect(`${graph.join("\n")}\n`).toMatchFileSnapshot(`urns/${file}.graph.txt`);
}
