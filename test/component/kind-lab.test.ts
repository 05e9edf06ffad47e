import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import versions from "../../versions.json";
import type { LabConfig } from "../../core/config/types";
import { HOST_COMMAND_TYPE, online } from "./harness";
import { ADDRESSES, buildLab, capture, expectRecorded, KDD, kindLab, REFLECTORS } from "./kind-harness";

describe("kind, kdd", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  beforeAll(async () => {
    for (const key of Object.keys(ADDRESSES)) delete ADDRESSES[key];
    Object.assign(ADDRESSES, { "kdd-control-plane": "172.18.0.2", "kdd-worker": "172.18.0.3", "kdd-worker2": "172.18.0.4" });
    built = await buildLab("kdd", KDD);
  });

  it("keeps its URNs and graph as recorded", async () => {
    await expectRecorded("kdd-kind", built.seen);
  });

  it("registers typed children named from the lab and parented", () => {
    const { find } = built;
    // one lab component on every platform
    expect(find("kdd").type).toBe("calicolab:index:CalicoLab");
    expect(find("kdd-cluster")).toMatchObject({ type: "calicolab:kind:KindCluster", parent: "kdd" });
    for (const step of ["create", "kubeconfig", "nodes", "rp-filter"]) {
      expect(find(`kdd-cluster-${step}`)).toMatchObject({ type: HOST_COMMAND_TYPE, parent: "kdd-cluster" });
    }
    expect(find("kdd-provider")).toMatchObject({ type: "pulumi:providers:kubernetes", parent: "kdd" });
    expect(find("kdd-calicoctl")).toMatchObject({ type: "calicolab:kind:KindCalicoctl", parent: "kdd" });
    expect(find("kdd-calico")).toMatchObject({ type: "calicolab:kind:CalicoInstall", parent: "kdd" });
    expect(find("kdd-calico-operator")).toMatchObject({ type: "kubernetes:yaml/v2:ConfigFile", parent: "kdd-calico" });
    expect(find("kdd-calico-installation")).toMatchObject({ type: "kubernetes:operator.tigera.io/v1:Installation", parent: "kdd-calico" });
    expect(find("kdd-ippools")).toMatchObject({ type: "calicolab:kind:CalicoPools", parent: "kdd" });
    expect(find("kdd-ippools-bgp-default").type).toBe("kubernetes:crd.projectcalico.org/v1:BGPConfiguration");
    expect(find("kdd-ippools-kdd-pool").type).toBe("kubernetes:crd.projectcalico.org/v1:IPPool");
    // the one status reader of every platform: BIRD in each node
    expect(find("kdd-bgp-status")).toMatchObject({ type: "calicolab:calico:BgpStatus", parent: "kdd" });
    for (const i of [1, 2, 3])
      expect(find(`kdd-node-status-${i}`)).toMatchObject({ type: "kubernetes:crd.projectcalico.org/v1:CalicoNodeStatus", parent: "kdd" });
    expect(find("kdd-bgp-status-probe").type).toBe("calicolab-steps:index:LiveProbe");
    expect(find("kdd-cni").type).toBe("calicolab-steps:index:LiveProbe");
    expect(find("kdd-workloads")).toMatchObject({ type: "calicolab:kind:KindPods", parent: "kdd" });
    for (const i of [1, 2, 3]) {
      expect(find(`kdd-workloads-${i}`)).toMatchObject({ type: "kubernetes:core/v1:Pod", parent: "kdd-workloads" });
      expect(find(`kdd-workloads-${i}-netns`)).toMatchObject({ type: HOST_COMMAND_TYPE, parent: "kdd-workloads" });
    }
    expect(built.seen.some((r) => r.name.endsWith("-vpp"))).toBe(false);
  });

  it("orders the stages: cluster, then provider, then Calico, then pools, then status", () => {
    const deps = (name: string) => built.find(name).dependsOn;
    expect(deps("kdd-cluster")).toEqual([]);
    expect(deps("kdd-provider")).toEqual(["kdd-cluster"]);
    expect(deps("kdd-calicoctl")).toEqual(["kdd-cluster"]);
    expect(deps("kdd-calico")).toEqual(["kdd-provider"]);
    expect(deps("kdd-calico-installation")).toEqual(["kdd-calico-operator"]);
    expect(deps("kdd-ippools")).toEqual(["kdd-calico"]);
    expect(deps("kdd-workloads")).toEqual(["kdd-ippools"]);
    expect(deps("kdd-workloads-2-netns")).toEqual(["kdd-workloads-2"]);
    expect(deps("kdd-node-status-2")).toEqual(["kdd-ippools", "kdd-calicoctl", "kdd-workloads"]);
    expect(deps("kdd-bgp-status")).toEqual([
      "kdd-ippools",
      "kdd-calicoctl",
      "kdd-workloads",
      "kdd-node-status-1",
      "kdd-node-status-2",
      "kdd-node-status-3",
    ]);
    expect(deps("kdd-cni")).toEqual(["kdd-calico"]);
    for (const step of ["nodes", "kubeconfig", "rp-filter"]) expect(deps(`kdd-cluster-${step}`)).toEqual(["kdd-cluster-create"]);
  });

  it("passes the cluster's provider to every Kubernetes resource, and no other", () => {
    const kubernetes = built.seen.filter((r) => r.type.startsWith("kubernetes:"));
    expect(kubernetes.map((r) => r.name).sort()).toEqual(
      [
        "kdd-calico-operator",
        "kdd-calico-installation",
        "kdd-ippools-bgp-default",
        "kdd-ippools-kdd-pool",
        "kdd-node-status-1",
        "kdd-node-status-2",
        "kdd-node-status-3",
        "kdd-workloads-1",
        "kdd-workloads-2",
        "kdd-workloads-3",
      ].sort(),
    );
    for (const r of kubernetes) expect(r.provider, r.name).toBe("kdd-provider");
    expect(built.seen.filter((r) => !r.type.startsWith("kubernetes:") && r.provider)).toEqual([]);
  });

  it("creates the cluster from the rendered config and feeds the kubeconfig to the provider as a secret", async () => {
    const create = built.find("kdd-cluster-create").inputs;
    expect(create.create).toContain(
      "kind create cluster --name kdd --kubeconfig \"$kubeconfig/config\" --config=- <<'CALICO_LAB_EOF'\nkind: Cluster\n",
    );
    // online: the user's engine and kind, the API server on kind's default address
    expect(create.create).not.toContain("DOCKER_HOST");
    expect(create.create).not.toContain("apiServerAddress");
    expect(create.create).toContain('  podSubnet: "10.244.0.0/16"\n  serviceSubnet: "10.96.0.0/12"\n');
    expect(String(create.create).match(/- role: worker/g)).toHaveLength(2);
    expect(create.delete).toBe("kind delete cluster --name kdd");
    expect(built.find("kdd-cluster-kubeconfig").inputs).toMatchObject({ create: "kind get kubeconfig --name kdd" });
    // The provider receives the kubeconfig as a secret (Pulumi's secret signature around the value).
    expect(built.find("kdd-provider").inputs).toMatchObject({
      kubeconfig: {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        value: "apiVersion: v1\nkind: Config\nclusters: []\n",
      },
      deleteUnreachable: "true",
    });
    expect(await pulumi.isSecret(built.lab.kubeconfig!)).toBe(true);
    expect(built.find("kdd-cluster-rp-filter").inputs.create).toContain(
      "docker exec kdd-worker2 sysctl -q -w net.ipv4.conf.all.rp_filter=1",
    );
  });

  it("installs the tigera operator of the pinned Calico, fetched and checked against its pinned sha256, then an Installation with the iptables dataplane and no operator pools", () => {
    const fetch = built.find("kdd-calico-operator-manifest");
    expect(fetch).toMatchObject({ type: HOST_COMMAND_TYPE, parent: "kdd-calico" });
    expect(fetch.inputs.create).toContain(
      `curl -fsSL --retry 3 -o "$got" https://raw.githubusercontent.com/projectcalico/calico/${versions.calico.version}/manifests/tigera-operator.yaml`,
    );
    expect(fetch.inputs.create).toContain(`if [ "$actual" != ${versions.kind.operatorManifest.sha256} ]; then`);
    expect(built.find("kdd-calico-operator").inputs.file).toBe(`/cache/kind/tigera-operator-${versions.kind.operatorManifest.sha256}.yaml`);
    expect(built.find("kdd-calico-operator").dependsOn).toEqual(["kdd-calico-operator-manifest"]);
    expect(built.find("kdd-calico-installation").inputs).toMatchObject({
      apiVersion: "operator.tigera.io/v1",
      kind: "Installation",
      metadata: { name: "default" },
      spec: { calicoNetwork: { linuxDataplane: "Iptables", bgp: "Enabled", ipPools: [] } },
    });
    expect(built.find("kdd-ippools-kdd-pool").inputs).toMatchObject({
      apiVersion: "crd.projectcalico.org/v1",
      kind: "IPPool",
      metadata: { name: "kdd-pool" },
      spec: { cidr: "10.244.0.0/16", vxlanMode: "CrossSubnet", ipipMode: "Never", nodeSelector: "all()" },
    });
    expect(built.find("kdd-ippools-bgp-default").inputs).toMatchObject({ spec: { nodeToNodeMeshEnabled: true, asNumber: 64512 } });
    expect(built.find("kdd-node-status-2").inputs).toMatchObject({
      metadata: { name: "kdd-worker" },
      spec: { node: "kdd-worker", classes: ["Agent", "BGP", "Routes"] },
    });
  });

  it("installs calicoctl into every node and configures it on the control plane", () => {
    expect(built.seen.filter((r) => r.name.startsWith("kdd-calicoctl-install-")).map((r) => r.name)).toEqual([
      "kdd-calicoctl-install-1",
      "kdd-calicoctl-install-2",
      "kdd-calicoctl-install-3",
    ]);
    expect(built.find("kdd-calicoctl-install-3").inputs.create).toContain("docker cp");
    expect(built.find("kdd-calicoctl-install-3").inputs.create).toContain("kdd-worker2:/usr/local/bin/");
    expect(built.find("kdd-calicoctl-config").inputs.create).toContain(
      "docker exec -i kdd-control-plane sh -s <<'CALICO_LAB_NODE_SCRIPT'\nset -eu\nmkdir -p /etc/calico\ncat > /etc/calico/calicoctl.cfg <<'CALICO_LAB_EOF'\n",
    );
    expect(built.find("kdd-calicoctl-config").inputs.create).toContain(
      "  datastoreType: kubernetes\n  kubeconfig: /etc/kubernetes/admin.conf\n",
    );
    // birdcl beside it: calico-node's, through the node's container runtime
    expect(built.find("kdd-calicoctl-install-2").inputs.create).toContain(
      "docker exec -i kdd-worker sh -s <<'CALICO_LAB_NODE_SCRIPT'\nset -eu\nmkdir -p /usr/local/bin\ncat > /usr/local/bin/birdcl <<'CALICO_LAB_EOF'\n#!/bin/sh\n",
    );
    expect(built.find("kdd-calicoctl-install-2").inputs.create).toContain('exec crictl exec -i "$id" birdcl "$@"');
  });

  it("reads BIRD, the routes and the tunnels in every node, as on every platform, and the conflist on the control plane", () => {
    const probe = built.find("kdd-bgp-status-probe").inputs as { commands: Record<string, string[]>; ready: { command: string[] } };
    expect(Object.keys(probe.commands).sort()).toEqual(
      ["kdd-control-plane", "kdd-worker", "kdd-worker2"].flatMap((n) => [`${n}/protocols`, `${n}/routes`, `${n}/tunnels`]).sort(),
    );
    expect(probe.commands["kdd-worker/protocols"]?.at(-1)).toContain(
      "docker exec -i kdd-worker sh -s <<'CALICO_LAB_NODE_SCRIPT'\nbirdcl -s /var/run/calico/bird.ctl show protocols\n",
    );
    // each node waits for its two mesh sessions, and its routes to the two other nodes' blocks over VXLAN or BIRD
    expect(probe.ready.command.at(-1)).toContain("grep -cE '^Mesh_[^ ]* .*Established')\" -ge 2 ]");
    expect(probe.ready.command.at(-1)).toContain("ip -4 -o addr show dev vxlan.calico");
    const cni = built.find("kdd-cni").inputs as { commands: Record<string, string[]> };
    expect(cni.commands.conflist).toEqual(["docker", "exec", "kdd-control-plane", "cat", "/etc/cni/net.d/10-calico.conflist"]);
  });

  it("exports the bird lab's outputs, in the bird lab's shape", () => {
    const { outputs } = built;
    expect(Object.keys(outputs).sort()).toEqual(["bgpTopology", "cniConfig", "diagram", "etcd", "ipPools", "nodes"]);
    expect(outputs.etcd).toEqual({ endpoints: ["https://172.18.0.2:2379"], address: "172.18.0.2", container: "kdd-control-plane" });
    expect(outputs.nodes.map((n) => Object.keys(n).sort())[0]).toEqual(
      ["access", "asNumber", "blocks", "container", "name", "role", "tunnelAddress", "underlayIp", "workloads"].sort(),
    );
    expect(outputs.nodes.map((n) => [n.name, n.underlayIp, n.asNumber, n.role, n.container])).toEqual([
      ["kdd-control-plane", "172.18.0.2", 64512, "mesh", "kdd-control-plane"],
      ["kdd-worker", "172.18.0.3", 64512, "mesh", "kdd-worker"],
      ["kdd-worker2", "172.18.0.4", 64512, "mesh", "kdd-worker2"],
    ]);
    expect(outputs.nodes[1]?.blocks.length).toBeGreaterThan(0);
    // each node's workload is its Pod, reached in the network namespace containerd made for it
    expect(outputs.nodes[1]?.workloads).toEqual([{ name: "wl-kdd-worker", ip: "10.244.2.5", namespace: "cni-kdd-workloads-2-netns" }]);
    expect(outputs.nodes[1]?.access).toEqual({ transport: "docker", container: "kdd-worker" });
    expect(outputs.bgpTopology).toMatchObject({ asNumber: 64512, mode: "mesh", matches: true, problems: [] });
    expect(Object.keys(outputs.bgpTopology).sort()).toEqual(["asNumber", "expected", "matches", "mode", "observed", "problems"]);
    expect(outputs.bgpTopology.expected.sessions).toHaveLength(3);
    expect(outputs.bgpTopology.observed.sessions.every((s) => s.established && s.ends.length === 2)).toBe(true);
    expect(outputs.cniConfig).toEqual({
      path: "/etc/cni/net.d/10-calico.conflist",
      conflist: '{"name":"k8s-pod-network","cniVersion":"0.3.1","plugins":[{"type":"calico"}]}',
    });
    expect(outputs.ipPools.pools.map((p) => p.name)).toEqual(["kdd-pool"]);
    expect(outputs.ipPools.yaml).toContain("apiVersion: crd.projectcalico.org/v1\nkind: IPPool\n");
    expect(outputs.diagram).toContain('kdd_control_plane ---|"mesh: Established"| kdd_worker');
  });
});

