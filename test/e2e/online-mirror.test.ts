/**
 * Online mode, end to end, through mirrors served from this machine: Debian's docker-registry on
 * 127.0.0.1 holds quay.io's calico/node, coreos/etcd and calico/cni at their official repository paths,
 * and an HTTP server on 127.0.0.1 holds GitHub's release downloads and their checksum files in the
 * releases' layout. What they serve is the offline build's software (the same Calico release); the lab
 * only knows it through `artifacts.registryMirror` and `artifacts.releaseMirror`.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../core/config/defaults";
import { labNameFor } from "../../core/config/keys";
import { mirrorImageSet, OFFICIAL_REGISTRY, type Mirrors } from "../../core/config/mirrors";
import type { ToolSource } from "../../core/config/types";
import { toolCacheDir, type ToolName } from "../../core/tools";
import { expectIpamClean, expectLiveLab, outputsOf, ping, type LabOutputs } from "./lab-expectations";
import { cacheDir, dockerExec, freeUnderlay, labDown, leftovers, missingPrerequisites, openStack, sh } from "./live";
import { pushImage, startRegistry, startReleaseServer, type LocalRegistry, type ReleaseServer } from "./mirrors";

const REGISTRY_BINARY = "/usr/bin/docker-registry";
const missing = [
  ...missingPrerequisites(),
  ...(existsSync(REGISTRY_BINARY) ? [] : [`no ${REGISTRY_BINARY}: apt-get install -y docker-registry (.ci/run does)`]),
];
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);

const run = Date.now().toString(36);
const online = DEFAULTS.artifacts.online;
const manifest = JSON.parse(readFileSync(join(cacheDir, "artifacts", "manifest.json"), "utf8")) as {
  artifacts: Record<string, { path?: string; dir?: string; sha256?: string }>;
};
const artifact = (name: string, key: "path" | "dir"): string => {
  const value = manifest.artifacts[name]?.[key];
  if (!value) throw new Error(`the offline manifest has no ${key} for ${name}: run npm run offline:build`);
  return value;
};
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;
const pathOf = (url: string) => new URL(url).pathname;
/** `quay.io/calico/node:v3.28.5` → `calico/node` and `v3.28.5`. */
function repositoryAndTag(image: string): [string, string] {
  const rest = image.slice(OFFICIAL_REGISTRY.length + 1);
  const colon = rest.lastIndexOf(":");
  return [rest.slice(0, colon), rest.slice(colon + 1)];
}
const urlSource = (source: ToolSource) => {
  if (source.kind !== "url" || !source.checksumUrl) throw new Error("expected a url source with a checksum file");
  return { url: source.url, checksumUrl: source.checksumUrl };
};
const imageExists = (image: string) => spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status === 0;
const docker = (...args: string[]) => sh(["docker", ...args]);

