import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../core/config/defaults";
import { loadLabConfig } from "../../core/config/load";
import { renderCalicoManifest } from "../../core/substrates/kind/calico-manifest";
import { observeFromCalicoNodeStatus, observeFromGobgp } from "../../core/substrates/kind/observed";
import {
  checkKindPreflight,
  hugepagesFrom,
  kindVersionFrom,
  preflightMessage,
  type CommandResult,
  type KindPreflightObservations,
} from "../../core/substrates/kind/preflight";
import {
  gobgpNeighborCommand,
  gobgpReadyCheck,
  kindCreateScript,
  kindDeleteScript,
  kindNodesScript,
  parseKindNodes,
  rpFilterScript,
} from "../../core/substrates/kind/scripts";
import { compareTopology } from "../../core/observed";
import { parseGobgpNeighbors, parseGobgpRib } from "../../core/parsers/gobgp";
import { expectedTopology } from "../../core/topology";
import { vppReleaseFor } from "../../core/vpp-releases";
import versions from "../../versions.json";
import { messages } from "../support/config-messages";
import { fixture } from "../support/fixtures";

const ok = (stdout: string): CommandResult => ({ found: true, code: 0, stdout, stderr: "" });
const IMAGE = DEFAULTS.kind.nodeImage;
const want = { kindVersion: "v0.29.0", nodeImage: IMAGE, probeImage: IMAGE, nodes: 2, hugepagesPerNode: 0 };
const healthy: KindPreflightObservations = {
  docker: ok("20.10.24+dfsg1\n"),
  kind: ok("kind v0.29.0 go1.24.2 linux/amd64\n"),
  privileged: ok(""),
};

// Seen on this project's machines (Docker 20.10.24 in an unprivileged container, no registry).
const PRIVILEGED_REFUSED =
  "docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown.\n\nRun 'docker run --help' for more information\n";
const PULL_FAILED = `Unable to find image '${IMAGE}' locally\ndocker: Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host.\nSee 'docker run --help'.\n`;
const DOCKER_DOWN = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n";

