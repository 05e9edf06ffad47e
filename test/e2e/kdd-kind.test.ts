import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import versions from "../../versions.json";
import { contains, parseCidr } from "../../core/addressing";
import { readArtifact } from "../../core/config/artifacts";
import { labNameFor } from "../../core/config/keys";
import { KIND_ARTIFACT } from "../../core/substrates/kind/calico-manifest";
import type { LabNodeOutput } from "../../components/lab/outputs";
import { expectNodeStatusesMatch, type KddOutputs } from "./kdd-expectations";
import { destroyAndForget, labStatus, outputsOf, type LabOutputs } from "./lab-expectations";
import { cacheDir, missingPrerequisites, repoRoot, sh } from "./live";
import { labSuite } from "./suite";

// kdd on kind, offline: a real kind cluster (kubeadm, kubelet, containerd) on the offline build's own engine,
// Calico's manifest install with the lab's images, the lab's pools, a Pod per node. Needs `build.sh --kind`
// (and --k8s-provider); without the kind parts the suite is skipped, saying so.
const missing = missingPrerequisites();
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);
const manifestPath = join(cacheDir, "artifacts", "manifest.json");
const built = readArtifact(manifestPath, KIND_ARTIFACT) !== undefined;
if (!built) console.log(`kdd-kind: skipped: no ${KIND_ARTIFACT} in ${manifestPath} (run scripts/offline/build.sh --kind)`);

const POOL = "10.244.0.0/16";
const engine = ["env", `DOCKER_HOST=unix://${versions.kind.engine.socket}`];
const onEngine = (...argv: string[]) => sh([...engine, ...argv]);
const kubectl = (controlPlane: string, ...args: string[]) =>
  onEngine("docker", "exec", controlPlane, "kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", ...args);

function startEngine(): void {
  const started = spawnSync("bash", [join(repoRoot, "scripts", "offline", "docker-v28.sh"), "start"], { encoding: "utf8" });
  if (started.status !== 0) throw new Error(`the kind engine did not start: ${started.stderr}`);
}

/** Containers, networks and the kubeconfig entry kind leaves of a cluster; empty when it is gone. */
function kindLeftovers(cluster: string): string[] {
  return [
    ...onEngine("docker", "ps", "-a", "--filter", `label=io.x-k8s.kind.cluster=${cluster}`, "--format", "container {{.Names}}").split("\n"),
    ...sh(["sh", "-c", `grep -s -l 'kind-${cluster}' "$HOME/.kube/config" || true`]).split("\n"),
  ].filter(Boolean);
}