describe("kind, kdd offline: the offline build's engine, kind and images, Calico's manifest", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-component-kind-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    for (const key of Object.keys(ADDRESSES)) delete ADDRESSES[key];
    Object.assign(ADDRESSES, { "off-control-plane": "172.18.0.2", "off-worker": "172.18.0.3" });
    const manifest = join(__dirname, "..", "fixtures", "kind", "calico-manifest-mini.yaml");
    writeFileSync(
      join(dir, "manifest.json"),
      JSON.stringify({ artifacts: { "calico-manifest": { version: versions.calico.version, path: manifest } } }),
    );
    built = await buildLab("off", { ...KDD, imageMode: "offline", kind: { workers: 1 } }, () => [], join(dir, "manifest.json"));
  });

  it("keeps its URNs and graph as recorded", async () => {
    await expectRecorded("kdd-kind-offline", built.seen);
  });

  it("makes the cluster on the build's engine with its kind, node image and an API server the host reaches", () => {
    const create = String(built.find("off-cluster-create").inputs.create);
    expect(
      create.startsWith(
        'export DOCKER_HOST=unix:///run/calico-lab-v28/docker.sock\nkind() { nsenter --net=/run/netns/calico-lab-v28 -- /cache/artifacts/kind/kind/v0.29.0/kind "$@"; }\n',
      ),
    ).toBe(true);
    expect(create).toContain(`image: ${versions.kind.nodeImage}\n`);
    expect(create).toContain(`  apiServerAddress: "${versions.kind.engine.apiServerAddress}"\n`);
    expect(String(built.find("off-cluster-create").inputs.delete)).toContain("export DOCKER_HOST=");
  });

  it("loads the lab's Calico images into the nodes, then applies Calico's manifest with them", () => {
    const load = built.find("off-images");
    expect(load.inputs.create).toContain(
      `kind load docker-image --name off ${versions.offlineImages.node} ${versions.kind.calicoImages.cni} ${versions.kind.calicoImages.kubeControllers}`,
    );
    expect(load.dependsOn).toEqual(["off-cluster"]);
    expect(built.find("off-calico")).toMatchObject({ type: "calicolab:kind:CalicoManifestInstall", parent: "off" });
    expect(built.find("off-calico").dependsOn).toEqual(["off-images", "off-provider"]);
    const group = built.find("off-calico-manifest");
    expect(group).toMatchObject({ type: "kubernetes:yaml/v2:ConfigGroup", provider: "off-provider" });
    expect(String(group.inputs.yaml)).toContain(`image: ${versions.kind.calicoImages.cni}\n`);
    expect(String(group.inputs.yaml)).toContain("name: NO_DEFAULT_POOLS");
    // calico-kube-controllers' Pod needs an address: its Deployment goes in after the pools
    const controllers = built.find("off-calico-controllers-manifest");
    expect(String(controllers.inputs.yaml)).toContain(`image: ${versions.kind.calicoImages.kubeControllers}\n`);
    expect(String(group.inputs.yaml)).not.toContain("calico-kube-controllers\n  namespace");
    expect(built.find("off-calico-controllers").dependsOn).toEqual(["off-ippools"]);
    expect(built.find("off-bgp-status").dependsOn).toContain("off-calico-controllers");
    expect(built.seen.some((r) => r.type.includes("tigera"))).toBe(false);
  });

  it("reaches the nodes, their Pods and their BIRD on the build's engine", () => {
    const probe = built.find("off-bgp-status-probe").inputs as { commands: Record<string, string[]> };
    expect(probe.commands["off-worker/protocols"]?.at(-1)).toContain(
      "env DOCKER_HOST=unix:///run/calico-lab-v28/docker.sock docker exec -i off-worker sh -s",
    );
    expect(built.find("off-workloads-2-netns").inputs.create).toContain(
      "env DOCKER_HOST=unix:///run/calico-lab-v28/docker.sock docker exec -i off-worker sh -s",
    );
    expect(built.outputs.nodes[1]?.access).toEqual({
      transport: "docker",
      container: "off-worker",
      dockerHost: "unix:///run/calico-lab-v28/docker.sock",
    });
  });

  it("without the build's kind parts, stops before anything is registered and says what to build", async () => {
    const graph = capture();
    await expect(
      kindLab(
        "none",
        { config: online({ ...KDD, imageMode: "offline" }), cacheDir: "/c", manifestPath: "/nowhere/manifest.json", preflight: () => [] },
        { transformations: [graph.transformation] },
      ),
    ).rejects.toThrow(
      /no Calico manifest v3\.28\.5 for kind \(calico-manifest in \/nowhere\/manifest\.json: missing\): run bash scripts\/offline\/build\.sh --kind/,
    );
    expect(graph.seen).toEqual([]);
  });
});

