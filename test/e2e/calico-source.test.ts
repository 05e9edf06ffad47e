/**
 * artifacts.calicoSource end to end: a copy of the pinned Calico source (from the Go module cache, never modified)
 * with a line Felix logs at startup changed, built by the lab (scripts/offline/calico-local.sh) into a node image
 * that a two-node lab runs; then changed again, and `up` rolls the nodes onto the new build and the lab converges.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { beforeAll, describe, expect, it } from "vitest";
import versions from "../../versions.json";
import { destroyAndForget, expectIpamClean, expectLiveLab, outputsOf, ping, type LabOutputs } from "./lab-expectations";
import { cacheDir, freeUnderlay, leftovers, missingPrerequisites, sh, stepTimeline } from "./live";
import { labSuite } from "./suite";

const missing = missingPrerequisites();
const pinnedSource = join(cacheDir, "go", "pkg", "mod", "github.com", "projectcalico", `calico@${versions.calico.goModuleVersion}`);
if (!existsSync(join(pinnedSource, "go.mod"))) missing.push(`no pinned Calico source at ${pinnedSource}: run npm run offline:build`);
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);

const run = Date.now().toString(36);
const FELIX_LINE = 'buildInfoLogCxt.Info("Felix starting up")';
const mark = (name: string) => `Felix starting up (calico-lab e2e ${name}-${run})`;

interface NodeCalico {
  source: string;
  commit: string | null;
  dirty: boolean | null;
  version: string;
  digest: string;
  calicoNodeSha256: string;
  image: string;
}
type Outputs = LabOutputs & { nodes: Array<LabOutputs["nodes"][number] & { calico: NodeCalico }>; calico: NodeCalico };

describe.sequential("bird lab on Docker from a local Calico tree (artifacts.calicoSource)", () => {
  const stackName = `e2e-src-${run}`;
  const work = mkdtempSync(join(tmpdir(), "calico-lab-src-"));
  const tree = join(work, "calico");
  const daemon = join(tree, "felix", "daemon", "daemon.go");
  let outputs: Outputs;

  /** Sets the line Felix logs at startup to `text` (the tree is our copy). */
  const setFelixLine = (text: string, previous: string) => {
    const source = readFileSync(daemon, "utf8");
    expect(source, "the tree has the line to change").toContain(previous);
    writeFileSync(daemon, source.replace(previous, `buildInfoLogCxt.Info(${JSON.stringify(text)})`));
  };
  const nodeLogs = (container: string) =>
    sh(["docker", "logs", container]) + sh(["docker", "exec", container, "cat", "/var/log/calico/felix/current"]);
  const imageOf = (container: string) => sh(["docker", "inspect", "--format", "{{.Config.Image}}", container]).trim();
  const idOf = (container: string) => sh(["docker", "inspect", "--format", "{{.Id}}", container]).trim();

  beforeAll(async () => {
    cpSync(pinnedSource, tree, { recursive: true });
    sh(["chmod", "-R", "u+w", tree]);
    setFelixLine(mark("A"), FELIX_LINE);
  });

  const lab = labSuite(
    stackName,
    () => ({
      imageMode: "offline",
      underlay: { cidr: freeUnderlay(), internal: true },
      calico: { nodes: 2 },
      workloads: { perNode: 1 },
      artifacts: { calicoSource: tree },
    }),
    { teardown: (stack, name, backend) => destroyAndForget(stack, name, backend).finally(forgetBuilds) },
  );

  /** The builds of this temporary tree: their images and their folder in the cache, then the tree. */
  function forgetBuilds(): void {
    const key = createHash("sha256").update(realpathSync(tree)).digest("hex").slice(0, 12);
    const built = join(cacheDir, "local", key);
    const images = existsSync(join(built, "images")) ? readFileSync(join(built, "images"), "utf8").split("\n").filter(Boolean) : [];
    // calico-local.sh may have removed an earlier one already; any other that stays is named.
    for (const image of images) spawnSync("docker", ["image", "rm", image], { stdio: "ignore" });
    const kept = images.filter((image) => spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status === 0);
    rmSync(built, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
    expect(kept, "the build's images are removed").toEqual([]);
  }

  it("preview refuses a folder that is not a Calico tree, and a go.mod the build cannot use, naming the setting", async () => {
    const notCalico = join(work, "not-calico");
    const tooNew = join(work, "too-new");
    mkdirSync(notCalico);
    mkdirSync(tooNew);
    writeFileSync(join(tooNew, "go.mod"), readFileSync(join(tree, "go.mod"), "utf8").replace(/^go \S+$/m, "go 9.99"));
    try {
      await lab.stack.setConfig("calico-lab:artifacts.calicoSource", { value: notCalico }, true);
      await expect(lab.stack.preview({ onOutput: () => undefined })).rejects.toThrow(
        `calico-lab:artifacts.calicoSource = "${notCalico}": there is no go.mod there; allowed is a Calico source tree`,
      );
      await lab.stack.setConfig("calico-lab:artifacts.calicoSource", { value: tooNew }, true);
      await expect(lab.stack.preview({ onOutput: () => undefined })).rejects.toThrow(
        new RegExp(
          `calico-lab:artifacts\\.calicoSource = "${tooNew}": the build cannot use it: its go.mod needs Go 9\\.99 and this machine has Go `,
        ),
      );
      expect(leftovers(stackName)).toEqual([]);
    } finally {
      await lab.stack.setConfig("calico-lab:artifacts.calicoSource", { value: tree }, true);
    }
  });

  it("up: the lab builds the tree and its nodes run that build (Felix logs the changed line), sessions Established", async () => {
    const started = Date.now();
    outputs = outputsOf(await lab.stack.up({ onOutput: () => undefined })) as Outputs;
    console.log(`first up from the local tree (build + lab): ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expectLiveLab(outputs, [["calico1", "calico2"]]);
    expect(outputs.calico.source).toBe(realpathSync(tree));
    expect(outputs.calico.commit, "a copy of the module is no git checkout").toBeNull();
    expect(outputs.calico.image).toMatch(/^calico-lab\/node-local:[0-9a-f]{12}$/);
    expect(outputs.calico.image).toBe(`calico-lab/node-local:${outputs.calico.digest.slice(0, 12)}`);
    for (const node of outputs.nodes) {
      expect(node.calico).toEqual(outputs.calico);
      expect(imageOf(node.container)).toBe(outputs.calico.image);
      expect(sh(["docker", "exec", node.container, "sha256sum", "/usr/bin/calico-node"])).toContain(node.calico.calicoNodeSha256);
      const logs = nodeLogs(node.container);
      expect(logs, `${node.name}'s Felix logs the line of build A`).toContain(mark("A"));
    }
    expect(ping(outputs.nodes[0]!, outputs.nodes[1]!)).toMatch(/3 received/);
  });

  it("a second up with the tree unchanged rebuilds nothing and changes nothing", async () => {
    const result = await lab.stack.up({ onOutput: () => undefined });
    const changed = Object.entries(result.summary.resourceChanges ?? {}).filter(([op, n]) => op !== "same" && n > 0);
    expect(changed, "no resource changes").toEqual([]);
    expect((outputsOf(result) as Outputs).calico.image).toBe(outputs.calico.image);
  });

  it("change it again, up: every node is replaced by one running the new build, sessions and workloads come back", async () => {
    const before = new Map(outputs.nodes.map((node) => [node.name, idOf(node.container)]));
    const oldImage = outputs.calico.image;
    setFelixLine(mark("B"), `buildInfoLogCxt.Info(${JSON.stringify(mark("A"))})`);
    const timeline = stepTimeline();
    // When each node container's old one is deleted and its new one made: [op, node, "start" | "end", ms].
    const steps: Array<[string, string, string, number]> = [];
    const onEvent = (event: EngineEvent) => {
      timeline.onEvent(event);
      for (const [meta, when] of [
        [event.resourcePreEvent?.metadata, "start"],
        [event.resOutputsEvent?.metadata, "end"],
      ] as const) {
        const node = meta?.urn.match(/-(calico\d+)-container$/)?.[1];
        if (meta && node) steps.push([meta.op, node, when, Date.now()]);
      }
    };
    const at = (op: string, node: string, when: string) => steps.find((s) => s[0] === op && s[1] === node && s[2] === when)?.[3];
    const started = Date.now();
    const result = await lab.stack.up({ onOutput: () => undefined, onEvent });
    console.log(`up after a one-line change (rebuild + roll): ${((Date.now() - started) / 1000).toFixed(0)} s\n${timeline.report()}`);
    outputs = outputsOf(result) as Outputs;
    expect(result.summary.resourceChanges?.replace ?? 0, "the nodes were replaced").toBeGreaterThanOrEqual(2);
    // In turn: calico2's old container goes only once calico1's new one is up.
    const calico1Up = at("create-replacement", "calico1", "end");
    const calico2Down = at("delete-replaced", "calico2", "start");
    expect([calico1Up, calico2Down, at("delete-replaced", "calico1", "start")], JSON.stringify(steps)).not.toContain(undefined);
    expect(calico2Down!, JSON.stringify(steps)).toBeGreaterThanOrEqual(calico1Up!);
    expect(outputs.calico.image).not.toBe(oldImage);
    for (const node of outputs.nodes) {
      expect(idOf(node.container), `${node.name} is a new container`).not.toBe(before.get(node.name));
      expect(imageOf(node.container)).toBe(outputs.calico.image);
      const logs = nodeLogs(node.container);
      expect(logs, `${node.name}'s Felix logs the line of build B`).toContain(mark("B"));
      expect(logs, `${node.name} is not the old container`).not.toContain(mark("A"));
    }
    expectLiveLab(outputs, [["calico1", "calico2"]]);
    expect(ping(outputs.nodes[0]!, outputs.nodes[1]!)).toMatch(/3 received/);
    expect(ping(outputs.nodes[1]!, outputs.nodes[0]!)).toMatch(/3 received/);
    expectIpamClean(outputs);
  });
});
