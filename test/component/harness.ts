import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { HOST_COMMAND_TYPE } from "../../components/lab/host-command";
import { resolveImageMode } from "../../core/config/image-mode";
import { loadLabConfig, type RawSettings } from "../../core/config/load";
import type { LabConfig } from "../../core/config/types";
import { etcdPkiScript } from "../../core/scenarios/etcd-tls";

/** The settings as index.ts hands them over: `auto` resolved, here as on a machine without the airgapped build. */
export function online(raw: RawSettings): LabConfig {
  const config = loadLabConfig(raw);
  return { ...config, imageMode: resolveImageMode(config, { offlineBuildPresent: false }) };
}

/**
 * Runs `use` with an offline build's manifest (its path) that places two of Calico's CRDs (ippools,
 * caliconodestatuses) in a temporary folder, as kdd reads them; the folder goes afterwards.
 */
export async function withTestCrdManifest<T>(use: (manifestPath: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-component-crds-"));
  const crd = (plural: string, kind: string) =>
    `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${plural}.crd.projectcalico.org\nspec:\n  group: crd.projectcalico.org\n  names:\n    kind: ${kind}\n    plural: ${plural}\n  scope: Cluster\n`;
  writeFileSync(join(dir, "ippools.yaml"), crd("ippools", "IPPool"));
  writeFileSync(join(dir, "caliconodestatuses.yaml"), crd("caliconodestatuses", "CalicoNodeStatus"));
  const files = { "ippools.yaml": "-", "caliconodestatuses.yaml": "-" };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ artifacts: { "calico-crds": { version: "v3.28.5", dir, files } } }));
  try {
    return await use(join(dir, "manifest.json"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the mocks saw of one resource: enough to check the graph's shape. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly parent?: string;
  readonly dependsOn: string[];
  readonly deleteBeforeReplace: boolean;
  /** The resource whose deletion skips this one's delete (Pulumi's `deletedWith`), by name. */
  readonly deletedWith?: string;
  /** The protect flag the resource ended up with (its own, or inherited from its parent). */
  readonly protect?: boolean;
  /** The provider resource it was given explicitly, by name. */
  readonly provider?: string;
  /** The provider reference the engine got for it (`urn::id`), given or inherited from a parent's `providers`. */
  readonly providerRef?: string;
}

export function nameOf(resource: pulumi.Resource | undefined): Promise<string | undefined> {
  return resource ? new Promise((resolve) => resource.urn.apply((urn) => resolve(urn.split("::").pop()))) : Promise.resolve(undefined);
}

export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** The type of the lab's steps (the calicolab-steps provider's HostCommand). */
export { HOST_COMMAND_TYPE };

/** What kdd's kubeconfig step prints under mocks: `${HEAD}<step's name>\n${CLUSTER}` (the apiserver at its lab address). */
export const TEST_KUBECONFIG_HEAD = "apiVersion: v1\nkind: Config # ";
export const TEST_KUBECONFIG_CLUSTER = "clusters:\n  - name: calico-lab\n    cluster:\n      server: https://192.168.4.3:6443\n";

const bird = (node: string, peers: string[], infoOf: (node: string, peer: string) => string) =>
  `BIRD 1.6.8 ready.\nname     proto    table    state  since       info\n${peers.map((p) => `${p} BGP      master   up     12:00:00    ${infoOf(node, p)}`).join("\n")}\n`;

const resolved = new Map<string, Record<string, unknown>>();
const providerRefs = new Map<string, string | undefined>();

/**
 * Mocks that answer like a healthy lab: containers get ids, cnitool add prints a CNI result, and the live
 * probe reports every BGP protocol that Calico would configure for the node's peers as Established.
 * Installed once per test file: a second setMocks would orphan the first lab's pending registrations.
 */
export function installMocks(
  peersOf: (node: string) => string[],
  /** Other readings of the live probe (`routes`, `tunnels`) by node; empty when not given. */
  readingOf: (node: string, what: string) => string = () => "",
  /** BIRD's info column for a node's session with a peer protocol; Established when not given. */
  infoOf: (node: string, peer: string) => string = () => "Established",
  /** What a host step prints, by the step's name; undefined for the default (empty, or what the lab's steps above print). */
  stdoutOf: (name: string) => string | undefined = () => undefined,
): void {
  let workload = 0;
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        resolved.set(args.name, args.inputs);
        providerRefs.set(args.name, args.provider);
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type.endsWith(":DockerContainer")) state.containerId = `id-${args.name}`;
        if (args.type.endsWith(":DockerNetwork")) state.networkId = "5f3c0a9e1b2d4c6e8f0a1b2c3d4e5f60";
        // The apiserver gives every Pod it makes a uid of its own.
        if (args.type === "kubernetes:core/v1:Pod") state.metadata = { ...(args.inputs.metadata as object), uid: `uid-${args.name}` };
        if (args.type === HOST_COMMAND_TYPE) {
          // A machine node's steps print the machine's boot id (and a VM's accelerator) and the runtime container's id.
          const machine = args.name.endsWith("-vm")
            ? `boot-${args.name}\ntcg\n`
            : args.name.endsWith("-host")
              ? `boot-${args.name}\n`
              : args.name.endsWith("-runtime")
                ? `id-${args.name}\n`
                : undefined;
          const cniResult = () =>
            JSON.stringify({
              cniVersion: "0.3.1",
              interfaces: [{ name: `cali${workload}` }],
              ips: [{ version: "4", address: `10.1.0.${++workload}/32` }],
            });
          // kdd's kubeconfig step prints the admin kubeconfig.
          const kubeconfig = args.name.endsWith("-kubeconfig")
            ? `${TEST_KUBECONFIG_HEAD}${args.name}\n${TEST_KUBECONFIG_CLUSTER}`
            : undefined;
          state.stdout = stdoutOf(args.name) ?? machine ?? kubeconfig ?? (args.name.includes("-workloads-") ? cniResult() : "");
        }
        if (args.type.endsWith(":LiveProbe")) {
          const commands = args.inputs.commands as Record<string, string[]>;
          state.readings = Object.fromEntries(
            Object.keys(commands).map((key) => {
              const [node = "", what] = key.split("/");
              return [key, { stdout: what === "protocols" ? bird(node, peersOf(node), infoOf) : readingOf(node, what ?? "") }];
            }),
          );
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "calico-lab",
    "test",
    false,
  );
}

