import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { contains, parseCidr } from "../../core/addressing";
import { parseBirdProtocols } from "../../core/parsers/birdc-protocols";
import { dockerExec, freeUnderlay, labDown, missingPrerequisites, sh } from "./live";
import { labSuite } from "./suite";
import { expectHostSysctlsReadOnly, ping } from "./lab-expectations";
import { expectNodeStatusesMatch, kddOutputsOf as outputsOf, sessionsOf, type KddOutputs as Outputs } from "./kdd-expectations";

const missing = missingPrerequisites();
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);

const POOL = "10.1.0.0/16";

const kubectlIn =
  (apiserver: string) =>
  (...args: string[]) =>
    dockerExec(apiserver, "kubectl", "--kubeconfig=/etc/kubernetes/admin.kubeconfig", ...args);

/** Each node's sessions in BIRD and in `calicoctl node status` (Kubernetes datastore), and BIRD's routes to the others' blocks. */
function expectSessionsAndRoutes(outputs: Outputs): void {
  expect(outputs.bgpTopology.matches, outputs.bgpTopology.problems.join("; ")).toBe(true);
  for (const node of outputs.nodes) {
    const want = sessionsOf(outputs, node.name);
    const protocols = parseBirdProtocols(dockerExec(node.container, "birdcl", "-s", "/var/run/calico/bird.ctl", "show", "protocols"));
    expect(
      protocols.filter((p) => p.protocol === "BGP" && p.info.startsWith("Established")),
      `${node.name}'s BIRD`,
    ).toHaveLength(want);
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
    expect(status.match(/Established/g)?.length, status).toBe(want);
    // BIRD routes to each other node's block, via that node (a reflector passes the next hop on unchanged)
    for (const other of outputs.nodes.filter((n) => n !== node)) {
      expect(outputs.bgpTopology.observed.routes[node.name]).toEqual(
        expect.arrayContaining([{ prefix: other.blocks[0], via: other.underlayIp, viaNode: other.name, protocol: "bird" }]),
      );
    }
  }
}

/** `calicoctl ipam check` in a node, on the Kubernetes datastore: what it reports. */
function ipamCheck(outputs: Outputs): string {
  const node = outputs.nodes[0]!;
  return sh([
    "docker",
    "exec",
    "-e",
    "DATASTORE_TYPE=kubernetes",
    "-e",
    "KUBECONFIG=/etc/cni/net.d/calico-kubeconfig",
    node.container,
    "calicoctl",
    "ipam",
    "check",
  ]);
}

/** The Kubernetes provider's temporary kubeconfigs (`kubeconfig<digits>`) in `dir`, by name, with their times. */
function providerKubeconfigs(dir: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const name of readdirSync(dir).filter((entry) => /^kubeconfig\d+$/.test(entry))) {
    try {
      found.set(name, statSync(join(dir, name)).mtimeMs);
    } catch {
      // removed in between by whoever made it
    }
  }
  return found;
}

/** The client key of a kubeconfig (base64, as the file holds it). */
function clientKeyOf(kubeconfig: string): string {
  const key = /client-key-data: ([A-Za-z0-9+/=]+)/.exec(kubeconfig)?.[1];
  if (!key) throw new Error("the kubeconfig has no client-key-data");
  return key;
}

/**
 * A kdd lab for one describe block: its stack opened before the block's tests with these settings (on a
 * free internal underlay), destroyed and forgotten after them.
 */
function kddLab(prefix: string, settings: Record<string, unknown>) {
  const stackName = `${prefix}-${Date.now().toString(36)}`;
  const lab = labSuite(stackName, () => ({
    scenario: "kdd",
    imageMode: "offline",
    underlay: { cidr: freeUnderlay(), internal: true },
    calico: { nodes: 3 },
    ...settings,
  }));
  return {
    stackName,
    backend: lab.backend,
    kubectl: kubectlIn(`calicolab-${stackName}-apiserver`),
    stack: (): Stack => lab.stack,
  };
}

