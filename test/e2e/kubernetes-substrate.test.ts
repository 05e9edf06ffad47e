import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import versions from "../../versions.json";
import { readArtifact } from "../../core/config/artifacts";
import { labNameFor } from "../../core/config/keys";
import { KIND_ARTIFACT } from "../../core/substrates/kind/calico-manifest";
import { onEngine, ownEngine } from "../../core/substrates/kind/engine";
import { copyImagesScript, kindLoadImagesScript } from "../../core/substrates/kind/scripts";
import type { LabNodeOutput } from "../../components/lab/outputs";
import {
  captureDuring,
  destroyAndForget,
  expectIcmpBetween,
  expectLiveLab,
  labStatus,
  outputsOf,
  workloadPingArgv,
  type LabOutputs,
} from "./lab-expectations";
import { cacheDir, missingPrerequisites, nodeExec, repoRoot, sh } from "./live";
import { labSuite } from "./suite";

// The kubernetes substrate, live: a kind cluster of a control plane and two workers (the kind platform's, Calico as
// its Pod network), then a bird lab as Pods of that cluster, found through a kubeconfig as any cluster would be.
const missing = missingPrerequisites();
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);
const manifestPath = join(cacheDir, "artifacts", "manifest.json");
const built = readArtifact(manifestPath, KIND_ARTIFACT) !== undefined;
if (!built) console.log(`kubernetes-substrate: skipped: no ${KIND_ARTIFACT} in ${manifestPath} (run scripts/offline/build.sh --kind)`);

/** The lab's images the kind platform does not load already (it loads the node image). */
const LAB_IMAGES = [versions.offlineImages.etcd, versions.offlineImages.tcpdump];
const kubectlBin = join(cacheDir, "artifacts", "kubernetes", versions.kubernetes.version, "kubectl");