/** What every captured resource records of its links to others, by name. */
interface Links {
  parent?: string;
  deletedWith?: string;
  provider?: string;
  dependsOn: string[];
}

/**
 * A transformation to pass as the lab's `transformations` option (it only sees children if every component passes
 * options down): an entry per resource made by `entryOf`, filled in by `fill` once the resource's URN exists, then
 * with its links (parent, deletedWith, provider, dependsOn) by name.
 */
export function captureRegistrations<T extends Links>(
  entryOf: (args: pulumi.ResourceTransformationArgs) => T,
  fill: (entry: T, args: pulumi.ResourceTransformationArgs) => Promise<void>,
): { entries: T[]; pending: Promise<void>[]; transformation: pulumi.ResourceTransformation } {
  const entries: T[] = [];
  const pending: Promise<void>[] = [];
  const transformation: pulumi.ResourceTransformation = (args) => {
    const dependsOn = ([] as pulumi.Resource[]).concat((args.opts.dependsOn as pulumi.Resource[] | pulumi.Resource | undefined) ?? []);
    const entry = entryOf(args);
    entries.push(entry);
    pending.push(
      (async () => {
        await new Promise((resolve) => setImmediate(resolve)); // the resource's urn exists once its constructor returns
        await fill(entry, args);
        const parent = await nameOf(args.opts.parent);
        if (parent) entry.parent = parent;
        const deletedWith = await nameOf(args.opts.deletedWith);
        if (deletedWith) entry.deletedWith = deletedWith;
        const provider = await nameOf((args.opts as pulumi.CustomResourceOptions).provider);
        if (provider) entry.provider = provider;
        for (const d of dependsOn) entry.dependsOn.push((await nameOf(d)) ?? "?");
      })(),
    );
    return undefined;
  };
  return { entries, pending, transformation };
}

