import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import versions from "../../versions.json";
import type { PreflightProblem } from "../../core/substrates/kind/preflight";
import { HOST_COMMAND_TYPE, online } from "./harness";
import { ADDRESSES, buildLab, capture, expectRecorded, kindLab } from "./kind-harness";

const SOCKET = `unix://${versions.kind.engine.socket}`;
const MANAGER = versions.calicoVpp.managerImage;
const AGENT = versions.calicoVpp.agentImage;

const VPP = {
  scenario: "calico-vpp",
  substrate: "kind",
  imageMode: "offline",
  vpp: { hugepages: 0 },
  ipPools: [
    { name: "vpp-pool", cidr: "10.245.0.0/16", blockSize: 26, ipipMode: "Never", vxlanMode: "Never", natOutgoing: true, disabled: false },
  ],
};

interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  env?: Array<{ name: string; value?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  spec?: { template?: { spec?: { containers?: Container[]; initContainers?: Container[] } } };
}

/** Calico's manifest as the offline build holds it: calico-config (from the VPP cut), calico-node and calico-kube-controllers. */
function upstreamManifest(): string {
  const fixtures = join(__dirname, "..", "fixtures", "kind");
  const [calicoConfig = ""] = readFileSync(join(fixtures, "calico-manifest-vpp-mini.yaml"), "utf8").split(/^---$/m);
  return `${calicoConfig}---\n${readFileSync(join(fixtures, "calico-manifest-mini.yaml"), "utf8")}`;
}

function manifestJson(dir: string, entries: Record<string, unknown>): string {
  const path = join(dir, `manifest-${Object.keys(entries).join("-")}.json`);
  writeFileSync(path, JSON.stringify({ artifacts: entries }));
  return path;
}

