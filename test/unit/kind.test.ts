import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULTS } from "../../core/config/defaults";
import {
  kindNodeNames,
  parseManifest,
  renderCalicoctlConfig,
  renderCalicoNodeStatus,
  renderInstallation,
  renderKindBgpConfiguration,
  renderKindConfig,
  renderKindIpPools,
  renderVppInitialConfig,
  renderVppInterfaces,
  renderVppManifest,
  renderVppStartupConfig,
  tigeraOperatorManifestUrl,
  type KubeObject,
} from "../../core/substrates/kind/render";
import { kindConfigFields, ManifestValidator, schemaIndex } from "../schemas/validate";
import { fixture, VPP_VALUES as VPP } from "../support/fixtures";

const IMAGE = DEFAULTS.kind.nodeImage;
const pool = DEFAULTS.ipPools[0]!;
const pools = [
  { ...pool, name: "kdd-pool", cidr: "10.244.0.0/16", vxlanMode: "CrossSubnet" as const },
  { ...pool, name: "spare", cidr: "10.250.0.0/16", blockSize: 28, natOutgoing: false, disabled: true },
];

describe("kind templates render to their exact text", () => {
  it("kind config: default CNI off, pod subnet = first pool, service subnet, control plane + workers, pinned image", () => {
    expect(
      renderKindConfig({ name: "calicolab-kdd", workers: 2, nodeImage: IMAGE, podSubnet: "10.244.0.0/16", serviceSubnet: "10.96.0.0/12" }),
    ).toBe(
      [
        "kind: Cluster",
        "apiVersion: kind.x-k8s.io/v1alpha4",
        "name: calicolab-kdd",
        "networking:",
        "  disableDefaultCNI: true",
        '  podSubnet: "10.244.0.0/16"',
        '  serviceSubnet: "10.96.0.0/12"',
        "nodes:",
        "  - role: control-plane",
        `    image: ${IMAGE}`,
        "  - role: worker",
        `    image: ${IMAGE}`,
        "  - role: worker",
        `    image: ${IMAGE}`,
        "",
      ].join("\n"),
    );
    const alone = parse(
      renderKindConfig({ name: "c", workers: 0, nodeImage: IMAGE, podSubnet: "10.1.0.0/16", serviceSubnet: "10.96.0.0/12" }),
    );
    expect(alone.nodes).toEqual([{ role: "control-plane", image: IMAGE }]);
  });

  it("kind config: a node image is a value of the document, whatever its text", () => {
    const image = 'evil:1\n  - role: worker\n    image: "x" # {{name}}';
    const doc = parse(
      renderKindConfig({ name: "c", workers: 1, nodeImage: image, podSubnet: "10.1.0.0/16", serviceSubnet: "10.96.0.0/12" }),
    );
    expect(doc.nodes).toEqual([
      { role: "control-plane", image },
      { role: "worker", image },
    ]);
  });

  it("kind's node names follow kind's namer", () => {
    expect(kindNodeNames("lab", 0)).toEqual(["lab-control-plane"]);
    expect(kindNodeNames("lab", 3)).toEqual(["lab-control-plane", "lab-worker", "lab-worker2", "lab-worker3"]);
  });

  it("the node image is the one the pinned kind release names (read from kind's own source)", () => {
    // sigs.k8s.io/kind@<kind.kindVersion> pkg/apis/config/defaults/image.go, fetched with the schemas
    const source = readFileSync(schemaIndex().kind.defaultImage, "utf8");
    const released = /const Image = "([^"]+)"/.exec(source)?.[1];
    expect(released, "kind's defaults/image.go names an image").toBeDefined();
    expect(DEFAULTS.kind.nodeImage).toBe(released);
  });

  it("the operator's Installation: Calico CNI and IPAM, BGP, the dataplane, no operator-made pools", () => {
    expect(renderInstallation({ linuxDataplane: "Iptables" })).toBe(
      [
        "apiVersion: operator.tigera.io/v1",
        "kind: Installation",
        "metadata:",
        "  name: default",
        "spec:",
        "  variant: Calico",
        "  cni:",
        "    type: Calico",
        "    ipam:",
        "      type: Calico",
        "  calicoNetwork:",
        "    linuxDataplane: Iptables",
        "    bgp: Enabled",
        "    ipPools: []",
        "",
      ].join("\n"),
    );
    expect(parse(renderInstallation({ linuxDataplane: "VPP" })).spec.calicoNetwork).toEqual({
      linuxDataplane: "VPP",
      bgp: "Enabled",
      ipPools: [],
    });
    expect(tigeraOperatorManifestUrl("v3.28.5")).toBe(
      "https://raw.githubusercontent.com/projectcalico/calico/v3.28.5/manifests/tigera-operator.yaml",
    );
  });

  it("IP pools as crd.projectcalico.org/v1 with the v3 defaults spelled out", () => {
    expect(renderKindIpPools([pools[0]!])).toBe(
      [
        "apiVersion: crd.projectcalico.org/v1",
        "kind: IPPool",
        "metadata:",
        "  name: kdd-pool",
        "spec:",
        "  cidr: 10.244.0.0/16",
        "  blockSize: 26",
        "  ipipMode: Never",
        "  vxlanMode: CrossSubnet",
        "  natOutgoing: true",
        "  disabled: false",
        "  nodeSelector: all()",
        "  allowedUses:",
        "    - Workload",
        "    - Tunnel",
        "",
      ].join("\n"),
    );
    expect(parseManifest(renderKindIpPools(pools)).map((p) => [p.metadata.name, (p.spec as { blockSize: number }).blockSize])).toEqual([
      ["kdd-pool", 26],
      ["spare", 28],
    ]);
  });

  it("BGP configuration, CalicoNodeStatus request and calicoctl's config", () => {
    expect(renderKindBgpConfiguration({ asNumber: 64512, meshEnabled: true })).toBe(
      "apiVersion: crd.projectcalico.org/v1\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n  logSeverityScreen: Info\n  nodeToNodeMeshEnabled: true\n  asNumber: 64512\n",
    );
    expect(renderCalicoNodeStatus({ name: "lab-bgp-status-1", node: "lab-control-plane", updatePeriodSeconds: 10 })).toBe(
      [
        "apiVersion: crd.projectcalico.org/v1",
        "kind: CalicoNodeStatus",
        "metadata:",
        "  name: lab-bgp-status-1",
        "spec:",
        "  node: lab-control-plane",
        "  classes:",
        "    - Agent",
        "    - BGP",
        "    - Routes",
        "  updatePeriodSeconds: 10",
        "",
      ].join("\n"),
    );
    expect(renderCalicoctlConfig({ kubeconfig: "/etc/kubernetes/admin.conf" })).toBe(
      "apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nmetadata: {}\nspec:\n  datastoreType: kubernetes\n  kubeconfig: /etc/kubernetes/admin.conf\n",
    );
  });

  it("VPP's uplink, driver, initial config and startup.conf", () => {
    expect(JSON.parse(renderVppInterfaces({ uplinkInterface: "eth0", driver: "af_packet" }))).toEqual({
      uplinkInterfaces: [{ interfaceName: "eth0", vppDriver: "af_packet" }],
    });
    expect(JSON.parse(renderVppInitialConfig({ dnsServer: "172.18.0.1" }))).toEqual({
      vppStartupSleepSeconds: 1,
      corePattern: "/var/lib/vpp/vppcore.%e.%p",
      redirectToHostRules: [
        { proto: "udp", port: 53, ip: "172.18.0.1" },
        { proto: "tcp", port: 53, ip: "172.18.0.1" },
      ],
    });
    expect(renderVppStartupConfig({ workers: 0, buffersPerNuma: 131072 })).toBe(
      [
        "unix {",
        "  nodaemon",
        "  full-coredump",
        "  cli-listen /var/run/vpp/cli.sock",
        "  pidfile /run/vpp/vpp.pid",
        "  exec /etc/vpp/startup.exec",
        "}",
        "api-trace { on }",
        "cpu {",
        "  workers 0",
        "}",
        "socksvr {",
        "  socket-name /var/run/vpp/vpp-api.sock",
        "}",
        "plugins {",
        "  plugin default { enable }",
        "  plugin dpdk_plugin.so { disable }",
        "  plugin calico_plugin.so { enable }",
        "  plugin ping_plugin.so { disable }",
        "  plugin dispatch_trace_plugin.so { enable }",
        "}",
        "buffers {",
        "  buffers-per-numa 131072",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("the VPP manifest without hugepages is exactly the reviewed text", () => {
    expect(renderVppManifest(VPP)).toBe(fixture("kind", "calico-vpp.expected.txt"));
  });

  it("hugepages become a hugepages-2Mi limit on the VPP container (2 MiB each) and nothing else changes", () => {
    const without = renderVppManifest(VPP);
    const withPages = renderVppManifest({ ...VPP, hugepages: 512 });
    expect(withPages).toBe(
      without.replace(
        "              memory: 512Mi\n",
        "              memory: 512Mi\n            limits:\n              hugepages-2Mi: 1024Mi\n",
      ),
    );
  });

  it("uplink, driver, version and service prefix reach the ConfigMap and the images", () => {
    const objects = parseManifest(renderVppManifest({ ...VPP, uplinkInterface: "eth1", driver: "af_xdp", version: "v3.29.0" }));
    const config = objects.find((o) => o.kind === "ConfigMap") as KubeObject & { data: Record<string, string> };
    expect(JSON.parse(config.data.CALICOVPP_INTERFACES!)).toEqual({ uplinkInterfaces: [{ interfaceName: "eth1", vppDriver: "af_xdp" }] });
    expect(config.data.SERVICE_PREFIX).toBe("10.96.0.0/12");
    expect(config.data.CALICOVPP_CONFIG_TEMPLATE).toBe(renderVppStartupConfig({ workers: 0, buffersPerNuma: 131072 }).trimEnd());
    const daemonSet = objects.find((o) => o.kind === "DaemonSet") as KubeObject & {
      spec: { template: { spec: { containers: Array<{ name: string; image: string }> } } };
    };
    expect(daemonSet.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual([
      "vpp=docker.io/calicovpp/vpp:v3.29.0",
      "agent=docker.io/calicovpp/agent:v3.29.0",
    ]);
  });
});

describe("parseManifest", () => {
  it("skips empty documents and rejects what is not a Kubernetes object", () => {
    expect(parseManifest("---\n# nothing\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n")).toHaveLength(1);
    expect(() => parseManifest("a: 1\n")).toThrow(/document 1 is not a Kubernetes object/);
    expect(() => parseManifest("apiVersion: v1\nkind: [\n")).toThrow(/document 1/);
  });
});

describe("every rendered manifest validates against the Kubernetes and Calico schemas", () => {
  let validator: ManifestValidator;
  let kindFields: Map<string, Set<string>>;
  beforeAll(() => {
    const index = schemaIndex(); // fails here, saying which command fetches them, when they are missing
    validator = new ManifestValidator(index);
    kindFields = kindConfigFields(readFileSync(index.kind.types, "utf8"));
  }, 60_000);

  const cases: Array<[string, () => string, string[]]> = [
    ["Installation (kdd)", () => renderInstallation({ linuxDataplane: "Iptables" }), ["operator.tigera.io/v1/Installation"]],
    ["Installation (vpp)", () => renderInstallation({ linuxDataplane: "VPP" }), ["operator.tigera.io/v1/Installation"]],
    ["IP pools", () => renderKindIpPools(pools), ["crd.projectcalico.org/v1/IPPool", "crd.projectcalico.org/v1/IPPool"]],
    [
      "BGP configuration",
      () => renderKindBgpConfiguration({ asNumber: 4200000000, meshEnabled: false }),
      ["crd.projectcalico.org/v1/BGPConfiguration"],
    ],
    [
      "CalicoNodeStatus",
      () => renderCalicoNodeStatus({ name: "s", node: "lab-worker", updatePeriodSeconds: 10 }),
      ["crd.projectcalico.org/v1/CalicoNodeStatus"],
    ],
    [
      "Calico VPP (no hugepages)",
      () => renderVppManifest(VPP),
      [
        "v1/Namespace",
        "v1/ServiceAccount",
        "rbac.authorization.k8s.io/v1/ClusterRole",
        "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
        "v1/ConfigMap",
        "apps/v1/DaemonSet",
      ],
    ],
    [
      "Calico VPP (hugepages)",
      () => renderVppManifest({ ...VPP, hugepages: 256 }),
      [
        "v1/Namespace",
        "v1/ServiceAccount",
        "rbac.authorization.k8s.io/v1/ClusterRole",
        "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
        "v1/ConfigMap",
        "apps/v1/DaemonSet",
      ],
    ],
  ];
  for (const [what, render, kinds] of cases) {
    it(what, () => {
      const objects = parseManifest(render());
      expect(objects.map((o) => `${o.apiVersion}/${o.kind}`)).toEqual(kinds);
      expect(objects.flatMap((o) => validator.errors(o))).toEqual([]);
    });
  }

  it("the validator is strict: a misspelled field or a wrong type is reported with its path", () => {
    const [daemonSet] = parseManifest(renderVppManifest(VPP)).filter((o) => o.kind === "DaemonSet");
    const broken = JSON.parse(JSON.stringify(daemonSet)) as {
      spec: { template: { spec: { hostNetwrok?: boolean; containers: Array<Record<string, unknown>> } } };
    };
    broken.spec.template.spec.hostNetwrok = true;
    broken.spec.template.spec.containers[0]!.privileged = true;
    expect(validator.errors(broken as unknown as KubeObject)).toEqual([
      "DaemonSet/calico-vpp-node: /spec/template/spec must NOT have additional properties (hostNetwrok)",
      "DaemonSet/calico-vpp-node: /spec/template/spec/containers/0 must NOT have additional properties (privileged)",
    ]);
    const [ipPool] = parseManifest(renderKindIpPools([pool]));
    expect(validator.errors({ ...ipPool!, spec: { cidr: "10.1.0.0/16", blockSize: "26", ipipmode: "Never" } })).toEqual([
      "IPPool/my.ippool-1: /spec must NOT have additional properties (ipipmode)",
      "IPPool/my.ippool-1: /spec/blockSize must be integer",
    ]);
    expect(validator.errors({ apiVersion: "crd.projectcalico.org/v9", kind: "IPPool", metadata: { name: "x" } })[0]).toMatch(
      /^IPPool\/x: no schema for crd.projectcalico.org\/v9\/IPPool/,
    );
  });

  it("the kind config uses only fields kind v0.29.0's v1alpha4 types declare", () => {
    const config = parse(
      renderKindConfig({ name: "c", workers: 2, nodeImage: IMAGE, podSubnet: "10.244.0.0/16", serviceSubnet: "10.96.0.0/12" }),
    );
    const cluster = new Set([...(kindFields.get("Cluster") ?? []), ...(kindFields.get("TypeMeta") ?? [])]);
    expect(cluster.has("disableDefaultCNI") || kindFields.get("Networking")?.has("disableDefaultCNI")).toBe(true);
    expect(Object.keys(config).filter((key) => !cluster.has(key))).toEqual([]);
    expect(Object.keys(config.networking).filter((key) => !kindFields.get("Networking")?.has(key))).toEqual([]);
    for (const node of config.nodes) expect(Object.keys(node).filter((key) => !kindFields.get("Node")?.has(key))).toEqual([]);
    expect(config.nodes.map((n: { role: string }) => n.role)).toEqual(["control-plane", "worker", "worker"]);
  });
});