describe.sequential(
  "kdd lab on Docker, a mesh of three: a bare kube-apiserver, calico-node on the Kubernetes datastore, pods without a kubelet",
  () => {
    const { stackName, backend, kubectl, stack } = kddLab("e2e-kdd", {});
    let outputs: Outputs;
    // The provider's kubeconfig files in /tmp before this lab existed: other labs of this machine's tests make and
    // remove theirs meanwhile, so what counts is a file that is new, newer than this start, and holds this lab's key.
    const started = Date.now();
    const tmpBefore = new Set(providerKubeconfigs("/tmp").keys());
    let adminKey = "";

    it("up: Node objects, the mesh Established from both ends (BIRD, calicoctl), pods with addresses from the pool CRD", async () => {
      outputs = outputsOf(await stack().up({ onOutput: () => undefined }));
      expectSessionsAndRoutes(outputs);
      expect(kubectl("get", "nodes", "-o", "name").trim().split("\n").sort()).toEqual(["node/calico1", "node/calico2", "node/calico3"]);
      for (const node of outputs.nodes) {
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

    it("CalicoNodeStatus: calico-node reports the same sessions, Established, in the lab's status objects", async () => {
      await expectNodeStatusesMatch(outputs, kubectl);
    });

    it("a pod on one node reaches a pod on the other", () => {
      const [a, b] = outputs.nodes;
      expect(ping(a!, b!)).toMatch(/3 received/);
    });

    it("no node can write the host's kernel settings: /proc/sys is read-only in each node, but for its own /proc/sys/net", () => {
      expectHostSysctlsReadOnly(outputs.nodes);
    });

    it("the admin kubeconfig is a secret: a secret stack output, no private key in the state file in plain text", async () => {
      const output = (await stack().outputs()).kubeconfig;
      expect(output?.secret, "the kubeconfig output is marked secret").toBe(true);
      adminKey = clientKeyOf(String(output?.value));
      expect(String(output?.value)).toMatch(/client-key-data: [A-Za-z0-9+/=]{20}/);
      const server = kubectl("config", "view", "-o", "jsonpath={.clusters[0].cluster.server}");
      expect(String(output?.value)).toContain(`server: ${server}`);
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
      const stackOutputs = resources.find((r) => r.urn.includes("::pulumi:pulumi:Stack::"))?.outputs;
      expect(JSON.stringify(stackOutputs?.kubeconfig), "the stack output, encrypted").toContain("4dabf18193072939515e22adb298388d");
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
      const changes = (await stack().up({ onOutput: () => undefined })).summary.resourceChanges ?? {};
      expect(Object.entries(changes).filter(([op, n]) => op !== "same" && n > 0)).toEqual([]);
    });

    it("a pod deleted by hand: the next up makes it again and wires it again (DEL, then ADD); annotated, reachable, IPAM clean", async () => {
      const [a, b] = outputs.nodes;
      const workload = b!.workloads[0]!;
      expect(ipamCheck(outputs)).toContain("Check complete; found 0 problems.");
      const uid = () => kubectl("get", "pod", workload.name, "-o", "jsonpath={.metadata.uid}");
      const before = uid();
      kubectl("delete", "pod", workload.name);
      // as npm run lab:up runs it: refresh first, which finds the Pod gone
      outputs = outputsOf(await stack().up({ refresh: true, onOutput: () => undefined }));
      expect(uid(), "the Pod was made again").not.toBe(before);
      const again = outputs.nodes[1]!.workloads[0]!;
      expect(again.name).toBe(workload.name);
      const podIp = kubectl("get", "pod", again.name, "-o", "jsonpath={.metadata.annotations.cni\\.projectcalico\\.org/podIP}");
      expect(podIp, "the new Pod carries the address its wiring has").toBe(again.ip);
      expect(dockerExec(b!.container, "ip", "netns", "exec", again.namespace, "ip", "-4", "-o", "addr", "show", "dev", "eth0")).toContain(
        ` ${again.ip.split("/")[0]!}/`,
      );
      expect(ping(a!, outputs.nodes[1]!)).toMatch(/3 received/);
      expect(ping(outputs.nodes[1]!, a!)).toMatch(/3 received/);
      const report = ipamCheck(outputs);
      expect(report, report).toContain("Check complete; found 0 problems.");
    });

    it("destroy leaves no container of the stack behind", async () => {
      await labDown(stack());
      expect(sh(["docker", "ps", "-a", "--filter", `label=calico-lab.stack=${stackName}`, "-q"]).trim()).toBe("");
    });

    it("the provider's copies of the admin kubeconfig went to the stack's own folder, none to /tmp", () => {
      expect(adminKey).not.toBe("");
      const holdsAdminKey = (file: string) => {
        try {
          return readFileSync(file, "utf8").includes(adminKey);
        } catch {
          return false;
        }
      };
      const added = [...providerKubeconfigs("/tmp").entries()].filter(([name, mtime]) => !tmpBefore.has(name) && mtime >= started - 1000);
      const ours = added.map(([name]) => name).filter((name) => holdsAdminKey(join("/tmp", name)));
      // a failing run leaves no key of its lab behind either
      for (const name of ours) rmSync(join("/tmp", name), { force: true });
      expect(ours, `new kubeconfig files in /tmp since the start: ${added.map(([name]) => name).join(", ") || "none"}`).toEqual([]);
      // where the provider wrote them: the stack's TMPDIR (test/e2e/live.ts), which goes with its backend folder
      const own = [...providerKubeconfigs(join(backend, "tmp")).keys()];
      expect(own.filter((name) => holdsAdminKey(join(backend, "tmp", name))).length).toBeGreaterThan(0);
    });
  },
);

describe.sequential(
  "kdd lab on Docker: a route reflector and two clients (cluster ID and label on the Node, a BGPPeer by selectors, mesh off)",
  () => {
    const { kubectl, stack } = kddLab("e2e-kddrr", { bgp: { mode: "routeReflectors", routeReflectors: ["calico1"] } });
    let outputs: Outputs;

    it("up: sessions only between the reflector and its clients (BIRD, calicoctl), the reflector marked on its Node", async () => {
      outputs = outputsOf(await stack().up({ onOutput: () => undefined }));
      expect(outputs.nodes.map((n) => n.role)).toEqual(["reflector", "client", "client"]);
      expect(outputs.bgpTopology.expected.sessions.map((s) => `${s.a}|${s.b}`)).toEqual(["calico1|calico2", "calico1|calico3"]);
      expectSessionsAndRoutes(outputs);
      // no node-to-node mesh: every BIRD session comes from the BGPPeer (Node_ protocols), none from the mesh
      for (const node of outputs.nodes) {
        const names = parseBirdProtocols(dockerExec(node.container, "birdcl", "-s", "/var/run/calico/bird.ctl", "show", "protocols"))
          .filter((p) => p.protocol === "BGP")
          .map((p) => p.name);
        expect(
          names.filter((n) => n.startsWith("Mesh_")),
          `${node.name}'s BIRD`,
        ).toEqual([]);
      }
      expect(kubectl("get", "bgpconfigurations.crd.projectcalico.org", "default", "-o", "jsonpath={.spec.nodeToNodeMeshEnabled}")).toBe(
        "false",
      );
      expect(kubectl("get", "nodes", "-l", "route-reflector=true", "-o", "name").trim()).toBe("node/calico1");
      expect(kubectl("get", "node", "calico1", "-o", "jsonpath={.metadata.annotations.projectcalico\\.org/RouteReflectorClusterID}")).toBe(
        "244.0.0.1",
      );
    });

    it("CalicoNodeStatus: the reflector reports two sessions, each client one, all Established", async () => {
      await expectNodeStatusesMatch(outputs, kubectl);
    });

    it("a pod on one client reaches a pod on the other, over routes the reflector passed on", () => {
      const [, b, c] = outputs.nodes;
      expect(ping(b!, c!)).toMatch(/3 received/);
    });
  },
);