describe("kind, kdd with a route reflector", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  afterAll(() => {
    REFLECTORS.length = 0;
  });
  beforeAll(async () => {
    for (const key of Object.keys(ADDRESSES)) delete ADDRESSES[key];
    Object.assign(ADDRESSES, { "rr-control-plane": "172.18.0.2", "rr-worker": "172.18.0.3", "rr-worker2": "172.18.0.4" });
    REFLECTORS.push("rr-control-plane");
    built = await buildLab("rr", { ...KDD, bgp: { mode: "routeReflectors", routeReflectors: ["control-plane"] } });
  });

  it("turns the mesh off, peers every node with the reflector, which its Node's label and annotation make one", () => {
    expect(built.find("rr-ippools-bgp-default").inputs).toMatchObject({ spec: { nodeToNodeMeshEnabled: false, asNumber: 64512 } });
    expect(built.find("rr-ippools-bgp-peer-with-route-reflectors").inputs).toMatchObject({
      apiVersion: "crd.projectcalico.org/v1",
      kind: "BGPPeer",
      spec: { nodeSelector: "all()", peerSelector: "route-reflector == 'true'" },
    });
    expect(built.find("rr-ippools-reflector-1")).toMatchObject({ type: "kubernetes:core/v1:NodePatch", provider: "rr-provider" });
    expect(built.find("rr-ippools-reflector-1").inputs).toMatchObject({
      metadata: {
        name: "rr-control-plane",
        labels: { "route-reflector": "true" },
        annotations: { "projectcalico.org/RouteReflectorClusterID": "244.0.0.1" },
      },
    });
    expect(built.seen.filter((r) => r.type === "kubernetes:core/v1:NodePatch")).toHaveLength(1);
    expect(built.outputs.bgpTopology.expected).toMatchObject({ mode: "routeReflectors", routeReflectors: ["rr-control-plane"] });
    expect(built.outputs.bgpTopology.expected.sessions.map((x) => [x.a, x.b, x.type])).toEqual([
      ["rr-control-plane", "rr-worker", "route reflector"],
      ["rr-control-plane", "rr-worker2", "route reflector"],
    ]);
  });
});