describe("kind preflight", () => {
  it("passes on a machine with Docker, kind v0.29.0 and privileged containers", () => {
    expect(checkKindPreflight(healthy, want)).toEqual([]);
  });

  it("reads kind's version in both of its formats", () => {
    expect(kindVersionFrom("kind v0.29.0 go1.26.8 linux/amd64")).toBe("v0.29.0");
    expect(kindVersionFrom("0.29.0\n")).toBe("v0.29.0");
    expect(kindVersionFrom("kind v0.30.0-alpha.12+abcdef go1.24 linux/amd64")).toBe("v0.30.0-alpha.12+abcdef");
    expect(kindVersionFrom("command not understood")).toBeUndefined();
  });

  it("says Docker is missing, or unreachable, and how to fix it; then it cannot test privileged containers", () => {
    const missing = checkKindPreflight(
      { ...healthy, docker: { found: false, code: -1, stdout: "", stderr: "" }, privileged: undefined },
      want,
    );
    expect(missing.map((p) => p.check)).toEqual(["docker"]);
    expect(missing[0]?.message).toMatch(/docker CLI is not on PATH.*install Docker Engine/);
    const down = checkKindPreflight(
      { ...healthy, docker: { found: true, code: 1, stdout: "", stderr: DOCKER_DOWN }, privileged: undefined },
      want,
    );
    expect(down[0]?.message).toContain('`docker version` says "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.');
    expect(down[0]?.message).toContain("docker group, or DOCKER_HOST");
  });

  it("says kind is missing or at another version, with the pinned install command", () => {
    const missing = checkKindPreflight({ ...healthy, kind: { found: false, code: -1, stdout: "", stderr: "" } }, want);
    expect(missing).toEqual([
      {
        check: "kind",
        message:
          "kind is missing: it is not on PATH. The lab is pinned to kind v0.29.0; install kind v0.29.0: `go install sigs.k8s.io/kind@v0.29.0` " +
          "(from the Go module proxy; it lands in $(go env GOPATH)/bin, which must be on PATH), or the release binary " +
          "https://kind.sigs.k8s.io/dl/v0.29.0/kind-linux-amd64.",
      },
    ]);
    const older = checkKindPreflight({ ...healthy, kind: ok("kind v0.27.0 go1.23.4 linux/amd64") }, want);
    expect(older[0]?.message).toMatch(
      /^kind v0\.27\.0 is on PATH, but the lab is pinned to kind v0\.29\.0, whose release names the node image kindest\/node:v1\.33\.1@sha256:/,
    );
    expect(older[0]?.message).toContain("set kind.kindVersion and kind.nodeImage");
  });

  it("tells a refused privileged container from an image that could not be pulled", () => {
    const refused = checkKindPreflight(
      { ...healthy, privileged: { found: true, code: 125, stdout: "", stderr: PRIVILEGED_REFUSED } },
      want,
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]?.message).toMatch(
      /^This Docker engine cannot run privileged containers: `docker run --privileged` fails with "docker: Error response/,
    );
    expect(refused[0]?.message).toContain("unable to apply caps");
    expect(refused[0]?.message).toContain("kind runs every node with --privileged");
    const unpulled = checkKindPreflight({ ...healthy, privileged: { found: true, code: 125, stdout: "", stderr: PULL_FAILED } }, want);
    expect(unpulled[0]?.message).toMatch(
      /^The node image kindest\/node:v1\.33\.1@sha256:\w+ could not be pulled \("docker: Error response from daemon: Get/,
    );
    expect(unpulled[0]?.message).toContain("`docker load` the image");
  });

  it("checks hugepages for VPP across all nodes, which share the host's kernel", () => {
    const meminfo = (total: number, free: number, size = 2048) =>
      `MemTotal:       24000000 kB\nHugePages_Total:    ${total}\nHugePages_Free:     ${free}\nHugePages_Rsvd:        0\nHugepagesize:       ${size} kB\n`;
    expect(hugepagesFrom(meminfo(1024, 1000))).toEqual({ free: 1000, total: 1024 });
    expect(hugepagesFrom(meminfo(4, 4, 1048576))).toBeUndefined();
    const vpp = { ...want, hugepagesPerNode: 512 };
    expect(checkKindPreflight({ ...healthy, meminfo: meminfo(1024, 1024) }, vpp)).toEqual([]);
    const short = checkKindPreflight({ ...healthy, meminfo: meminfo(1024, 1000) }, vpp);
    expect(short[0]?.message).toBe(
      "VPP asks for 512 hugepages of 2 MiB on each of the 2 kind nodes, and the nodes share this host's kernel: 1024 pages are needed " +
        "and 1000 of 1024 are free. Reserve them with `sudo sysctl -w vm.nr_hugepages=1048`, or set vpp.hugepages to 0 to run VPP " +
        "without hugepages (as Calico VPP's own kind manifest does).",
    );
    expect(checkKindPreflight({ ...healthy, meminfo: meminfo(0, 0) }, vpp)[0]?.message).toContain("none are reserved");
  });

  it("refuses Calico/VPP where the engine's kernel has no /dev/vhost-net, which kind's nodes share", () => {
    const calicoVpp = { ...want, vhostNet: true };
    // Seen on this project's machine (kernel 6.18 without vhost-net), in a privileged container of the kind node image.
    const absent: CommandResult = {
      found: true,
      code: 2,
      stdout: "",
      stderr: "/bin/ls: cannot access '/dev/vhost-net': No such file or directory\n",
    };
    expect(checkKindPreflight({ ...healthy, vhostNet: ok("/dev/vhost-net\n") }, calicoVpp)).toEqual([]);
    expect(checkKindPreflight({ ...healthy, vhostNet: absent }, want)).toEqual([]);
    const refused = checkKindPreflight({ ...healthy, vhostNet: absent }, calicoVpp);
    expect(refused).toEqual([
      {
        check: "vhost-net",
        message:
          "Calico/VPP gives every pod a tap interface of VPP's (tap v2: virtio over the kernel's vhost-net), and kind's nodes share " +
          "this engine's kernel: /dev/vhost-net is missing there (\"/bin/ls: cannot access '/dev/vhost-net': No such file or directory\"). " +
          "Load the module (`modprobe vhost_net`) where the kernel has it, or run the lab on a machine or VM whose kernel has vhost-net.",
      },
    ]);
    const unknown = checkKindPreflight(
      { ...healthy, vhostNet: { found: true, code: 125, stdout: "", stderr: "docker: Error response from daemon: boom\n" } },
      calicoVpp,
    );
    expect(unknown[0]?.message).toContain(
      'whether /dev/vhost-net exists there is unknown (`ls /dev/vhost-net` in a privileged container: "docker: Error',
    );
    expect(preflightMessage(refused)).toContain("  - vhost-net: Calico/VPP gives every pod a tap interface");
  });

  it("joins every problem into one message", () => {
    const problems = checkKindPreflight(
      { docker: { found: true, code: 1, stdout: "", stderr: DOCKER_DOWN }, kind: { found: false, code: -1, stdout: "", stderr: "" } },
      want,
    );
    expect(preflightMessage(problems)).toMatch(
      /^the kind substrate cannot run on this machine \(2 preflight checks failed\):\n {2}- docker: .*\n {2}- kind: /,
    );
  });
});