describe.skipIf(!built).sequential("the kubernetes substrate: a bird lab as Pods spread over a kind cluster's two workers", () => {
  const clusterStack = `e2e-k8shost-${Date.now().toString(36)}`;
  const labStack = `e2e-k8slab-${Date.now().toString(36)}`;
  const cluster = labNameFor(clusterStack);
  const namespace = labNameFor(labStack);
  const kubeDir = mkdtempSync(join(tmpdir(), "calico-lab-kube-"));
  const kubeconfig = join(kubeDir, "kubeconfig");
  const kubectl = (...args: string[]) => sh([kubectlBin, `--kubeconfig=${kubeconfig}`, ...args]);
  if (built) {
    const started = spawnSync("bash", [join(repoRoot, "scripts", "offline", "docker-v28.sh"), "start"], { encoding: "utf8" });
    if (started.status !== 0) throw new Error(`the kind engine did not start: ${started.stderr}`);
  }
  // Declared first, torn down last: the lab's Pods go before their cluster.
  const host = labSuite(
    clusterStack,
    () => ({
      scenario: "kdd",
      substrate: "kind",
      imageMode: "offline",
      kind: { workers: 2 },
      ipPools: [
        {
          name: "host-pool",
          cidr: "10.244.0.0/16",
          blockSize: 26,
          ipipMode: "Never",
          vxlanMode: "CrossSubnet",
          natOutgoing: true,
          disabled: false,
        },
      ],
      workloads: { perNode: 0 },
    }),
    {
      teardown: async (stack, name, backend) => {
        rmSync(kubeDir, { recursive: true, force: true });
        await destroyAndForget(stack, name, backend);
      },
    },
  );
  const lab = labSuite(
    labStack,
    () => ({ scenario: "bird", substrate: "kubernetes", imageMode: "offline", calico: { nodes: 3 }, kubernetes: { kubeconfig } }),
    {
      teardown: async (stack, name, backend) => {
        await destroyAndForget(stack, name, backend);
        if (stack)
          expect(kubectl("get", "namespaces", "-o", "name"), "the lab's namespace is gone").not.toContain(`namespace/${namespace}\n`);
      },
    },
  );
  let outputs: LabOutputs;
  let placed: Map<string, string>;

  it("the cluster comes up with two workers; its kubeconfig goes to a 0600 file, the lab's images onto its nodes", async () => {
    const result = await host.stack.up({ onOutput: () => undefined });
    const config = result.outputs.kubeconfig?.value as string | undefined;
    expect(config, "the kind lab's kubeconfig output").toMatch(/^apiVersion: v1/m);
    writeFileSync(kubeconfig, config!, { mode: 0o600 });
    const engine = ownEngine(cacheDir);
    sh(["bash", "-c", copyImagesScript(engine.dockerHost!, LAB_IMAGES, "run bash scripts/offline/build.sh")]);
    sh(["bash", "-c", onEngine(engine, kindLoadImagesScript(cluster, LAB_IMAGES))]);
    expect(kubectl("get", "nodes", "-o", "name").trim().split("\n")).toHaveLength(3);
  });

  it("the lab comes up as Pods: sessions Established between nodes on different machines, each node's planned address", async () => {
    outputs = outputsOf(await lab.stack.up({ onOutput: () => undefined }));
    expectLiveLab(outputs, [
      ["calico1", "calico2"],
      ["calico1", "calico3"],
      ["calico2", "calico3"],
    ]);
    expect(outputs.nodes.map((n) => n.underlayIp)).toEqual(["192.168.4.5", "192.168.4.6", "192.168.4.7"]);
    const pods = kubectl("get", "pods", "-n", namespace, "-o", 'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName}{"\\n"}{end}');
    placed = new Map(
      pods
        .trim()
        .split("\n")
        .map((line) => line.split(" ") as [string, string]),
    );
    expect([...placed.keys()].sort()).toEqual(["calico1", "calico2", "calico3", "etcd"]);
    const machines = new Set(["calico1", "calico2", "calico3"].map((n) => placed.get(n)));
    expect([...machines].sort(), "the Calico nodes' machines").toEqual([`${cluster}-worker`, `${cluster}-worker2`]);
  });

  it("workloads on different machines ping each other through the lab network; lab:capture sees it on lab0", async () => {
    const byMachine = (n: LabNodeOutput) => placed.get(n.name);
    const calicoNodes = outputs.nodes;
    const from = calicoNodes[0]!;
    const to = calicoNodes.find((n) => byMachine(n) !== byMachine(from))!;
    expect(to, "a Calico node on another machine").toBeDefined();
    const ping = (a: LabNodeOutput, b: LabNodeOutput) => nodeExec(a, ...workloadPingArgv(a, b));
    expect(ping(from, to)).toMatch(/3 received/);
    expect(ping(to, from)).toMatch(/3 received/);
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-capture-"));
    try {
      const { packets } = await captureDuring(dir, outputs, to, "lab0", 6, () => void ping(from, to));
      expectIcmpBetween(packets, from, to, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a node's Pod deleted by hand comes back on the next up, on a new Pod address: the others reach it again", async () => {
    const before = kubectl("get", "pod", "calico2", "-n", namespace, "-o", "jsonpath={.status.podIP}");
    kubectl("delete", "pod", "calico2", "-n", namespace, "--wait=true");
    await lab.stack.refresh({ onOutput: () => undefined });
    outputs = outputsOf(await lab.stack.up({ onOutput: () => undefined }));
    const after = kubectl("get", "pod", "calico2", "-n", namespace, "-o", "jsonpath={.status.podIP}");
    expect(after, "calico2's new Pod address").not.toBe(before);
    expectLiveLab(outputs, [
      ["calico1", "calico2"],
      ["calico1", "calico3"],
      ["calico2", "calico3"],
    ]);
    const [calico1, calico2] = outputs.nodes as [LabNodeOutput, LabNodeOutput];
    expect(nodeExec(calico1, ...workloadPingArgv(calico1, calico2))).toMatch(/3 received/);
  });

  it("lab:status reads every node through the API and finds the lab as its settings say", async () => {
    const seen = await labStatus(outputs);
    expect(seen.code, seen.text).toBe(0);
    expect(seen.status.nodes.map((n) => n.name)).toEqual(["calico1", "calico2", "calico3"]);
  });
});