describe("kind, vpp", () => {
  let built: Awaited<ReturnType<typeof buildLab>>;
  beforeAll(async () => {
    for (const key of Object.keys(ADDRESSES)) delete ADDRESSES[key];
    Object.assign(ADDRESSES, { "vpp-control-plane": "172.18.0.2", "vpp-worker": "172.18.0.3" });
    built = await buildLab("vpp", {
      scenario: "calico-vpp",
      substrate: "kind",
      vpp: { hugepages: 0 },
      ipPools: [
        {
          name: "vpp-pool",
          cidr: "10.245.0.0/16",
          blockSize: 26,
          ipipMode: "Never",
          vxlanMode: "Never",
          natOutgoing: true,
          disabled: false,
        },
      ],
    });
  });

  it("keeps its URNs and graph as recorded", async () => {
    await expectRecorded("vpp-kind", built.seen);
  });

  it("adds the VPP dataplane after the Installation, with the uplink, the driver and the nodes' DNS", () => {
    expect(built.find("vpp-calico-installation").inputs).toMatchObject({ spec: { calicoNetwork: { linuxDataplane: "VPP" } } });
    const group = built.find("vpp-calico-vpp");
    expect(group).toMatchObject({ type: "kubernetes:yaml/v2:ConfigGroup", parent: "vpp-calico", provider: "vpp-provider" });
    expect(group.dependsOn).toEqual(["vpp-calico-installation"]);
    const yaml = String(group.inputs.yaml);
    expect(yaml).toContain('"interfaceName": "eth0",\n          "vppDriver": "af_packet"');
    expect(yaml).toContain('{ "proto": "udp", "port": 53, "ip": "172.18.0.1" }');
    expect(yaml).toContain("image: docker.io/calicovpp/vpp:v3.");
    expect(yaml).not.toContain("hugepages-2Mi");
  });

  it("reads each node's GoBGP instead of CalicoNodeStatus", () => {
    expect(built.seen.some((r) => r.name.includes("-node-status-"))).toBe(false);
    expect(built.find("vpp-bgp-status").type).toBe("calicolab:kind:GobgpStatus");
    const probe = built.find("vpp-bgp-status-probe").inputs as { commands: Record<string, string[]> };
    expect(Object.keys(probe.commands).sort()).toEqual([
      "vpp-control-plane/neighbors",
      "vpp-control-plane/rib",
      "vpp-worker/neighbors",
      "vpp-worker/rib",
    ]);
    expect(probe.commands["vpp-worker/neighbors"]?.[5]).toContain("--field-selector spec.nodeName=vpp-worker");
  });

  it("exports the same shape as kdd and bird", () => {
    expect(Object.keys(built.outputs).sort()).toEqual(["bgpTopology", "cniConfig", "diagram", "etcd", "ipPools", "nodes"]);
    expect(built.outputs.bgpTopology).toMatchObject({ mode: "mesh", matches: true, problems: [] });
    expect(built.outputs.nodes.map((n) => n.name)).toEqual(["vpp-control-plane", "vpp-worker"]);
    expect(built.outputs.bgpTopology.observed.sessions[0]?.ends.map((e) => e.state)).toEqual(["Established", "Established"]);
  });
});