describe("kind scripts", () => {
  it("create and delete the cluster by name, the config on stdin, kind's kubeconfig in a folder removed on exit", () => {
    expect(kindCreateScript("calicolab-kdd", "kind: Cluster\n")).toBe(
      [
        "set -euo pipefail",
        "kind delete cluster --name calicolab-kdd >/dev/null 2>&1 || true",
        'kubeconfig=$(mktemp -d "${TMPDIR:-/tmp}/calico-lab-kind.XXXXXX")',
        "trap 'rm -rf \"$kubeconfig\"' EXIT",
        "if ! kind create cluster --name calicolab-kdd --kubeconfig \"$kubeconfig/config\" --config=- <<'CALICO_LAB_EOF'\nkind: Cluster\nCALICO_LAB_EOF",
        "then",
        "  kind delete cluster --name calicolab-kdd >&2 || true",
        "  exit 1",
        "fi",
      ].join("\n"),
    );
    expect(kindDeleteScript("calicolab-kdd")).toBe("kind delete cluster --name calicolab-kdd");
  });

  it("list the nodes' addresses and the nodes' nameserver as JSON", () => {
    const script = kindNodesScript(["lab-control-plane", "lab-worker"]);
    expect(script).toContain("docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' lab-worker");
    expect(script).toContain("docker exec lab-control-plane awk '$1 == \"nameserver\" { print $2; exit }' /etc/resolv.conf");
    expect(
      parseKindNodes(
        '{"nodes":[{"name":"lab-control-plane","ip":"172.18.0.2"},{"name":"lab-worker","ip":"172.18.0.3"}],"dns":"172.18.0.1"}\n',
      ),
    ).toEqual({
      nodes: [
        { name: "lab-control-plane", ip: "172.18.0.2" },
        { name: "lab-worker", ip: "172.18.0.3" },
      ],
      dns: "172.18.0.1",
    });
  });

  it("pin strict reverse-path filtering on every node", () => {
    const script = rpFilterScript(["a", "b"]);
    expect(script).toContain("docker exec a sysctl -q -w net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1");
    expect(script).toContain("docker exec b sysctl -q -w net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1");
  });

  it("wait for each node's Established sessions from GoBGP (Calico/VPP)", () => {
    expect(gobgpNeighborCommand("cp", "w")).toEqual([
      "docker",
      "exec",
      "cp",
      "sh",
      "-c",
      "pod=$(kubectl --kubeconfig=/etc/kubernetes/admin.conf -n calico-vpp-dataplane get pods -l k8s-app=calico-vpp-node --field-selector spec.nodeName=w -o name) && " +
        '[ -n "$pod" ] && kubectl --kubeconfig=/etc/kubernetes/admin.conf -n calico-vpp-dataplane exec "$pod" -c agent -- gobgp neighbor',
    ]);
    expect(gobgpReadyCheck("cp", [{ node: "w", sessions: 2 }])[2]).toMatch(/grep -c ' Establ '\)" -ge 2 \]$/);
  });
});

