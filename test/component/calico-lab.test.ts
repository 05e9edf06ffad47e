import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { etcdPkiScript, writeEtcdClientBundleScript } from "../../core/scenarios/etcd-tls";
import { underlayPlanFor } from "../../core/config/plan";
import { sessionsEstablishedScript } from "../../core/node-scripts";

import {
  captureGraph,
  etcdTlsStdout,
  HOST_COMMAND_TYPE,
  installMocks,
  makeTestPki,
  online,
  TEST_ETCD_TLS,
  TEST_KUBECONFIG_CLUSTER,
  TEST_KUBECONFIG_HEAD,
  valueOf,
  withTestCrdManifest,
  type Registered,
} from "./harness";

// Calico's protocol names for each node's peers, as BIRD would show them once up.
const ADDRESS: Record<string, string> = { calico1: "192_168_4_5", calico2: "192_168_4_6", calico3: "192_168_4_7", calico4: "192_168_4_8" };
let reflectors: string[] = [];
let nodeCount = 0;
function peersOf(node: string): string[] {
  const names = Object.keys(ADDRESS).slice(0, nodeCount);
  if (reflectors.length === 0) return names.filter((n) => n !== node).map((n) => `Mesh_${ADDRESS[n]}`);
  const peers = reflectors.includes(node) ? names.filter((n) => n !== node) : reflectors;
  return peers.map((n) => `Node_${ADDRESS[n]}`);
}

// Readings of the live probe other than BIRD's protocols, by `node/what`; sessions shown as down, by node pair.
let readings: Record<string, string> = {};
let down: string[] = [];
const PKI = makeTestPki("t-etcd");

installMocks(
  peersOf,
  (node, what) => readings[`${node}/${what}`] ?? "",
  (node, peer) => {
    const other = Object.keys(ADDRESS).find((n) => peer.endsWith(ADDRESS[n] ?? "?"));
    return down.includes(node) && other !== undefined && down.includes(other) ? "Active        Socket: Connection refused" : "Established";
  },
  etcdTlsStdout(PKI),
);

async function birdOnDocker() {
  const { birdScenario } = await import("../../components/scenarios/bird");
  const { dockerSubstrate } = await import("../../components/substrates/docker");
  return { scenario: birdScenario, substrate: dockerSubstrate };
}

async function buildLab(
  name: string,
  raw: Record<string, unknown>,
  manifestPath = "/cache/artifacts/manifest.json",
  opts: pulumi.ComponentResourceOptions = {},
) {
  const mocks = captureGraph();
  const { CalicoLab } = await import("../../components/lab/calico-lab");
  const { nodePlatform } = await import("../../components/lab/node-platform");
  const { LAB_SCENARIOS } = await import("../../components/lab/registry");
  const scenario = await LAB_SCENARIOS[(raw.scenario as "bird" | "kdd" | undefined) ?? "bird"]?.();
  const lab = new CalicoLab(
    name,
    {
      platform: nodePlatform({
        ...(await birdOnDocker()),
        ...(scenario ? { scenario } : {}),
        config: online(raw),
        stack: "test",
        cacheDir: "/cache",
        manifestPath,
      }),
    },
    { transformations: [mocks.capture], ...opts },
  );
  const outputs = {
    etcd: await valueOf(lab.etcd),
    nodes: await valueOf(lab.nodes),
    bgpTopology: await valueOf(lab.bgpTopology),
    cniConfig: await valueOf(lab.cniConfig),
    ipPools: await valueOf(lab.ipPools),
    diagram: await valueOf(lab.diagram),
    kubeconfig: lab.kubeconfig && (await valueOf(lab.kubeconfig)),
    kubeconfigSecret: lab.kubeconfig && (await pulumi.isSecret(lab.kubeconfig)),
  };
  await Promise.all(mocks.pending);
  return { lab, registered: mocks.registered, outputs };
}

/** The tools in the order the lab fetches them (the ToolSet's keys). */
const TOOLS = ["calicoctl", "calico", "calicoIpam", "cnitool", "cniPlugins"];