/** The lab's resources as the mocks saw them: inputs, protect, links and the provider reference each was given. */
export function captureGraph(): { registered: Registered[]; pending: Promise<void>[]; capture: pulumi.ResourceTransformation } {
  const graph = captureRegistrations(
    (args): Registered & Links & { inputs: Record<string, unknown>; protect?: boolean; providerRef?: string } => ({
      deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
      type: args.type,
      name: args.name,
      inputs: {},
      dependsOn: [],
    }),
    async (entry, args) => {
      await nameOf(args.resource);
      entry.inputs = resolved.get(args.name) ?? {};
      entry.protect = (args.resource as unknown as { __protect?: boolean }).__protect;
      const providerRef = providerRefs.get(args.name);
      if (providerRef) entry.providerRef = providerRef;
    },
  );
  return { registered: graph.entries, pending: graph.pending, capture: graph.transformation };
}

/** Where a node lab under mocks is built: its name, the home folder and the offline build's manifest. */
export interface NodeLabPlace {
  readonly name?: string;
  readonly home?: string;
  readonly manifestPath?: string;
}

/**
 * A scenario on a machine substrate (settings resolved as on a machine with the airgapped build), made through the
 * registry as the program makes it: what the mocks registered and the lab's outputs. The lab's modules are loaded
 * here, after the test file has installed its mocks.
 */
export async function buildNodeLab(raw: RawSettings, place: NodeLabPlace = {}) {
  const { name = "lab", home = "/home/me", manifestPath = "/cache/artifacts/manifest.json" } = place;
  const mocks = captureGraph();
  const { CalicoLab } = await import("../../components/lab/calico-lab");
  const { nodePlatform } = await import("../../components/lab/node-platform");
  const { LAB_SCENARIOS, LAB_SUBSTRATES } = await import("../../components/lab/registry");
  const loaded = loadLabConfig(raw);
  const config = { ...loaded, imageMode: resolveImageMode(loaded, { offlineBuildPresent: true }) };
  const substrate = LAB_SUBSTRATES[config.substrate]!({ config, cacheDir: "/cache", home });
  const scenario = await LAB_SCENARIOS[config.scenario]!();
  const lab = new CalicoLab(
    name,
    { platform: nodePlatform({ config, stack: "test", cacheDir: "/cache", manifestPath, scenario, substrate }) },
    { transformations: [mocks.capture] },
  );
  const outputs = {
    etcd: await valueOf(lab.etcd),
    nodes: await valueOf(lab.nodes),
    bgpTopology: await valueOf(lab.bgpTopology),
    kubeconfig: lab.kubeconfig && (await valueOf(lab.kubeconfig)),
  };
  await Promise.all(mocks.pending);
  return { registered: mocks.registered, outputs };
}

/** The etcd.tls settings the TLS labs under mocks are built with, and the certificates that go with them. */
export const TEST_ETCD_TLS = { days: 30, extraSans: ["etcd.lab.example"] };

/**
 * A real CA, etcd serving certificate and Calico client certificate for a lab's etcd at 192.168.4.4, made
 * with this machine's openssl by the lab's own script (in a temp dir instead of /etc/etcd/pki).
 */
export function makeTestPki(hostname: string): { ca: string; server: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-component-pki-"));
  try {
    const script = etcdPkiScript({ hostname, address: "192.168.4.4", tls: TEST_ETCD_TLS });
    const made = spawnSync("sh", ["-c", script.replace("pki=/etc/etcd/pki", `pki=${dir}/pki`)], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    const read = (file: string) => readFileSync(`${dir}/pki/${file}`, "utf8");
    return { ca: read("ca.crt"), server: read("server.crt"), cert: read("calico.crt"), key: read("calico.key") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the etcd node's TLS read-out steps print (installMocks' stdoutOf). */
export function etcdTlsStdout(pki: ReturnType<typeof makeTestPki>): (name: string) => string | undefined {
  return (name) =>
    name.endsWith("-etcd-certificates")
      ? `${pki.ca}${pki.server}`
      : name.endsWith("-etcd-client-bundle")
        ? `${pki.ca}${pki.cert}${pki.key}`
        : undefined;
}