const NODES = [
  { name: "lab-control-plane", address: "172.18.0.2" },
  { name: "lab-worker", address: "172.18.0.3" },
];
const expected = expectedTopology({ asNumber: 64512, mode: "mesh", routeReflectors: [], nodes: NODES });

function nodeStatus(node: string, peer: string, state: string, routes: Array<[string, string, string]>) {
  return {
    apiVersion: "crd.projectcalico.org/v1",
    kind: "CalicoNodeStatus",
    metadata: { name: `s-${node}` },
    spec: { node, classes: ["Agent", "BGP", "Routes"], updatePeriodSeconds: 10 },
    status: {
      agent: { birdV4: { state: "Ready", version: "v0.3.3+birdv1.6.8", routerID: peer } },
      bgp: {
        numberEstablishedV4: state === "Established" ? 1 : 0,
        numberEstablishedV6: 0,
        numberNotEstablishedV4: state === "Established" ? 0 : 1,
        numberNotEstablishedV6: 0,
        peersV4: [{ peerIP: peer, type: "NodeMesh", state, since: "12:00:00" }],
      },
      routes: {
        routesV4: routes.map(([destination, gateway, sourceType]) => ({
          type: "FIB",
          destination,
          gateway,
          interface: "eth0",
          learnedFrom: sourceType === "Direct" ? { sourceType } : { sourceType, peerIP: gateway },
        })),
      },
    },
  };
}

describe("observed topology on kind", () => {
  it("from CalicoNodeStatus: sessions from both ends, BGP routes in the FIB, in the bird shape", () => {
    const list = JSON.stringify({
      items: [
        nodeStatus("lab-control-plane", "172.18.0.3", "Established", [
          ["10.244.82.0/26", "172.18.0.3", "NodeMesh"],
          ["172.18.0.0/16", "N/A", "Direct"],
        ]),
        nodeStatus("lab-worker", "172.18.0.2", "Established", [["10.244.120.64/26", "172.18.0.2", "NodeMesh"]]),
      ],
    });
    const observed = observeFromCalicoNodeStatus(expected, list);
    expect(observed.sessions).toEqual([
      {
        a: "lab-control-plane",
        b: "lab-worker",
        type: "node-to-node mesh",
        established: true,
        ends: [
          { node: "lab-control-plane", state: "Established", info: "Established", since: "12:00:00" },
          { node: "lab-worker", state: "Established", info: "Established", since: "12:00:00" },
        ],
      },
    ]);
    expect(observed.routes).toEqual({
      "lab-control-plane": [{ prefix: "10.244.82.0/26", via: "172.18.0.3", viaNode: "lab-worker", protocol: "bird" }],
      "lab-worker": [{ prefix: "10.244.120.64/26", via: "172.18.0.2", viaNode: "lab-control-plane", protocol: "bird" }],
    });
    expect(observed.errors).toEqual({});
    expect(compareTopology(expected, observed)).toEqual({ matches: true, missing: [], unexpected: [], notEstablished: [] });
  });

  it("from CalicoNodeStatus: a node not reported yet, or a session one end sees as Active", () => {
    const list = JSON.stringify({ items: [nodeStatus("lab-control-plane", "172.18.0.3", "Active", [])] });
    const observed = observeFromCalicoNodeStatus(expected, list);
    expect(observed.errors).toEqual({ "lab-worker": "calico-node has not reported a status for this node yet" });
    expect(compareTopology(expected, observed)).toMatchObject({ matches: false, notEstablished: ["lab-control-plane|lab-worker"] });
    expect(observeFromCalicoNodeStatus(expected, "", "exit 1: connection refused").errors).toEqual({
      "lab-control-plane": "exit 1: connection refused",
      "lab-worker": "exit 1: connection refused",
    });
  });

  it("parses gobgp neighbor and gobgp global rib as gobgp v3 prints them", () => {
    expect(parseGobgpNeighbors(fixture("gobgp-neighbor.txt"))).toEqual([
      { peer: "172.18.0.3", as: "64512", upDown: "00:03:12", state: "Establ", received: 1, accepted: 1 },
    ]);
    expect(parseGobgpNeighbors(fixture("gobgp-neighbor-days.txt"))).toEqual([
      { peer: "172.18.0.2", as: "64512", upDown: "1d 02:03:04", state: "Establ", received: 1, accepted: 1 },
      { peer: "172.18.0.4", as: "64512", upDown: "00:00:09", state: "Active", received: 0, accepted: 0 },
    ]);
    expect(parseGobgpRib(fixture("gobgp-global-rib.txt"))).toEqual([
      { prefix: "10.245.0.0/26", nextHop: "0.0.0.0", best: true },
      { prefix: "10.245.0.64/26", nextHop: "172.18.0.3", best: true },
    ]);
  });

  it("from GoBGP (vpp): sessions between the nodes and the routes each learned", () => {
    const neighborsOf = (peer: string) => fixture("gobgp-neighbor.txt").replace("172.18.0.3", peer);
    const observed = observeFromGobgp(expected, [
      { node: "lab-control-plane", neighbors: neighborsOf("172.18.0.3"), rib: fixture("gobgp-global-rib.txt") },
      { node: "lab-worker", neighbors: neighborsOf("172.18.0.2"), rib: "" },
    ]);
    expect(observed.sessions).toEqual([
      {
        a: "lab-control-plane",
        b: "lab-worker",
        type: "node-to-node mesh",
        established: true,
        ends: [
          { node: "lab-control-plane", state: "Established", info: "Established", since: "00:03:12" },
          { node: "lab-worker", state: "Established", info: "Established", since: "00:03:12" },
        ],
      },
    ]);
    expect(observed.routes["lab-control-plane"]).toEqual([
      { prefix: "10.245.0.64/26", via: "172.18.0.3", viaNode: "lab-worker", protocol: "gobgp" },
    ]);
    expect(compareTopology(expected, observed).matches).toBe(true);
  });
});