describe
  .skipIf(!built)
  .sequential("kdd on kind (offline): a control plane and a worker, Calico's manifest, a Pod on each; then a route reflector", () => {
    const stackName = `e2e-kind-${Date.now().toString(36)}`;
    const cluster = labNameFor(stackName);
    if (built) startEngine();
    const lab = labSuite(
      stackName,
      () => ({
        scenario: "kdd",
        substrate: "kind",
        imageMode: "offline",
        kind: { workers: 1 },
        ipPools: [
          { name: "kind-pool", cidr: POOL, blockSize: 26, ipipMode: "Never", vxlanMode: "Never", natOutgoing: false, disabled: false },
        ],
      }),
      {
        teardown: async (stack, name, backend) => {
          await destroyAndForget(stack, name, backend);
          expect(kindLeftovers(cluster), "kind left nothing behind").toEqual([]);
        },
      },
    );
    let outputs: LabOutputs;
    const controlPlane = `${cluster}-control-plane`;

    it("comes up: nodes Ready, calico-node on each, sessions Established, a Pod per node with an address of the pool", async () => {
      const result = await lab.stack.up({ onOutput: () => undefined });
      outputs = outputsOf(result);
      expect(outputs.nodes.map((n) => n.name)).toEqual([controlPlane, `${cluster}-worker`]);
      expect(kubectl(controlPlane, "get", "nodes", "-o", "jsonpath={.items[*].status.conditions[?(@.type=='Ready')].status}")).toBe(
        "True True",
      );
      expect(outputs.bgpTopology.matches, outputs.bgpTopology.problems.join("; ")).toBe(true);
      for (const node of outputs.nodes) {
        expect(node.workloads, `${node.name}'s Pod`).toHaveLength(1);
        expect(contains(parseCidr(POOL)!, node.workloads[0]!.ip), `${node.workloads[0]!.ip} in ${POOL}`).toBe(true);
        expect(node.blocks.some((b) => contains(parseCidr(b)!, node.workloads[0]!.ip))).toBe(true);
      }
    });

    it("a Pod on the control plane pings the one on the worker, and back, through the pods' own namespaces", () => {
      const [a, b] = outputs.nodes as [LabNodeOutput, LabNodeOutput];
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        const out = kubectl(controlPlane, "exec", from.workloads[0]!.name, "--", "ping", "-c", "3", "-W", "2", to.workloads[0]!.ip);
        expect(out).toMatch(/3 received/);
        const viaNetns = onEngine(
          "docker",
          "exec",
          from.container,
          "ip",
          "netns",
          "exec",
          from.workloads[0]!.namespace,
          "ip",
          "-4",
          "-o",
          "addr",
        );
        expect(viaNetns).toContain(`inet ${from.workloads[0]!.ip}/`);
      }
    });

    it("BIRD as the outputs read it, calicoctl node status and CalicoNodeStatus agree on every node; lab:status reaches the nodes", async () => {
      for (const node of outputs.nodes) {
        const status = onEngine("docker", "exec", node.container, "calicoctl", "node", "status");
        expect(status.match(/Established/g)?.length, status).toBe(outputs.nodes.length - 1);
        // the node's birdcl (calico-node's, through the node's runtime), as lab:exec gives it
        const protocols = onEngine("docker", "exec", node.container, "birdcl", "-s", "/var/run/calico/bird.ctl", "show", "protocols");
        expect(protocols.match(/^Mesh_\S+ .*Established/gm)?.length, protocols).toBe(outputs.nodes.length - 1);
      }
      await expectNodeStatusesMatch(outputs as unknown as KddOutputs, (...args) => kubectl(controlPlane, ...args));
      const seen = await labStatus(outputs);
      expect(seen.code, seen.text).toBe(0);
    });

    it("a route reflector, set on the running lab: the control plane reflects for the worker, the mesh is off, pings cross", async () => {
      await lab.stack.setConfig("calico-lab:bgp.mode", { value: "routeReflectors" }, true);
      await lab.stack.setConfig("calico-lab:bgp.routeReflectors[0]", { value: "control-plane" }, true);
      outputs = outputsOf(await lab.stack.up({ onOutput: () => undefined }));
      expect(outputs.bgpTopology.expected.mode).toBe("routeReflectors");
      expect(outputs.bgpTopology.matches, outputs.bgpTopology.problems.join("; ")).toBe(true);
      expect(outputs.bgpTopology.observed.sessions.map((x) => [x.a, x.b, x.type, x.established])).toEqual([
        [controlPlane, `${cluster}-worker`, "route reflector", true],
      ]);
      expect(kubectl(controlPlane, "get", "node", controlPlane, "-o", "jsonpath={.metadata.labels.route-reflector}")).toBe("true");
      const status = onEngine("docker", "exec", `${cluster}-worker`, "calicoctl", "node", "status");
      expect(status).toMatch(/node specific\s*\|\s*up\s*\|[^|]*\|\s*Established/);
      const [a, b] = outputs.nodes as [LabNodeOutput, LabNodeOutput];
      expect(kubectl(controlPlane, "exec", b.workloads[0]!.name, "--", "ping", "-c", "3", "-W", "2", a.workloads[0]!.ip)).toMatch(
        /3 received/,
      );
    });
  });
