import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack, UpResult } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BgpTopologyOutput, LabNodeOutput } from "../../components/lab/outputs";
import { contains, parseCidr } from "../../core/addressing";
import { parseBirdProtocols } from "../../core/parsers/birdc-protocols";
import { destroyAndForget, dockerExec, freeUnderlay, missingPrerequisites, openStack, sh } from "./live";

const missing = missingPrerequisites();
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);

const POOL = "10.1.0.0/16";

interface Outputs {
  nodes: LabNodeOutput[];
  bgpTopology: BgpTopologyOutput;
  cniConfig: { path: string; conflist: string };
}
const outputsOf = (result: UpResult) =>
  Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value])) as unknown as Outputs;

describe.sequential(
  "kdd lab on Docker, a mesh of three: a bare kube-apiserver, calico-node on the Kubernetes datastore, pods without a kubelet",
  () => {
    const stackName = `e2e-kdd-${Date.now().toString(36)}`;
    const backend = mkdtempSync(join(tmpdir(), "calico-lab-e2e-"));
    const apiserver = `calicolab-${stackName}-apiserver`;
    const kubectl = (...args: string[]) => dockerExec(apiserver, "kubectl", "--kubeconfig=/etc/kubernetes/admin.kubeconfig", ...args);
    let stack: Stack;
    let outputs: Outputs;

    beforeAll(async () => {
      stack = await openStack(stackName, backend, {
        scenario: "kdd",
        imageMode: "offline",
        underlay: { cidr: freeUnderlay(), internal: true },
        calico: { nodes: 3 },
      });
    });

    afterAll(() => destroyAndForget(stack, stackName, backend));

    it("up: Node objects, the mesh Established from both ends, pods with addresses from the pool CRD", async () => {
      outputs = outputsOf(await stack.up({ onOutput: () => undefined }));
      expect(outputs.bgpTopology.matches, outputs.bgpTopology.problems.join("; ")).toBe(true);
      expect(kubectl("get", "nodes", "-o", "name").trim().split("\n").sort()).toEqual(["node/calico1", "node/calico2", "node/calico3"]);
      for (const node of outputs.nodes) {
        const protocols = parseBirdProtocols(dockerExec(node.container, "birdcl", "-s", "/var/run/calico/bird.ctl", "show", "protocols"));
        expect(
          protocols.filter((p) => p.protocol === "BGP" && p.info.startsWith("Established")),
          `${node.name}'s BIRD`,
        ).toHaveLength(2);
        // calicoctl on the Kubernetes datastore sees the same sessions
        const status = sh([
          "docker",
          "exec",
          "-e",
          "DATASTORE_TYPE=kubernetes",
          "-e",
          "KUBECONFIG=/etc/cni/net.d/calico-kubeconfig",
          node.container,
          "calicoctl",
          "node",
          "status",
        ]);
        expect(status.match(/Established/g)?.length, status).toBe(2);
        // BIRD routes to each other node's block, via that node
        for (const other of outputs.nodes.filter((n) => n !== node)) {
          expect(outputs.bgpTopology.observed.routes[node.name]).toEqual(
            expect.arrayContaining([{ prefix: other.blocks[0], via: other.underlayIp, viaNode: other.name, protocol: "bird" }]),
          );
        }
        expect(node.workloads).toHaveLength(1);
        const workload = node.workloads[0]!;
        expect(contains(parseCidr(POOL)!, workload.ip.split("/")[0]!)).toBe(true);
        // the CNI plugin annotated the pod it was told about, with the address it gave
        const podIp = kubectl("get", "pod", workload.name, "-o", "jsonpath={.metadata.annotations.cni\\.projectcalico\\.org/podIP}");
        expect(podIp).toBe(workload.ip);
        expect(kubectl("get", "pod", workload.name, "-o", "jsonpath={.spec.nodeName}")).toBe(node.name);
      }
      const pools = kubectl("get", "ippools.crd.projectcalico.org", "-o", "jsonpath={.items[*].spec.cidr}");
      expect(pools).toBe(POOL);
      expect(JSON.parse(outputs.cniConfig.conflist).plugins[0]).toMatchObject({ datastore_type: "kubernetes", policy: { type: "k8s" } });
    });

    it("a pod on one node reaches a pod on the other", () => {
      const [a, b] = outputs.nodes;
      const target = b!.workloads[0]!.ip.split("/")[0]!;
      expect(dockerExec(a!.container, "ip", "netns", "exec", a!.workloads[0]!.namespace, "ping", "-c", "3", "-W", "2", target)).toMatch(
        /3 received/,
      );
    });

    it("the admin kubeconfig is a secret: no private key in the state file in plain text", () => {
      // The state as the file backend keeps it on disk (the Automation API's exportStack shows secrets decrypted).
      const file = join(backend, ".pulumi", "stacks", "calico-lab", `${stackName}.json`);
      const state = JSON.parse(readFileSync(file, "utf8")) as {
        checkpoint: { latest: { resources: Array<{ urn: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }> } };
      };
      const resources = state.checkpoint.latest.resources;
      expect(
        resources.some((r) => r.urn.endsWith("-kubeconfig")),
        "the kubeconfig step is in the state",
      ).toBe(true);
      const leaks = resources.flatMap((resource) =>
        (["inputs", "outputs"] as const).flatMap((part) =>
          Object.entries(resource[part] ?? {})
            .filter(([, value]) => /client-key-data: [A-Za-z0-9+/=]{20}|PRIVATE KEY-----\n[A-Za-z0-9+/=]/.test(JSON.stringify(value)))
            .map(([key]) => `${resource.urn.split("::").pop()} ${part}.${key}`),
        ),
      );
      expect(leaks).toEqual([]);
      // ...and the secret is really there, encrypted
      const kubeconfig = resources.find((r) => r.urn.endsWith("-kubeconfig"));
      expect(JSON.stringify(kubeconfig?.outputs?.stdout)).toContain("4dabf18193072939515e22adb298388d");
    });

    it("a second up changes nothing", async () => {
      const changes = (await stack.up({ onOutput: () => undefined })).summary.resourceChanges ?? {};
      expect(Object.entries(changes).filter(([op, n]) => op !== "same" && n > 0)).toEqual([]);
    });

    it("destroy leaves no container of the stack behind", async () => {
      await stack.destroy({ onOutput: () => undefined });
      expect(sh(["docker", "ps", "-a", "--filter", `label=calico-lab.stack=${stackName}`, "-q"]).trim()).toBe("");
    });
  },
);