describe("kind settings are validated before anything runs", () => {
  const kdd = { scenario: "kdd", substrate: "kind" };
  const vpp = { scenario: "calico-vpp", substrate: "kind" };

  it("the VPP default follows the pinned Calico's minor version", () => {
    expect(DEFAULTS.vpp.version).toBe(vppReleaseFor(versions.calico.version));
    expect(vppReleaseFor("v3.28.5")).toBe("v3.28.0");
    expect(vppReleaseFor("v3.29.4")).toBe("v3.29.0");
    expect(vppReleaseFor("v2.6.0")).toBeUndefined();
    expect(loadLabConfig(vpp).vpp.version).toBe(DEFAULTS.vpp.version);
  });

  it("a VPP release for another Calico minor version", () => {
    const calico = versions.calico.version;
    expect(messages({ ...vpp, vpp: { version: "v3.99.0" } })).toEqual([
      `vpp.version = "v3.99.0": Calico VPP must match the Calico release (artifacts.versions.calico ${calico}): allowed is ${vppReleaseFor(calico)}`,
    ]);
  });

  it("drivers that need a real NIC", () => {
    expect(messages({ ...vpp, vpp: { driver: "dpdk" } })).toEqual([
      'vpp.driver = "dpdk": a kind node\'s uplink is a veth: allowed values on kind are af_packet, af_xdp',
    ]);
  });

  it("vpp offline, route reflectors, IPv6 pod or service subnets, a pool over the services", () => {
    expect(loadLabConfig({ ...kdd, imageMode: "offline" }).imageMode).toBe("offline");
    // calico-vpp offline: the offline build's Calico/VPP, of its one release
    expect(loadLabConfig({ ...kdd, scenario: "calico-vpp", imageMode: "offline" }).vpp.version).toBe(versions.calicoVpp.version);
    expect(messages({ ...kdd, scenario: "calico-vpp", imageMode: "offline", vpp: { version: "v3.28.1" } })).toEqual([
      `vpp.version = "v3.28.1": scenario calico-vpp on kind offline runs the offline build's Calico/VPP (build.sh --calico-vpp): allowed is ${versions.calicoVpp.version}`,
    ]);
    // kdd on kind: route reflectors named by kind role; vpp on kind: the mesh only
    const reflectors = { mode: "routeReflectors", routeReflectors: ["control-plane"] };
    expect(loadLabConfig({ ...kdd, kind: { workers: 2 }, bgp: reflectors }).bgp.routeReflectors).toEqual(["control-plane"]);
    expect(messages({ ...kdd, kind: { workers: 1 }, bgp: { mode: "routeReflectors", routeReflectors: ["calico1"] } })).toEqual([
      'bgp.routeReflectors[0] = "calico1": allowed are the lab\'s node names: control-plane, worker',
    ]);
    expect(messages({ ...kdd, scenario: "calico-vpp", bgp: reflectors })).toEqual([
      'bgp.mode = "routeReflectors": scenario calico-vpp on kind peers the calico-vpp agents\' BGP in a node-to-node mesh; allowed is mesh',
    ]);
    expect(messages({ ...kdd, kind: { serviceSubnet: "fd00:96::/108" } })).toEqual([
      'kind.serviceSubnet = "fd00:96::/108": the kind cluster is IPv4: allowed is an IPv4 network such as 10.96.0.0/12',
    ]);
    const pool = { ...DEFAULTS.ipPools[0]!, name: "v6", cidr: "fd00:10::/48", blockSize: 122 };
    expect(messages({ ...kdd, ipPools: [pool] })).toContain(
      'ipPools[0].cidr = "fd00:10::/48": the first pool is the kind cluster\'s podSubnet, and the cluster is IPv4: allowed is an IPv4 network',
    );
    expect(messages({ ...kdd, ipPools: [{ ...DEFAULTS.ipPools[0]!, cidr: "10.96.0.0/16" }] })).toEqual([
      'ipPools[0].cidr = "10.96.0.0/16": overlaps kind.serviceSubnet 10.96.0.0/12; choose a range outside it',
    ]);
  });

  it("bird is untouched by the kind checks", () => {
    expect(loadLabConfig({ imageMode: "offline", vpp: { version: "v1.0.0", driver: "dpdk" } }).scenario).toBe("bird");
  });
});