const find = (registered: Registered[], name: string) => {
  const found = registered.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}; have ${registered.map((r) => r.name).join(", ")}`);
  return found;
};

describe("CalicoLab from a local Calico tree (artifacts.calicoSource)", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  beforeAll(async () => {
    reflectors = [];
    nodeCount = 3;
    built = await buildLab("src", {
      imageMode: "offline",
      calico: { nodes: 3 },
      artifacts: { calicoSource: "/src/calico", offline: { node: "calico-lab/node-local:0123456789ab" } },
    });
  });

  it("makes each Calico node after the one before it, so a new build replaces them in turn", () => {
    const deps = (name: string) => find(built.registered, name).dependsOn;
    expect(deps("src-calico1")).toEqual(["src-etcd"]);
    expect(deps("src-calico2")).toEqual(["src-etcd", "src-calico1"]);
    expect(deps("src-calico3")).toEqual(["src-etcd", "src-calico2"]);
  });

  it("runs the node image the program put in artifacts.offline.node (the build's content tag)", () => {
    for (const n of ["calico1", "calico2", "calico3"]) {
      expect(find(built.registered, `src-${n}-container`).inputs.image).toBe("calico-lab/node-local:0123456789ab");
    }
  });
});

describe("CalicoLab, mesh of three", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  beforeAll(async () => {
    reflectors = [];
    nodeCount = 3;
    built = await buildLab("lab", { imageMode: "offline", calico: { nodes: 3 }, underlay: { cidr: "192.168.4.0/24", internal: true } });
  });

  it("removes a Calico node it takes out of the settings from etcd; a whole-lab destroy leaves that to etcd's removal", () => {
    for (const n of ["calico1", "calico2", "calico3"]) {
      const registration = find(built.registered, `lab-${n}-registration`);
      expect(registration).toMatchObject({
        type: HOST_COMMAND_TYPE,
        parent: "lab",
        deletedWith: "lab-etcd-container",
        deleteBeforeReplace: true,
      });
      // After the node (which registers itself) and calicoctl in etcd's node, where both scripts run.
      expect(registration.dependsOn).toEqual([`lab-${n}`, "lab-tools-install-datastore"]);
      expect(registration.inputs.create).toContain(`calicoctl get node ${n})`);
      expect(registration.inputs.delete).toContain(`calicoctl delete node ${n} --skip-not-exists`);
      expect(registration.inputs.delete).toContain("exec -i lab-etcd sh -s");
      // Made anew only with etcd (the node's own instance would delete what its new container just registered).
      expect(registration.inputs.triggers).toHaveLength(1);
    }
  });

  it("registers the expected children, typed, named from the lab and parented", () => {
    const byName = (name: string) => find(built.registered, name);
    expect(byName("lab").type).toBe("calicolab:index:CalicoLab");
    expect(byName("lab-underlay")).toMatchObject({ type: "calicolab:docker:LabNetwork", parent: "lab" });
    expect(byName("lab-underlay-net")).toMatchObject({ type: "calicolab-steps:index:DockerNetwork", parent: "lab-underlay" });
    expect(byName("lab-etcd")).toMatchObject({ type: "calicolab:docker:Node", parent: "lab" });
    expect(byName("lab-etcd-container")).toMatchObject({ type: "calicolab-steps:index:DockerContainer", parent: "lab-etcd" });
    for (const n of ["calico1", "calico2", "calico3"]) {
      expect(byName(`lab-${n}`)).toMatchObject({ type: "calicolab:docker:Node", parent: "lab" });
      expect(byName(`lab-${n}-container`)).toMatchObject({ type: "calicolab-steps:index:DockerContainer", parent: `lab-${n}` });
    }
    expect(byName("lab-tools")).toMatchObject({ type: "calicolab:calico:NodeTools", parent: "lab" });
    expect(byName("lab-ippools")).toMatchObject({ type: "calicolab:calico:CalicoResources", parent: "lab" });
    expect(byName("lab-cni")).toMatchObject({ type: "calicolab:cni:CniConfig", parent: "lab" });
    expect(byName("lab-workloads")).toMatchObject({ type: "calicolab:cni:Workloads", parent: "lab" });
    expect(byName("lab-bgp-status")).toMatchObject({ type: "calicolab:calico:BgpStatus", parent: "lab" });
    expect(byName("lab-bgp-status-probe").type).toBe("calicolab-steps:index:LiveProbe");
    expect(built.registered.filter((r) => r.name.startsWith("lab-workloads-") && r.type === HOST_COMMAND_TYPE)).toHaveLength(3);
    expect(
      built.registered
        .filter((r) => r.name.startsWith("lab-tools-install-"))
        .map((r) => r.name)
        .sort(),
    ).toEqual(["lab-tools-install-1", "lab-tools-install-2", "lab-tools-install-3", "lab-tools-install-datastore"]);
    expect(
      built.registered
        .filter((r) => r.name.startsWith("lab-tools-fetch-"))
        .map((r) => r.name)
        .sort(),
    ).toEqual(["calico", "calicoIpam", "calicoctl", "cniPlugins", "cnitool"].map((t) => `lab-tools-fetch-${t}`).sort());
    expect(built.registered.find((r) => r.name === "lab-route-reflectors")).toBeUndefined();
  });

  it("gives each node its own chain (node, tools, CNI conf, workloads) and the datastore settings only etcd", () => {
    const deps = (name: string) => find(built.registered, name).dependsOn;
    expect(deps("lab-etcd")).toEqual(["lab-underlay"]);
    expect(deps("lab-calico2")).toEqual(["lab-etcd"]);
    // Downloads wait for nothing, so a bad one fails the up early; each install waits for the fetches and its node.
    expect(deps("lab-tools")).toEqual([]);
    for (const tool of TOOLS) expect(deps(`lab-tools-fetch-${tool}`), tool).toEqual([]);
    expect(deps("lab-tools-install-2")).toEqual([...TOOLS.map((tool) => `lab-tools-fetch-${tool}`), "lab-calico2"]);
    // calicoctl goes into etcd's node, where the BGP settings, pools and profile are applied: no Calico node is waited for.
    expect(deps("lab-tools-install-datastore")).toEqual(["lab-tools-fetch-calicoctl", "lab-etcd"]);
    expect(find(built.registered, "lab-tools-install-datastore").inputs.create).toContain("calicoctl: already in the node, verified");
    expect(find(built.registered, "lab-tools-install-datastore").inputs.create).not.toContain("cnitool");
    expect(deps("lab-bgp")).toEqual(["lab-tools-install-datastore"]);
    expect(deps("lab-ippools")).toEqual(["lab-tools-install-datastore"]);
    // No lab-wide stage: the components wait for nothing, each node's steps for that node's own chain.
    expect(deps("lab-cni")).toEqual([]);
    expect(deps("lab-workloads")).toEqual([]);
    expect(deps("lab-cni-write-2")).toEqual(["lab-calico2"]);
    expect(deps("lab-workloads-2-1")).toEqual(["lab-tools-install-2", "lab-cni-write-2", "lab-ippools"]);
    expect(deps("lab-bgp-status")).toEqual(["lab-workloads", "lab-bgp"]);
  });

  it("waits for the sessions with one loop inside each node, all side by side, then checks them together", () => {
    const probe = find(built.registered, "lab-bgp-status-probe").inputs as { ready: { command: string[] } };
    const script = probe.ready.command[3] ?? "";
    expect(probe.ready.command.slice(0, 3)).toEqual(["/bin/bash", "--norc", "-c"]);
    for (const n of ["calico1", "calico2", "calico3"]) {
      // Two trips: the loop (quarter-second polls until the convergence timeout) and the check together.
      expect(script.split(`docker exec -i lab-${n} sh -s`)).toHaveLength(3);
    }
    expect(script).toContain(`until { ${sessionsEstablishedScript(2, "mesh")} && `);
    expect(script).toContain("sleep 0.25");
    expect(script.match(/^\} >\/dev\/null 2>&1 &$/gm)).toHaveLength(6);
  });

  it("skips in-node deletes when the node goes too, and the datastore's when etcd goes; a step replaced alone still runs its own", () => {
    const step = (name: string) => find(built.registered, name);
    for (const [name, node] of [
      ["lab-cni-write-2", "lab-calico2-container"],
      ["lab-workloads-2-1", "lab-calico2-container"],
      ["lab-bgp-apply", "lab-etcd-container"],
      ["lab-ippools-apply", "lab-etcd-container"],
      ["lab-underlay-forwarding", "lab-underlay-net"],
    ] as const) {
      // deletedWith names the container (a custom resource), not its component: the engine skips the delete only
      // when that container is deleted in the same update, so a step replaced on its own keeps its delete.
      expect(step(name).deletedWith, name).toBe(node);
      expect(step(name).inputs.delete, name).toEqual(expect.any(String));
      expect(step(name).deleteBeforeReplace, name).toBe(true);
    }
    // The network's delete removes the lab's containers in one `docker rm`; a node removed alone deletes its own.
    for (const container of ["lab-etcd-container", "lab-calico1-container", "lab-calico2-container"]) {
      expect(step(container).deletedWith, container).toBe("lab-underlay-net");
    }
    // Steps with nothing to undo are no call to the provider when their node goes: the network's delete waits for none.
    expect(step("lab-tools-install-2").deletedWith).toBe("lab-calico2-container");
    expect(step("lab-tools-install-datastore").deletedWith).toBe("lab-etcd-container");
    expect(step("lab-bgp-status-probe").deletedWith).toBe("lab-calico1-container");
    // The host's tool cache is outside any node and keeps its own lifecycle.
    expect(step("lab-tools-fetch-calicoctl").deletedWith).toBeUndefined();
  });

  it("runs Calico nodes with explicit capabilities on the internal network, never privileged", () => {
    const node = find(built.registered, "lab-calico1-container").inputs;
    expect(node).toMatchObject({ name: "lab-calico1", hostname: "calico1", network: "lab-underlay-net", ipv4Address: "192.168.4.5" });
    expect(node.capAdd).toEqual(expect.arrayContaining(["NET_ADMIN", "NET_RAW", "SYS_ADMIN"]));
    expect(JSON.stringify(node)).not.toMatch(/privileged/i);
    expect(node.env).toEqual(
      expect.arrayContaining([
        "NODENAME=calico1",
        "IP=192.168.4.5",
        "DATASTORE_TYPE=etcdv3",
        "ETCD_ENDPOINTS=http://192.168.4.4:2379",
        "CALICO_NETWORKING_BACKEND=bird",
      ]),
    );
    expect(node.readiness).toEqual({ command: ["birdcl", "-s", "/var/run/calico/bird.ctl", "show", "status"], timeoutSeconds: 120 });
    expect(node.restartPolicy).toBe("on-failure");
    expect(find(built.registered, "lab-etcd-container").inputs.restartPolicy).toBeUndefined();
    expect(find(built.registered, "lab-underlay-net").inputs).toMatchObject({
      internal: true,
      subnet: "192.168.4.0/24",
      gateway: "192.168.4.1",
    });
    expect(node.labels).toEqual({ "calico-lab.lab": "lab", "calico-lab.stack": "test", "calico-lab.role": "calico-node" });
  });

  it("lets routed workload traffic cross the internal network's own bridge, and only that, until destroy", () => {
    const forwarding = find(built.registered, "lab-underlay-forwarding");
    expect(forwarding).toMatchObject({
      type: HOST_COMMAND_TYPE,
      parent: "lab-underlay",
      deleteBeforeReplace: true,
    });
    for (const chain of ["DOCKER-USER", "DOCKER-ISOLATION-STAGE-1"]) {
      const rule = `${chain} -i br-5f3c0a9e1b2d -o br-5f3c0a9e1b2d -m comment --comment calico-lab:lab-underlay-net -j ACCEPT`;
      expect(forwarding.inputs.create).toContain(`iptables -I ${rule}`);
      expect(forwarding.inputs.delete).toContain(`iptables -D ${rule}`);
    }
  });

  it("applies the pools with calicoctl in etcd's node, writes the conflist into every node, and plumbs workloads", () => {
    const pools = find(built.registered, "lab-ippools-apply").inputs;
    expect(pools.create).toContain("docker exec -i lab-etcd sh -s <<'CALICO_LAB_NODE_SCRIPT'\n");
    expect(pools.create).toContain("DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=http://192.168.4.4:2379 calicoctl apply -f -");
    expect(pools.create).toContain("  name: my.ippool-1\n");
    // the network's profile exists before any workload: two first ADDs would race to create it
    expect(pools.create).toContain("kind: Profile\nmetadata:\n  name: test-calico\n");
    expect(pools.delete).toContain("calicoctl delete --skip-not-exists -f -");
    // a changed pool is applied in place; only another pool (name, cidr, block size) or a node made anew replaces
    expect(pools.update).toBe(pools.create);
    expect(pools.triggers).toEqual([
      "id-lab-etcd-container",
      ["IPPool/my.ippool-1 cidr=10.1.0.0/16 blockSize=26", "Profile/test-calico"],
      "id-lab-etcd-container",
    ]);
    for (const i of [1, 2, 3]) {
      const write = find(built.registered, `lab-cni-write-${i}`).inputs;
      expect(write.create).toContain(
        `docker exec -i lab-calico${i} sh -s <<'CALICO_LAB_NODE_SCRIPT'\nset -eu\nmkdir -p /etc/cni/net.d\ncat > /etc/cni/net.d/10-calico.conflist <<'CALICO_LAB_EOF'\n`,
      );
      expect(write.triggers).toEqual([`id-lab-calico${i}-container`, expect.stringContaining('"type": "calico"')]);
    }
    const workload = find(built.registered, "lab-workloads-2-1").inputs;
    expect(workload.create).toContain("docker exec -i lab-calico2 sh -s");
    // each workload has its own namespace path: cnitool derives the IPAM handle from it
    expect(workload.create).toContain("cnitool add test-calico /var/run/netns/calico2-wl1");
    expect(workload.delete).toContain("cnitool del test-calico /var/run/netns/calico2-wl1");
    expect(workload.triggers).toEqual(["id-lab-calico2-container"]);
    // the old workload's cnitool del must run before the new one's add: they share CNI_CONTAINERID
    expect(find(built.registered, "lab-workloads-2-1").deleteBeforeReplace).toBe(true);
  });

  it("runs the offline build's images", () => {
    expect(find(built.registered, "lab-calico1-container").inputs.image).toBe("calico-lab/node:v3.28.5");
    expect(find(built.registered, "lab-etcd-container").inputs.image).toBe("calico-lab/etcd:3.4.23");
  });

  it("exports etcd, nodes with workloads, pools, CNI conf, topology and diagram", () => {
    const { outputs } = built;
    expect(outputs.etcd).toEqual({ endpoints: ["http://192.168.4.4:2379"], address: "192.168.4.4", container: "lab-etcd", tls: null });
    expect(outputs.nodes.map((n) => [n.name, n.underlayIp, n.asNumber, n.role, n.workloads.length])).toEqual([
      ["calico1", "192.168.4.5", 64512, "mesh", 1],
      ["calico2", "192.168.4.6", 64512, "mesh", 1],
      ["calico3", "192.168.4.7", 64512, "mesh", 1],
    ]);
    expect(outputs.nodes[0]?.workloads[0]).toMatchObject({ name: "calico1-wl1", namespace: "calico1-wl1" });
    expect(outputs.bgpTopology).toMatchObject({ asNumber: 64512, mode: "mesh", matches: true, problems: [] });
    expect(outputs.bgpTopology.expected.sessions).toHaveLength(3);
    expect(outputs.bgpTopology.observed.sessions.every((s) => s.established && s.ends.length === 2)).toBe(true);
    expect(outputs.cniConfig.path).toBe("/etc/cni/net.d/10-calico.conflist");
    expect(JSON.parse(outputs.cniConfig.conflist)).toMatchObject({ name: "test-calico", cniVersion: "0.3.1" });
    expect(outputs.ipPools.yaml).toContain("name: my.ippool-1");
    expect(outputs.diagram).toContain('calico1 ---|"mesh: Established"| calico2');
    expect(outputs.kubeconfig, "bird has no kubeconfig").toBeUndefined();
    expect(built.lab.kubeconfig, "nor an Output of one, which Pulumi would warn of as a stack output").toBeUndefined();
  });
});

describe("CalicoLab on the program's step provider", () => {
  it("runs every resource of its own on the provider it is given (index.ts declares it before loading the program), none on the engine's default", async () => {
    reflectors = [];
    nodeCount = 2;
    const { HostStepProvider, STEPS_PACKAGE } = await import("../../components/lab/step-provider");
    const steps = new HostStepProvider("sp-host-steps");
    const { registered } = await buildLab("sp", { imageMode: "offline", calico: { nodes: 2 } }, undefined, { providers: [steps] });
    const own = registered.filter((r) => r.type.startsWith(`${STEPS_PACKAGE}:`));
    const types = new Set(own.map((r) => r.type.split(":").at(-1)));
    expect([...types].sort()).toEqual(["DockerContainer", "DockerNetwork", "HostCommand", "LiveProbe"]);
    expect(own.filter((r) => !r.providerRef?.includes("::pulumi:providers:calicolab-steps::sp-host-steps::")).map((r) => r.name)).toEqual(
      [],
    );
    expect(
      registered.filter((r) => r.type.startsWith("pulumi-nodejs:")).map((r) => r.name),
      "nothing left on Node.js's dynamic provider",
    ).toEqual([]);
  });
});

describe("CalicoLab, online through mirrors", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  beforeAll(async () => {
    reflectors = [];
    nodeCount = 2;
    built = await buildLab("mir", {
      imageMode: "online",
      artifacts: { registryMirror: "127.0.0.1:5000", releaseMirror: "http://127.0.0.1:8080/gh" },
    });
  });

  it("runs the nodes from the registry mirror and fetches every tool through the mirrors", () => {
    expect(find(built.registered, "mir-etcd-container").inputs.image).toBe("127.0.0.1:5000/coreos/etcd:v3.4.23");
    expect(find(built.registered, "mir-calico1-container").inputs.image).toBe("127.0.0.1:5000/calico/node:v3.28.5");
    const fetch = (tool: string) => find(built.registered, `mir-tools-fetch-${tool}`).inputs.create as string;
    expect(fetch("calicoctl")).toContain(
      "\n  url=http://127.0.0.1:8080/gh/projectcalico/calico/releases/download/v3.28.5/calicoctl-linux-amd64\n",
    );
    expect(fetch("calicoctl")).toContain("\n  from=http://127.0.0.1:8080/gh/projectcalico/calico/releases/download/v3.28.5/SHA256SUMS\n");
    expect(fetch("cniPlugins")).toContain(
      "\n  from=http://127.0.0.1:8080/gh/containernetworking/plugins/releases/download/v1.7.1/cni-plugins-linux-amd64-v1.7.1.tgz.sha256\n",
    );
    expect(fetch("calico")).toContain("docker pull 127.0.0.1:5000/calico/cni:v3.28.5");
    expect(fetch("calicoIpam")).toContain("docker create 127.0.0.1:5000/calico/cni:v3.28.5 /bin/true");
    expect(fetch("cnitool")).toContain("go install github.com/containernetworking/cni/cnitool@v1.3.0");
    for (const r of built.registered) {
      expect(JSON.stringify(r.inputs), r.name).not.toMatch(/quay\.io|https:\/\/github\.com/);
    }
  });

  it("runs calicoctl in the first Calico node: the official etcd image has no coreutils to install it into", () => {
    expect(find(built.registered, "mir-ippools-apply").inputs.create).toContain("docker exec -i mir-calico1 sh -s <<");
    expect(built.registered.map((r) => r.name)).not.toContain("mir-tools-install-datastore");
  });

  it("removes a Calico node it takes out of the settings from etcd with calicoctl in that node itself, keyed on etcd", () => {
    for (const [i, n] of ["calico1", "calico2"].entries()) {
      const registration = find(built.registered, `mir-${n}-registration`);
      expect(registration).toMatchObject({ type: HOST_COMMAND_TYPE, parent: "mir", deletedWith: "mir-etcd-container" });
      // After the node and calicoctl in it: the official etcd image runs no scripts, and the first Calico node may be the one leaving.
      expect(registration.dependsOn).toEqual([`mir-${n}`, `mir-tools-install-${i + 1}`]);
      expect(registration.inputs.create).toContain(`calicoctl get node ${n})`);
      expect(registration.inputs.delete).toContain(`calicoctl delete node ${n} --skip-not-exists`);
      expect(registration.inputs.delete).toContain(`exec -i mir-${n} sh -s`);
      expect(registration.inputs.triggers).toEqual(["id-mir-etcd-container"]);
    }
  });

  it("puts calicoctl in etcd's node exactly when the image set says its etcd runs scripts, whatever the mode", async () => {
    const { birdScenario } = await import("../../components/scenarios/bird");
    const config = online({ imageMode: "online" });
    for (const etcdRunsScripts of [true, false]) {
      const images = { ...config.artifacts.online, etcdRunsScripts };
      expect(birdScenario.calicoctlInDatastore?.({ lab: "mir", config, plan: underlayPlanFor(config), images, manifestPath: "/m" })).toBe(
        etcdRunsScripts,
      );
    }
  });
});

describe("CalicoLab, route reflectors", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  beforeAll(async () => {
    reflectors = ["calico1"];
    nodeCount = 4;
    built = await buildLab("rr", {
      calico: { nodes: 4 },
      bgp: { mode: "routeReflectors", routeReflectors: ["calico1"] },
      imageMode: "offline",
    });
  });

  it("turns the mesh off, adds the reflector peering and marks the reflectors", () => {
    const bgpApply = find(built.registered, "rr-bgp-apply").inputs.create as string;
    expect(bgpApply).toContain("nodeToNodeMeshEnabled: false");
    expect(bgpApply).toContain("peerSelector: route-reflector == 'true'");
    const marks = find(built.registered, "rr-route-reflectors");
    // A reflector is marked once its calico-node has made its Node: only the reflectors are waited for.
    expect(marks.dependsOn).toEqual(["rr-bgp", "rr-calico1"]);
    expect(marks.inputs.create).toContain("docker exec -i rr-etcd sh -s");
    expect(marks.inputs.create).toContain("route-reflector=true");
    expect(marks.inputs.triggers).toEqual(["id-rr-etcd-container", "id-rr-etcd-container", "id-rr-calico1-container"]);
    expect(find(built.registered, "rr-ippools").dependsOn).toEqual(["rr-tools-install-datastore"]);
    expect(find(built.registered, "rr-bgp-status").dependsOn).toEqual(["rr-workloads", "rr-bgp", "rr-route-reflectors"]);
  });

  it("uses the offline images and the offline manifest", () => {
    expect(find(built.registered, "rr-calico1-container").inputs.image).toMatch(/^calico-lab\/node:/);
    expect(find(built.registered, "rr-tools-fetch-calicoctl").inputs.create).toContain("manifest=/cache/artifacts/manifest.json");
  });

  it("exports sessions only between the reflector and its clients", () => {
    const { bgpTopology, nodes } = built.outputs;
    expect(bgpTopology.mode).toBe("routeReflectors");
    expect(bgpTopology.expected.sessions.map((s) => `${s.a}-${s.b}`)).toEqual(["calico1-calico2", "calico1-calico3", "calico1-calico4"]);
    expect(bgpTopology.matches).toBe(true);
    expect(nodes.map((n) => n.role)).toEqual(["reflector", "client", "client", "client"]);
  });
});

describe("the caller's options", () => {
  it("are kept: children inherit the lab's protect flag", async () => {
    const mocks = captureGraph();
    const { CalicoLab } = await import("../../components/lab/calico-lab");
    const { nodePlatform } = await import("../../components/lab/node-platform");
    new CalicoLab(
      "kept",
      { platform: nodePlatform({ ...(await birdOnDocker()), config: online({}), stack: "t", cacheDir: "/c", manifestPath: "/m" }) },
      { protect: true, transformations: [mocks.capture] },
    );
    await Promise.all(mocks.pending);
    expect(mocks.registered.length).toBeGreaterThan(20);
    const unprotected = mocks.registered.filter((r) => r.protect !== true).map((r) => r.name);
    expect(unprotected, "every resource of the lab is protected").toEqual([]);
  });
});

describe("CalicoLab, VXLAN pool", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  beforeAll(async () => {
    reflectors = [];
    nodeCount = 2;
    readings = {
      "calico1/routes": "blackhole 10.1.20.64/26 proto 80\n10.1.99.128/26 via 10.1.99.128 dev vxlan.calico onlink\n",
      "calico1/tunnels": "5: vxlan.calico    inet 10.1.20.65/32 scope global vxlan.calico\n",
      "calico2/routes": "blackhole 10.1.99.128/26 proto 80\n10.1.20.64/26 via 10.1.20.65 dev vxlan.calico onlink\n",
      "calico2/tunnels": "5: vxlan.calico    inet 10.1.99.128/32 scope global vxlan.calico\n",
    };
    built = await buildLab("vx", {
      ipPools: [
        { name: "vx", cidr: "10.1.0.0/16", blockSize: 26, ipipMode: "Never", vxlanMode: "Always", natOutgoing: true, disabled: false },
      ],
    });
    readings = {};
  });

  it("reports each node's blocks and tunnel address from the live readings, and how the other node reaches them", () => {
    expect(built.outputs.nodes.map((n) => [n.name, n.blocks, n.tunnelAddress])).toEqual([
      ["calico1", ["10.1.20.64/26"], "10.1.20.65"],
      ["calico2", ["10.1.99.128/26"], "10.1.99.128"],
    ]);
    expect(built.outputs.bgpTopology.observed.routes.calico2).toEqual([
      { prefix: "10.1.20.64/26", via: "10.1.20.65", viaNode: "calico1", protocol: "vxlan" },
    ]);
  });

  it("leaves room for the VXLAN header in the workloads' MTU", () => {
    expect(JSON.parse(built.outputs.cniConfig.conflist).plugins[0].mtu).toBe(1450);
  });
});

describe("CalicoLab, a session that is down", () => {
  it("does not match, and names the session", async () => {
    reflectors = [];
    nodeCount = 3;
    down = ["calico1", "calico3"];
    const { outputs } = await buildLab("down", { calico: { nodes: 3 } });
    down = [];
    expect(outputs.bgpTopology.matches).toBe(false);
    expect(outputs.bgpTopology.problems).toEqual(["not established calico1|calico3"]);
    expect(outputs.nodes.every((n) => n.tunnelAddress === null)).toBe(true);
  });
});

describe("CalicoLab, kdd on docker", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  beforeAll(async () => {
    reflectors = [];
    nodeCount = 2;
    built = await withTestCrdManifest((manifest) => buildLab("k", { scenario: "kdd", imageMode: "offline" }, manifest));
  });
  const find2 = (name: string) => find(built.registered, name);
  const CRDS = ["k-crd-caliconodestatuses.crd.projectcalico.org", "k-crd-ippools.crd.projectcalico.org"];

  it("makes etcd, then kube-apiserver, then a Kubernetes provider from its kubeconfig", () => {
    expect(find2("k-apiserver-container").inputs).toMatchObject({
      image: "calico-lab/kube-apiserver:v1.29.15",
      ipv4Address: "192.168.4.3",
    });
    expect(find2("k-apiserver").dependsOn).toEqual(["k-etcd"]);
    expect(find2("k-kubeconfig").dependsOn).toEqual(["k-apiserver"]);
    // Its Calico nodes are Kubernetes Node objects the lab makes: no etcd registration step to remove them.
    expect(built.registered.filter((r) => r.name.endsWith("-registration"))).toEqual([]);
    expect(find2("k-kubernetes").type).toBe("pulumi:providers:kubernetes");
    expect(find2("k-kubernetes").dependsOn).toEqual(["k-kubeconfig"]);
    // this machine has a leg in the Docker network: the provider reaches the apiserver at its lab address, as the nodes do
    expect((find2("k-kubernetes").inputs.kubeconfig as { value: string }).value).toBe(
      `${TEST_KUBECONFIG_HEAD}k-kubeconfig\n${TEST_KUBECONFIG_CLUSTER}`,
    );
  });

  it("through the provider: Calico's CRDs, a Node per Calico node and a CalicoNodeStatus each, all before the Calico nodes; destroy leaves them to etcd", () => {
    for (const name of CRDS) {
      expect(find2(name).type, name).toBe("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
      expect(find2(name).provider, name).toBe("k-kubernetes");
      expect(find2(name).deletedWith, name).toBe("k-etcd-container");
    }
    expect(find2("k-crd-ippools.crd.projectcalico.org").inputs).toMatchObject({ spec: { names: { kind: "IPPool" } } });
    const node = find2("k-k8s-node-calico1");
    expect(node.type).toBe("kubernetes:core/v1:Node");
    expect(node.inputs).toMatchObject({ kind: "Node", metadata: { name: "calico1", labels: { "kubernetes.io/hostname": "calico1" } } });
    expect(node.provider).toBe("k-kubernetes");
    expect(node.deletedWith).toBe("k-etcd-container");
    const status = find2("k-node-status-calico2");
    expect(status.type).toBe("kubernetes:crd.projectcalico.org/v1:CalicoNodeStatus");
    expect(status.inputs).toMatchObject({ spec: { node: "calico2", classes: ["Agent", "BGP", "Routes"], updatePeriodSeconds: 10 } });
    expect(status.dependsOn).toEqual(CRDS);
    expect(find2("k-calico1").dependsOn).toEqual([
      "k-etcd",
      "k-apiserver",
      ...CRDS,
      "k-k8s-node-calico1",
      "k-k8s-node-calico2",
      "k-kubeconfig",
    ]);
    expect(find2("k-calico1-container").inputs.env).toEqual(expect.arrayContaining(["DATASTORE_TYPE=kubernetes"]));
    expect(built.outputs.kubeconfigSecret).toBe(true);
    expect(built.outputs.kubeconfig).toBe(`${TEST_KUBECONFIG_HEAD}k-kubeconfig\n${TEST_KUBECONFIG_CLUSTER}`);
  });

  it("writes the kubeconfig into each Calico node first; BGP settings and pools are crd.projectcalico.org objects through the provider, no calicoctl, no profile", () => {
    expect(find2("k-calico2-setup").dependsOn).toEqual(["k-calico2"]);
    expect(find2("k-tools").dependsOn).toEqual([]);
    expect(find2("k-tools-install-2").dependsOn).toEqual([...TOOLS.map((tool) => `k-tools-fetch-${tool}`), "k-calico2", "k-calico2-setup"]);
    expect(built.registered.find((r) => r.name === "k-tools-install-datastore")).toBeUndefined();
    expect(built.registered.filter((r) => r.type === "calicolab:calico:CalicoResources")).toEqual([]);
    // They wait for the CRDs only (no Calico node), and go with etcd on destroy.
    const bgp = find2("k-bgp-default");
    expect(bgp).toMatchObject({ type: "kubernetes:crd.projectcalico.org/v1:BGPConfiguration", parent: "k", provider: "k-kubernetes" });
    expect(bgp.deletedWith).toBe("k-etcd-container");
    expect(bgp.dependsOn).toEqual(CRDS);
    expect(bgp.inputs).toMatchObject({ metadata: { name: "default" }, spec: { nodeToNodeMeshEnabled: true, asNumber: 64512 } });
    expect(built.registered.filter((r) => r.type === "kubernetes:crd.projectcalico.org/v1:BGPPeer")).toEqual([]);
    const pool = find2("k-ippool-my.ippool-1");
    expect(pool).toMatchObject({ type: "kubernetes:crd.projectcalico.org/v1:IPPool", parent: "k", provider: "k-kubernetes" });
    expect(pool.deletedWith).toBe("k-etcd-container");
    expect(pool.dependsOn).toEqual(CRDS);
    expect(pool.inputs).toMatchObject({
      apiVersion: "crd.projectcalico.org/v1",
      metadata: { name: "my.ippool-1" },
      spec: { cidr: "10.1.0.0/16", blockSize: 26, nodeSelector: "all()", allowedUses: ["Workload", "Tunnel"] },
    });
    // Each node's conf and workloads wait for its own setup, which waits for calico-node's startup (the CNI plugin reads its nodename)
    // (the setup script itself is a secret: see test/unit/kdd.test.ts).
    expect(find2("k-cni-write-2").dependsOn).toEqual(["k-calico2", "k-calico2-setup"]);
  });

  it("makes each workload's Pod through the provider, not waited for, before cnitool plumbs it, naming the Pod in CNI_ARGS", () => {
    const pod = find2("k-workloads-1-1-object");
    expect(pod.type).toBe("kubernetes:core/v1:Pod");
    expect(pod.provider).toBe("k-kubernetes");
    expect(pod.parent).toBe("k-workloads");
    expect(pod.deletedWith).toBe("k-etcd-container");
    expect(pod.inputs).toMatchObject({
      metadata: { name: "calico1-wl1", namespace: "default", annotations: { "pulumi.com/skipAwait": "true" } },
      spec: { nodeName: "calico1", terminationGracePeriodSeconds: 0 },
    });
    expect(pod.dependsOn).toEqual(["k-tools-install-1", "k-cni-write-1", "k-ippool-my.ippool-1"]);
    const add = find2("k-workloads-1-1");
    expect(add.dependsOn).toEqual(["k-tools-install-1", "k-cni-write-1", "k-ippool-my.ippool-1", "k-workloads-1-1-object"]);
    expect(add.inputs.create).toContain("CNI_ARGS='K8S_POD_NAMESPACE=default;K8S_POD_NAME=calico1-wl1'");
    expect(add.inputs.delete).toContain("cnitool del test-calico /var/run/netns/calico1-wl1");
  });

  it("ties each workload's wiring to its Pod: the Pod's uid triggers it, so a Pod made anew is wired again, DEL first", () => {
    // A Pod deleted by hand comes back with the next up under another uid, unannotated; the wiring must run again with it.
    expect(find2("k-workloads-1-1").inputs.triggers).toEqual(["id-k-calico1-container", "uid-k-workloads-1-1-object"]);
    expect(find2("k-workloads-2-1").inputs.triggers).toEqual(["id-k-calico2-container", "uid-k-workloads-2-1-object"]);
    // deleting first: the old wiring's DEL releases the address (same CNI container id) before the new one's ADD
    expect(find2("k-workloads-1-1").deleteBeforeReplace).toBe(true);
    expect(JSON.parse(built.outputs.cniConfig.conflist).plugins[0]).toMatchObject({
      datastore_type: "kubernetes",
      policy: { type: "k8s" },
    });
  });
});

describe("CalicoLab, bird with etcd over TLS", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  beforeAll(async () => {
    reflectors = [];
    nodeCount = 2;
    built = await buildLab("t", {
      imageMode: "offline",
      etcd: { tls: true, certValidityDays: TEST_ETCD_TLS.days, extraSans: TEST_ETCD_TLS.extraSans },
    });
  });
  const findT = (name: string) => find(built.registered, name);
  const FILES = [
    "ETCD_CA_CERT_FILE=/etc/calico/etcd-tls/ca.crt",
    "ETCD_CERT_FILE=/etc/calico/etcd-tls/client.crt",
    "ETCD_KEY_FILE=/etc/calico/etcd-tls/client.key",
  ];

  it("etcd makes its certificates and serves https with client certificates required", () => {
    const etcd = findT("t-etcd-container").inputs;
    const command = etcd.command as string[];
    expect(command.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(command[2]).toBe(`${etcdPkiScript({ hostname: "t-etcd", address: "192.168.4.4", tls: TEST_ETCD_TLS })}\nexec etcd "$@"`);
    expect(command).toEqual(
      expect.arrayContaining([
        "--advertise-client-urls=https://192.168.4.4:2379",
        "--listen-client-urls=https://0.0.0.0:2379",
        "--client-cert-auth=true",
        "--trusted-ca-file=/etc/etcd/pki/ca.crt",
      ]),
    );
    expect(etcd.readiness).toEqual({
      command: ["etcdctl", "--endpoints=https://127.0.0.1:2379", "endpoint", "health"],
      timeoutSeconds: 60,
    });
  });

  it("reads the certificates and the client bundle out of etcd before the Calico nodes; only the bundle is secret", async () => {
    expect(findT("t-etcd-certificates").dependsOn).toEqual(["t-etcd"]);
    expect(findT("t-etcd-client-bundle").dependsOn).toEqual(["t-etcd"]);
    expect(findT("t-etcd-certificates").inputs.create).toContain("cat /etc/etcd/pki/ca.crt /etc/etcd/pki/server.crt");
    expect(findT("t-etcd-client-bundle").inputs.create).toContain(
      "cat /etc/etcd/pki/ca.crt /etc/etcd/pki/calico.crt /etc/etcd/pki/calico.key",
    );
    expect(findT("t-calico1").dependsOn).toEqual(["t-etcd", "t-etcd-certificates", "t-etcd-client-bundle"]);
    expect(await pulumi.isSecret(built.lab.etcd)).toBe(false);
  });

  it("writes the bundle into each Calico node as a secret step before its tools; calico-node waits for the key", () => {
    for (const node of ["calico1", "calico2"]) {
      const setup = findT(`t-${node}-setup`);
      expect(setup.dependsOn).toEqual([`t-${node}`]);
      // Pulumi's secret signature around the script: the key never sits in the state in plain text
      const create = setup.inputs.create as Record<string, string>;
      expect(create["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
      expect(create.value).toContain(writeEtcdClientBundleScript({ caCert: PKI.ca, cert: PKI.cert, key: PKI.key }));
      const container = findT(`t-${node}-container`).inputs;
      expect(container.env).toEqual(expect.arrayContaining(["ETCD_ENDPOINTS=https://192.168.4.4:2379", ...FILES]));
      expect((container.command as string[])[6]).toContain("until [ -s /etc/calico/etcd-tls/client.key ]");
    }
    expect(findT("t-tools-install-1").dependsOn).toEqual([...TOOLS.map((tool) => `t-tools-fetch-${tool}`), "t-calico1", "t-calico1-setup"]);
    // calico-node registers itself in etcd once its key is there: the registration step waits for the setup.
    expect(findT("t-calico1-registration").dependsOn).toEqual(["t-calico1", "t-calico1-setup", "t-tools-install-datastore"]);
  });

  it("calicoctl and the CNI conf use the client certificate", () => {
    expect(findT("t-ippools-apply").inputs.create).toContain(
      "DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=https://192.168.4.4:2379 ETCD_CA_CERT_FILE=/etc/calico/etcd-tls/ca.crt ETCD_CERT_FILE=/etc/calico/etcd-tls/client.crt ETCD_KEY_FILE=/etc/calico/etcd-tls/client.key calicoctl apply -f -",
    );
    expect(JSON.parse(built.outputs.cniConfig.conflist).plugins[0]).toMatchObject({
      etcd_endpoints: "https://192.168.4.4:2379",
      etcd_ca_cert_file: "/etc/calico/etcd-tls/ca.crt",
      etcd_cert_file: "/etc/calico/etcd-tls/client.crt",
      etcd_key_file: "/etc/calico/etcd-tls/client.key",
    });
  });

  it("exports the https endpoint, the CA and the serving certificate's SANs and dates, never a key", () => {
    const { etcd } = built.outputs;
    expect(etcd.endpoints).toEqual(["https://192.168.4.4:2379"]);
    expect(etcd.tls?.caCert).toBe(PKI.ca);
    expect(etcd.tls?.server.sans).toEqual([
      "IP:192.168.4.4",
      "IP:127.0.0.1",
      "DNS:t-etcd",
      "DNS:etcd",
      "DNS:localhost",
      "DNS:etcd.lab.example",
    ]);
    expect(etcd.tls?.server.subject).toBe("CN=calico-lab-etcd");
    expect((Date.parse(etcd.tls!.server.notAfter) - Date.parse(etcd.tls!.server.notBefore)) / 86_400_000).toBe(30);
    expect(etcd.tls?.clientFiles).toEqual({
      caCertFile: "/etc/calico/etcd-tls/ca.crt",
      certFile: "/etc/calico/etcd-tls/client.crt",
      keyFile: "/etc/calico/etcd-tls/client.key",
    });
    expect(JSON.stringify(built.outputs)).not.toMatch(/PRIVATE KEY/);
  });
});