describe("kind, calico-vpp offline: Calico's manifest made VPP and Calico/VPP from the offline build", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  const asked: unknown[] = [];
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-component-cvpp-"));
  const calicoManifest = { version: versions.calico.version, path: join(dir, "calico.yaml") };
  const calicoVpp = { version: versions.calicoVpp.version, commit: versions.calicoVpp.commit, images: [AGENT, MANAGER] };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    for (const key of Object.keys(ADDRESSES)) delete ADDRESSES[key];
    Object.assign(ADDRESSES, { "cvpp-control-plane": "172.18.0.2", "cvpp-worker": "172.18.0.3" });
    writeFileSync(calicoManifest.path, upstreamManifest());
    const path = manifestJson(dir, { "calico-manifest": calicoManifest, "calico-vpp": calicoVpp });
    built = await buildLab("cvpp", VPP, (want) => (asked.push(want), []), path);
  });
  const applied = (name: string) =>
    parseAllDocuments(String(built.find(name).inputs.yaml))
      .map((d) => d.toJS() as Doc | null)
      .filter((d): d is Doc => d !== null);
  const containers = (docs: Doc[], kind: string, name: string) => {
    const spec = docs.find((d) => d.kind === kind && d.metadata.name === name)?.spec?.template?.spec;
    return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  };

  it("keeps its URNs and graph as recorded", async () => {
    await expectRecorded("vpp-kind-offline", built.seen);
  });

  it("checks the machine for vhost-net and hugepages, on the build's engine", () => {
    expect(asked).toEqual([expect.objectContaining({ vhostNet: true, hugepagesPerNode: 0, ownEngine: true, nodes: 2 })]);
    expect(String(built.find("cvpp-cluster-create").inputs.create)).toContain(`export DOCKER_HOST=${SOCKET}\n`);
  });

  it("copies Calico/VPP's images from the machine's engine into the build's, then kind-loads them with Calico's", () => {
    const load = built.find("cvpp-images");
    expect(load).toMatchObject({ type: HOST_COMMAND_TYPE, parent: "cvpp", dependsOn: ["cvpp-cluster"] });
    const script = String(load.inputs.create);
    expect(script).toContain(
      `[ "$(DOCKER_HOST=${SOCKET} docker image inspect --format '{{.Id}}' ${MANAGER} 2>/dev/null)" = "$id" ] || env -u DOCKER_HOST docker save ${MANAGER} | DOCKER_HOST=${SOCKET} docker load -q\n`,
    );
    expect(script).toContain(`no image ${AGENT} on the Docker engine of this machine: run bash scripts/offline/build.sh --calico-vpp`);
    expect(script.indexOf("docker save")).toBeLessThan(script.indexOf("kind load"));
    expect(script).toContain(
      `kind load docker-image --name cvpp ${versions.offlineImages.node} ${versions.kind.calicoImages.cni} ${versions.kind.calicoImages.kubeControllers} ${MANAGER} ${AGENT}`,
    );
  });

  it("applies calico-node as the operator renders it for linuxDataplane VPP, with the build's images", () => {
    expect(built.find("cvpp-calico")).toMatchObject({
      type: "calicolab:kind:CalicoManifestInstall",
      parent: "cvpp",
      dependsOn: ["cvpp-images", "cvpp-provider"],
    });
    expect(built.find("cvpp-calico-manifest")).toMatchObject({ type: "kubernetes:yaml/v2:ConfigGroup", provider: "cvpp-provider" });
    const docs = applied("cvpp-calico-manifest");
    const config = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "calico-config");
    expect(config?.data?.calico_backend).toBe("none");
    const cni = JSON.parse((config?.data?.cni_network_config ?? "").replace("__CNI_MTU__", "0")) as { plugins: unknown[] };
    expect(cni.plugins[0]).toMatchObject({
      type: "calico",
      dataplane_options: { type: "grpc", socket: "unix:///var/run/calico/cni-server.sock" },
    });
    const node = containers(docs, "DaemonSet", "calico-node");
    expect(node.map((c) => [c.name, c.image, c.imagePullPolicy])).toEqual([
      ["install-cni", versions.kind.calicoImages.cni, "Never"],
      ["calico-node", versions.offlineImages.node, "Never"],
    ]);
    expect(node[1]?.env).toEqual([
      { name: "DATASTORE_TYPE", value: "kubernetes" },
      { name: "NO_DEFAULT_POOLS", value: "true" },
      { name: "FELIX_USEINTERNALDATAPLANEDRIVER", value: "false" },
      { name: "FELIX_DATAPLANEDRIVER", value: "/usr/local/bin/felix-plugins/felix-api-proxy" },
      { name: "FELIX_XDPENABLED", value: "false" },
    ]);
    expect(node[1]?.volumeMounts).toEqual([{ name: "felix-plugins", mountPath: "/usr/local/bin/felix-plugins", readOnly: true }]);
  });

  it("applies calico-vpp-node in the same apply, with the build's vpp-manager and agent, never pulled, and the nodes' DNS", () => {
    const docs = applied("cvpp-calico-manifest");
    expect(containers(docs, "DaemonSet", "calico-vpp-node").map((c) => [c.name, c.image, c.imagePullPolicy])).toEqual([
      ["vpp", MANAGER, "Never"],
      ["agent", AGENT, "Never"],
    ]);
    const vppConfig = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "calico-vpp-config");
    expect(vppConfig?.metadata.namespace).toBe("calico-vpp-dataplane");
    expect(vppConfig?.data?.CALICOVPP_INITIAL_CONFIG).toContain('"ip": "172.18.0.1"');
    expect(vppConfig?.data?.CALICOVPP_INTERFACES).toContain('"vppDriver": "af_packet"');
    expect(String(built.find("cvpp-calico-manifest").inputs.yaml)).not.toContain("docker.io/");
  });

  it("no operator; the pools and BGP as for kdd, calico-kube-controllers after them, GoBGP read for the status", () => {
    expect(built.seen.filter((r) => /tigera|Installation|operator/.test(`${r.type} ${r.name}`))).toEqual([]);
    expect(built.find("cvpp-ippools").dependsOn).toEqual(["cvpp-calico"]);
    expect(built.find("cvpp-ippools-bgp-default").inputs).toMatchObject({ spec: { nodeToNodeMeshEnabled: true, asNumber: 64512 } });
    expect(built.find("cvpp-ippools-vpp-pool").inputs).toMatchObject({ spec: { cidr: "10.245.0.0/16", vxlanMode: "Never" } });
    const controllers = containers(applied("cvpp-calico-controllers-manifest"), "Deployment", "calico-kube-controllers");
    expect(controllers.map((c) => [c.image, c.imagePullPolicy])).toEqual([[versions.kind.calicoImages.kubeControllers, "Never"]]);
    expect(built.find("cvpp-calico-controllers").dependsOn).toEqual(["cvpp-ippools"]);
    expect(built.find("cvpp-bgp-status")).toMatchObject({ type: "calicolab:kind:GobgpStatus" });
    expect(built.find("cvpp-bgp-status").dependsOn).toEqual([
      "cvpp-ippools",
      "cvpp-calicoctl",
      "cvpp-workloads",
      "cvpp-calico-controllers",
    ]);
    expect(built.seen.some((r) => r.name.includes("-node-status-"))).toBe(false);
    expect(built.outputs.bgpTopology).toMatchObject({ mode: "mesh", matches: true, problems: [] });
  });

  it("without the build's Calico/VPP part, or with another one, stops before anything is registered and says what to build", async () => {
    for (const [entries, found] of [
      [{ "calico-manifest": calicoManifest }, "missing"],
      [{ "calico-manifest": calicoManifest, "calico-vpp": { ...calicoVpp, version: "v3.27.0" } }, "version v3.27.0"],
    ] as const) {
      const graph = capture();
      const path = manifestJson(dir, entries);
      await expect(
        kindLab(
          "none",
          { config: online(VPP), cacheDir: "/c", manifestPath: path, preflight: () => [] },
          { transformations: [graph.transformation] },
        ),
      ).rejects.toThrow(
        `the offline build has no Calico/VPP ${versions.calicoVpp.version} for kind (calico-vpp in ${path}: ${found}): run bash scripts/offline/build.sh --kind --calico-vpp`,
      );
      expect(graph.seen).toEqual([]);
    }
  });

  it("on a kernel without vhost-net, the preflight's refusal stops it with that reason", async () => {
    const graph = capture();
    const path = manifestJson(dir, { "calico-manifest": calicoManifest, "calico-vpp": calicoVpp });
    const refusal: PreflightProblem = {
      check: "vhost-net",
      message: "Calico/VPP gives every pod a tap interface of VPP's: /dev/vhost-net is missing",
    };
    await expect(
      kindLab(
        "novhost",
        { config: online(VPP), cacheDir: "/c", manifestPath: path, preflight: () => [refusal] },
        { transformations: [graph.transformation] },
      ),
    ).rejects.toThrow(`  - vhost-net: ${refusal.message}`);
    expect(graph.seen).toEqual([]);
  });
});