describe.sequential("online mode through local mirrors (a registry and a release site on 127.0.0.1)", () => {
  const stackName = `e2e-mirror-${run}`;
  const tamperedStackName = `e2e-mirror-tampered-${run}`;
  const backend = mkdtempSync(join(tmpdir(), "calico-lab-e2e-"));
  const work = mkdtempSync(join(tmpdir(), "calico-lab-mirror-"));
  const releaseRoot = join(work, "release");
  const timings: Record<string, unknown> = {};
  let registry: LocalRegistry | undefined;
  let release: ReleaseServer | undefined;
  let stack: Stack | undefined;
  let tamperedStack: Stack | undefined;
  let good: Mirrors | undefined;
  let tampered: Mirrors | undefined;
  /** The config digest each mirrored image has in the registry, by its name under the mirror. */
  const pushed = new Map<string, string>();
  const served = { calicoctl: "", plugins: "", tamperedCalicoctl: "" };

  /** Builds a local image, puts it in the registry at `image`'s official path, and drops the local copy. */
  async function mirror(image: string, dockerfile: string, context: Record<string, string> = {}): Promise<void> {
    const [repository, tag] = repositoryAndTag(image);
    const dir = join(work, "build", repository);
    mkdirSync(dir, { recursive: true });
    for (const [name, from] of Object.entries(context)) copyFileSync(from, join(dir, name));
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    const local = `calico-lab-e2e-mirror/${repository.replace("/", "-")}:${run}`;
    docker("build", "-q", "-t", local, dir);
    pushed.set(`${registry!.host}/${repository}:${tag}`, await pushImage(registry!.host, local, repository, tag, join(work, "push")));
    docker("rmi", local);
  }

  beforeAll(async () => {
    const started = Date.now();
    registry = await startRegistry(join(work, "registry"));
    // Each image gets a label of this run, so its config (its id) is new to the engine and `up` pulls
    // it, layers included, rather than finding it already there. The layers are the offline images'.
    const label = `LABEL calico-lab.e2e-mirror=${run}\n`;
    await mirror(online.node, `FROM ${DEFAULTS.artifacts.offline.node}\n${label}`);
    await mirror(online.etcd, `FROM ${DEFAULTS.artifacts.offline.etcd}\n${label}`);
    const cni = online.tools.calico;
    if (cni.kind !== "image") throw new Error("the online calico plugin comes from an image");
    // quay.io/calico/cni ships the two plugins as files in /opt/cni/bin (calico-ipam is a copy of calico).
    await mirror(cni.image, `FROM scratch\nCOPY calico calico-ipam /opt/cni/bin/\n${label}`, {
      calico: artifact("calico", "path"),
      "calico-ipam": artifact("calico-ipam", "path"),
    });
    timings["registry filled"] = seconds(started);

    // The releases, in their layout: Calico's SHA256SUMS is `sha256sum` of the release's files; the CNI
    // plugins' archive is `tar -C bin -caf` of the plugins, with `sha256sum <archive>` beside it.
    const calicoctl = urlSource(online.tools.calicoctl);
    const calicoctlFile = join(releaseRoot, pathOf(calicoctl.url));
    mkdirSync(dirname(calicoctlFile), { recursive: true });
    copyFileSync(artifact("calicoctl", "path"), calicoctlFile);
    sh(["sh", "-c", 'cd "$1" && sha256sum calicoctl-linux-amd64 > SHA256SUMS', "sums", dirname(calicoctlFile)]);
    expect(join(releaseRoot, pathOf(calicoctl.checksumUrl))).toBe(join(dirname(calicoctlFile), "SHA256SUMS"));
    const plugins = urlSource(online.tools.cniPlugins);
    const archive = join(releaseRoot, pathOf(plugins.url));
    mkdirSync(dirname(archive), { recursive: true });
    sh(["tar", "-C", artifact("cni-plugins", "dir"), "--owner=0", "--group=0", "-czf", archive, "."]);
    sh(["sh", "-c", 'cd "$(dirname "$1")" && sha256sum "$(basename "$1")" > "$(basename "$1").sha256"', "sums", archive]);
    expect(existsSync(join(releaseRoot, pathOf(plugins.checksumUrl)))).toBe(true);
    // The same release under /tampered, except that its calicoctl's bytes are not the ones SHA256SUMS lists.
    for (const url of [calicoctl.url, calicoctl.checksumUrl, plugins.url, plugins.checksumUrl]) {
      const copy = join(releaseRoot, "tampered", pathOf(url));
      mkdirSync(dirname(copy), { recursive: true });
      copyFileSync(join(releaseRoot, pathOf(url)), copy);
    }
    appendFileSync(join(releaseRoot, "tampered", pathOf(calicoctl.url)), "tampered\n");
    served.calicoctl = sha256(calicoctlFile);
    served.tamperedCalicoctl = sha256(join(releaseRoot, "tampered", pathOf(calicoctl.url)));
    served.plugins = sha256(archive);
    release = await startReleaseServer(releaseRoot);
    timings["mirrors ready"] = seconds(started);

    good = { registryMirror: registry.host, releaseMirror: release.url };
    tampered = { registryMirror: registry.host, releaseMirror: `${release.url}/tampered` };
    stack = await openStack(stackName, backend, {
      imageMode: "online",
      underlay: { cidr: freeUnderlay(), internal: true },
      calico: { nodes: 2 },
      workloads: { perNode: 1 },
      artifacts: good,
    });
  });

  afterAll(async () => {
    const started = Date.now();
    try {
      for (const [name, s] of [
        [stackName, stack],
        [tamperedStackName, tamperedStack],
      ] as const) {
        try {
          if (s) await labDown(s);
          expect(leftovers(name), `nothing labelled with ${name} is left`).toEqual([]);
        } finally {
          await s?.workspace.removeStack(name, { force: true }).catch(() => undefined);
        }
      }
    } finally {
      timings.destroy = seconds(started);
      await release?.stop();
      await registry?.stop();
      const mirrored = docker("images", "--format", "{{.Repository}}:{{.Tag}}")
        .split("\n")
        .filter(
          (image) =>
            (registry && image.startsWith(`${registry.host}/`)) ||
            (image.startsWith(`calico-lab-e2e-mirror/`) && image.endsWith(`:${run}`)),
        );
      if (mirrored.length > 0) docker("rmi", "--force", ...mirrored);
      // The host's tool cache keeps one folder per source; the mirrored sources name this run's ports.
      for (const mirrors of [good, tampered].filter((m): m is Mirrors => m !== undefined)) {
        for (const [name, source] of Object.entries(mirrorImageSet(online, mirrors).tools)) {
          if (source.kind === "url" || source.kind === "image")
            rmSync(toolCacheDir(cacheDir, name as ToolName, source), { recursive: true, force: true });
        }
      }
      rmSync(work, { recursive: true, force: true });
      rmSync(backend, { recursive: true, force: true });
      console.log(`online-mirror timings (s): ${JSON.stringify(timings)}`);
    }
  });

  it("up pulls every image from the registry mirror, downloads and verifies every release file from the release mirror, and the lab comes up", async () => {
    const images = mirrorImageSet(online, good!);
    const names = [images.node, images.etcd, (images.tools.calico as { image: string }).image];
    expect([...pushed.keys()].sort()).toEqual([...new Set(names)].sort());
    for (const image of names) expect(imageExists(image), `${image} is not in the engine before up`).toBe(false);

    const started = Date.now();
    const outputs: LabOutputs = outputsOf(await stack!.up({ onOutput: () => undefined }));
    timings.up = seconds(started);

    // The engine pulled each image from the mirror: manifest, config and layers.
    const pulls = registry!
      .log()
      .split("\n")
      .filter((line) => line.includes('"docker/'));
    for (const [image, id] of pushed) {
      const repository = image.slice(registry!.host.length + 1).split(":")[0];
      expect(
        pulls.some((line) => line.includes(`GET /v2/${repository}/manifests/`)),
        `the engine asked the mirror for ${repository}'s manifest`,
      ).toBe(true);
      expect(
        pulls.some((line) => line.includes(`GET /v2/${repository}/blobs/${id}`)),
        `the engine fetched ${repository}'s config`,
      ).toBe(true);
      expect(docker("image", "inspect", "--format", "{{.Id}}", image).trim(), `${image} is the mirrored image`).toBe(id);
    }
    // Layers: the node and etcd images share theirs with the offline images, which the engine skips once
    // it knows them by digest (after the first run on a machine); the calico/cni layer is new every run
    // (fresh file times), so at least that one crossed the wire.
    const configs = new Set(pushed.values());
    const layerGets = (repository: string) =>
      pulls.filter((line) => {
        const blob = new RegExp(`GET /v2/${repository}/blobs/(sha256:[0-9a-f]+) HTTP/1\\.1" 200 [1-9]`).exec(line)?.[1];
        return blob !== undefined && !configs.has(blob);
      }).length;
    expect(layerGets("calico/cni"), "calico/cni's layer was downloaded").toBeGreaterThan(0);
    timings["layer downloads (node, etcd, cni)"] = [layerGets("calico/node"), layerGets("coreos/etcd"), layerGets("calico/cni")];
    for (const node of [outputs.etcd.container, ...outputs.nodes.map((n) => n.container)]) {
      expect(docker("inspect", "--format", "{{.Config.Image}}", node).trim()).toBe(node.endsWith("-etcd") ? images.etcd : images.node);
    }

    // Every release file and its checksum file came from the release mirror.
    const fetched = release!.requests.filter((r) => r.status === 200).map((r) => r.path);
    for (const source of [online.tools.calicoctl, online.tools.cniPlugins]) {
      const { url, checksumUrl } = urlSource(source);
      expect(fetched).toEqual(expect.arrayContaining([pathOf(url), pathOf(checksumUrl)]));
    }
    expect(release!.requests.filter((r) => r.status !== 200)).toEqual([]);

    // The nodes hold exactly what the mirrors served.
    const node = outputs.nodes[0]!.container;
    expect(dockerExec(node, "sha256sum", "/usr/local/bin/calicoctl").split(" ")[0]).toBe(served.calicoctl);
    expect(dockerExec(node, "sha256sum", "/opt/cni/bin/calico", "/opt/cni/bin/calico-ipam")).toBe(
      `${manifest.artifacts.calico?.sha256}  /opt/cni/bin/calico\n${manifest.artifacts["calico-ipam"]?.sha256}  /opt/cni/bin/calico-ipam\n`,
    );
    const bridge = sha256(join(artifact("cni-plugins", "dir"), "bridge"));
    expect(dockerExec(node, "sha256sum", "/opt/cni/bin/bridge").split(" ")[0]).toBe(bridge);

    // And the lab is the lab: sessions Established both ways, routes to every block, workloads reach each other.
    expect(outputs.nodes.map((n) => n.name)).toEqual(["calico1", "calico2"]);
    expectLiveLab(outputs, [["calico1", "calico2"]]);
    expect(ping(outputs.nodes[0]!, outputs.nodes[1]!)).toMatch(/3 received/);
  });

  it("a node taken out of the settings leaves etcd too: removed with calicoctl in that node, since the official etcd image runs no scripts", async () => {
    await stack!.setConfig("calico-lab:calico.nodes", { value: "1" }, true);
    const started = Date.now();
    const outputs: LabOutputs = outputsOf(await stack!.up({ onOutput: () => undefined }));
    timings["up to one node"] = seconds(started);
    expect(outputs.nodes.map((n) => n.name)).toEqual(["calico1"]);
    expect(sh(["docker", "ps", "--all", "--quiet", "--filter", `name=^${labNameFor(stackName)}-calico2$`]).trim()).toBe("");
    const table = dockerExec(outputs.nodes[0]!.container, "calicoctl", "get", "nodes").trim().split("\n");
    expect(
      table.slice(1).map((row) => row.trim()),
      table.join("\n"),
    ).toEqual(["calico1"]);
    // calico2's block and its workload's address went with its Calico node.
    expectIpamClean(outputs);
  });

  it("a calicoctl whose bytes differ from SHA256SUMS is refused, naming the file and both digests, before anything is installed into a node", async () => {
    tamperedStack = await openStack(tamperedStackName, backend, {
      imageMode: "online",
      underlay: { cidr: freeUnderlay(), internal: true },
      calico: { nodes: 1 },
      artifacts: tampered,
    });
    const { url, checksumUrl } = urlSource(mirrorImageSet(online, tampered!).tools.calicoctl);
    const started: string[] = [];
    const at = Date.now();
    const onEvent = (event: EngineEvent) => {
      const urn = event.resourcePreEvent?.metadata.urn;
      if (urn) started.push(urn);
      if (event.resOpFailedEvent?.metadata.urn.endsWith("-tools-fetch-calicoctl")) timings["tampered: refused after"] = seconds(at);
    };
    const error = await tamperedStack.up({ onOutput: () => undefined, onEvent }).then(
      () => undefined,
      (e: unknown) => String(e),
    );
    timings["tampered up"] = seconds(at);
    expect(error, "the up fails").toBeDefined();
    expect(error).toContain(
      `tool calicoctl: refusing calicoctl-linux-amd64 from ${url}: its sha256 is ${served.tamperedCalicoctl}, but ${checksumUrl} says ${served.calicoctl}`,
    );
    console.log(`steps the tampered up started: ${started.map((urn) => urn.split("::").pop()).join(", ")}`);
    console.log(`refused: ${/tool calicoctl: refusing [^\n]*/.exec(error ?? "")?.[0]}`);
    expect(
      started.filter((urn) => urn.includes("-tools-install-")),
      "no tool install step started",
    ).toEqual([]);
    expect(started.some((urn) => urn.endsWith("-tools-fetch-calicoctl"))).toBe(true);
    expect(existsSync(toolCacheDir(cacheDir, "calicoctl", mirrorImageSet(online, tampered!).tools.calicoctl)), "nothing cached").toBe(
      false,
    );
    // Any node the up got to start holds no tampered calicoctl.
    const label = `label=calico-lab.stack=${tamperedStackName}`;
    for (const container of docker("ps", "--filter", label, "--filter", "label=calico-lab.role=calico-node", "--format", "{{.Names}}")
      .split("\n")
      .filter(Boolean)) {
      expect(dockerExec(container, "sh", "-c", "sha256sum /usr/local/bin/calicoctl 2>/dev/null || true")).not.toContain(
        served.tamperedCalicoctl,
      );
    }
  });
});