describe("Calico's manifest as the offline kind lab applies it", () => {
  const upstream = fixture("kind/calico-manifest-mini.yaml");
  const images = { node: "calico-lab/node:v3.28.5", cni: "calico-lab/cni:v3.28.5", kubeControllers: "calico-lab/kube-controllers:v3.28.5" };

  it("runs the lab's images, never pulled, without mount-bpffs, makes no pool of its own; calico-kube-controllers apart", () => {
    const rendered = renderCalicoManifest(upstream, { version: "v3.28.5", images });
    expect(`${rendered.install}---\n${rendered.controllers}`).toBe(
      [
        "kind: DaemonSet",
        "apiVersion: apps/v1",
        "metadata:",
        "  name: calico-node",
        "  namespace: kube-system",
        "spec:",
        "  template:",
        "    spec:",
        "      initContainers:",
        "        - name: install-cni",
        "          image: calico-lab/cni:v3.28.5",
        "          imagePullPolicy: Never",
        "      containers:",
        "        - name: calico-node",
        "          image: calico-lab/node:v3.28.5",
        "          imagePullPolicy: Never",
        "          env:",
        "            - name: DATASTORE_TYPE",
        "              value: kubernetes",
        "            - name: NO_DEFAULT_POOLS",
        '              value: "true"',
        "---",
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: calico-kube-controllers",
        "  namespace: kube-system",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        "        - name: calico-kube-controllers",
        "          image: calico-lab/kube-controllers:v3.28.5",
        "          imagePullPolicy: Never",
        "",
      ].join("\n"),
    );
  });

  it("online, keeps the manifest's images and mount-bpffs; refuses a manifest naming an image the lab has no build of", () => {
    const online = renderCalicoManifest(upstream, { version: "v3.28.5" }).install;
    expect(online).toContain("image: docker.io/calico/node:v3.28.5");
    expect(online).toContain("name: mount-bpffs");
    expect(online).toContain("name: NO_DEFAULT_POOLS");
    expect(() => renderCalicoManifest(upstream.replace("cni:v3.28.5", "typha:v3.28.5"), { version: "v3.28.5", images })).toThrow(
      "calico.yaml v3.28.5 names an image the lab has no build of",
    );
  });
});