function anotherCalico(config: LabConfig, calico: string): LabConfig {
  return { ...config, artifacts: { ...config.artifacts, versions: { ...config.artifacts.versions, calico } } };
}

describe("the preflight", () => {
  it("runs before anything is registered, and its problems stop the lab with their message", async () => {
    const graph = capture();
    const asked: unknown[] = [];
    const build = () =>
      kindLab(
        "nope",
        {
          config: online({ ...KDD, kind: { workers: 1 } }),
          cacheDir: "/c",
          manifestPath: "/m",
          preflight: (want) => {
            asked.push(want);
            return [{ check: "privileged", message: "This Docker engine cannot run privileged containers." }];
          },
        },
        { transformations: [graph.transformation] },
      );
    await expect(build()).rejects.toThrow(pulumi.RunError);
    await expect(build()).rejects.toThrow(
      "the kind substrate cannot run on this machine (1 preflight check failed):\n  - privileged: This Docker engine cannot run privileged containers.",
    );
    expect(graph.seen).toEqual([]);
    expect(asked[0]).toMatchObject({
      kindVersion: "v0.29.0",
      nodes: 2,
      hugepagesPerNode: 0,
      vhostNet: false,
      probeImage: expect.stringMatching(/^kindest\/node:/),
    });
  });

  it("online, another Calico than the pinned one needs its operator manifest's digest, said before anything is registered", async () => {
    const graph = capture();
    await expect(
      kindLab(
        "other",
        {
          // as loaded when the images and tool sources were set to that Calico too (validation asks for them)
          config: anotherCalico(online(KDD), "v3.29.1"),
          cacheDir: "/c",
          manifestPath: "/m",
          preflight: () => [],
        },
        { transformations: [graph.transformation] },
      ),
    ).rejects.toThrow(
      "kind.operatorManifestSha256 is empty, and only Calico v3.28.5's tigera operator manifest has a digest pinned here (artifacts.versions.calico is v3.29.1): set it to the sha256 of https://raw.githubusercontent.com/projectcalico/calico/v3.29.1/manifests/tigera-operator.yaml, as you checked it",
    );
    expect(graph.seen).toEqual([]);
  });

  it("asks for VPP's hugepages on every node", async () => {
    let asked: { hugepagesPerNode?: number; nodes?: number } = {};
    await expect(
      kindLab("pages", {
        config: online({ scenario: "calico-vpp", substrate: "kind", vpp: { hugepages: 256 }, kind: { workers: 3 } }),
        cacheDir: "/c",
        manifestPath: "/m",
        preflight: (want) => {
          asked = want;
          return [{ check: "hugepages", message: "no pages" }];
        },
      }),
    ).rejects.toThrow(/hugepages: no pages/);
    expect(asked).toMatchObject({ hugepagesPerNode: 256, nodes: 4, vhostNet: true });
  });
});
