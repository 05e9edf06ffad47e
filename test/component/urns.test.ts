import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { resolveImageMode } from "../../core/config/image-mode";
import { loadLabConfig } from "../../core/config/load";
import { etcdTlsStdout, installMocks, makeTestPki, nameOf, TEST_ETCD_TLS, valueOf, withTestCrdManifest } from "./harness";

// A running lab updates in place only while every resource keeps its URN (type, name and the types of its
// parents) and its place in the graph: these labs' full lists are recorded in test/component/urns/ and must
// not change when the code is reshaped. A list that changes on purpose is recorded anew with `vitest -u`.
const ADDRESS: Record<string, string> = { calico1: "192_168_4_5", calico2: "192_168_4_6", calico3: "192_168_4_7" };
installMocks(
  (node) =>
    Object.keys(ADDRESS)
      .filter((n) => n !== node)
      .map((n) => `Mesh_${ADDRESS[n]}`),
  undefined,
  undefined,
  etcdTlsStdout(makeTestPki("lab-etcd")),
);

interface Recorded {
  readonly urns: string[];
  readonly graph: string[];
}

/** Every resource the lab registers: its URN, and (by name) what it waits for and what it is deleted with. */
async function record(raw: Record<string, unknown>, manifestPath = "/cache/artifacts/manifest.json"): Promise<Recorded> {
  const { CalicoLab } = await import("../../components/lab/calico-lab");
  const { nodePlatform } = await import("../../components/lab/node-platform");
  const { LAB_SCENARIOS, LAB_SUBSTRATES } = await import("../../components/lab/registry");
  const loaded = loadLabConfig(raw);
  const config = { ...loaded, imageMode: resolveImageMode(loaded, { offlineBuildPresent: false }) };
  const substrate = LAB_SUBSTRATES[config.substrate]!({ config, cacheDir: "/cache", home: "/home/me" });
  const scenario = await LAB_SCENARIOS[config.scenario]!();
  const pending: Promise<{ urn: string; edges: string }>[] = [];
  const capture: pulumi.ResourceTransformation = (args) => {
    const dependsOn = ([] as pulumi.Resource[]).concat((args.opts.dependsOn as pulumi.Resource[] | pulumi.Resource | undefined) ?? []);
    pending.push(
      (async () => {
        await new Promise((resolve) => setImmediate(resolve));
        const urn = await valueOf(args.resource.urn);
        const after = (await Promise.all(dependsOn.map((d) => nameOf(d)))).map((n) => n ?? "?").sort();
        const deletedWith = await nameOf(args.opts.deletedWith);
        return { urn, edges: `${args.name} after [${after.join(", ")}]${deletedWith ? ` deletedWith ${deletedWith}` : ""}` };
      })(),
    );
    return undefined;
  };
  const lab = new CalicoLab(
    "lab",
    { platform: nodePlatform({ config, stack: "test", cacheDir: "/cache", manifestPath, scenario, substrate }) },
    { transformations: [capture] },
  );
  await valueOf(pulumi.all([lab.etcd, lab.nodes, lab.bgpTopology, lab.diagram]));
  const seen = await Promise.all(pending);
  return { urns: seen.map((s) => s.urn).sort(), graph: seen.map((s) => s.edges).sort() };
}

async function expectRecorded(file: string, recorded: Recorded): Promise<void> {
  await expect(`${recorded.urns.join("\n")}\n`).toMatchFileSnapshot(`urns/${file}.urns.txt`);
  await expect(`${recorded.graph.join("\n")}\n`).toMatchFileSnapshot(`urns/${file}.graph.txt`);
}

describe("the labs' URNs and graph stay as recorded", () => {
  it("bird on docker, defaults", async () => {
    await expectRecorded("bird-docker", await record({}));
  });

  it("kdd on docker", async () => {
    await expectRecorded(
      "kdd-docker",
      await withTestCrdManifest((manifest) => record({ scenario: "kdd", imageMode: "offline" }, manifest)),
    );
  });

  it("bird on qemu", async () => {
    await expectRecorded("bird-qemu", await record({ substrate: "qemu", imageMode: "offline" }));
  });

  it("kdd on qemu", async () => {
    await expectRecorded(
      "kdd-qemu",
      await withTestCrdManifest((manifest) => record({ scenario: "kdd", substrate: "qemu", imageMode: "offline" }, manifest)),
    );
  });

  it("bird on docker with route reflectors, etcd over TLS and a local Calico tree", async () => {
    await expectRecorded(
      "bird-docker-rr-tls-source",
      await record({
        imageMode: "offline",
        calico: { nodes: 3 },
        bgp: { mode: "routeReflectors", routeReflectors: ["calico1"] },
        etcd: { tls: true, certValidityDays: TEST_ETCD_TLS.days, extraSans: TEST_ETCD_TLS.extraSans },
        artifacts: { calicoSource: "/src/calico", offline: { node: "calico-lab/node-local:0123456789ab" } },
      }),
    );
  });

  it("bird on ssh hosts", async () => {
    await expectRecorded(
      "bird-ssh",
      await record({
        substrate: "ssh",
        ssh: {
          etcdHost: "store",
          hosts: [
            { name: "calico1", address: "192.168.4.5", user: "vagrant" },
            { name: "store", address: "192.168.4.4", user: "vagrant" },
            { name: "calico2", address: "192.168.4.9" },
          ],
        },
      }),
    );
  });
});
