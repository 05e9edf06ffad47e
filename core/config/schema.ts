import { z } from "zod";
import { registryMirrorProblem, releaseMirrorProblem } from "./mirrors";
import {
  BGP_MODES,
  CNI_LOG_LEVELS,
  ENCAPSULATION_MODES,
  IMAGE_MODES,
  RENAMED_SCENARIO,
  SCENARIOS,
  SUBSTRATES,
  SUPPORTED_CNI_VERSIONS,
  VPP_DRIVERS,
} from "./types";
import { IP_POOL_DEFAULTS, SSH_HOST_DEFAULTS } from "./defaults";
import { START_WAVE_PER_CORE } from "./start-wave";
import { isDnsName, isIpv4 } from "../pki";

/** Each schema's error text says what is allowed; the loader adds the setting and the value. */
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: () => `allowed values are ${values.join(", ")}` });

/** The most Calico nodes a lab may have. */
export const MAX_CALICO_NODES = 250;

const integer = (min: number, max: number) =>
  z
    .number({ error: () => `allowed is an integer from ${min} to ${max}` })
    .int({ error: () => `allowed is an integer from ${min} to ${max}` })
    .min(min, { error: () => `allowed is an integer from ${min} to ${max}` })
    .max(max, { error: () => `allowed is an integer from ${min} to ${max}` });

const START_WAVE_ALLOWED = `allowed is 0 (derived from this machine's cores: ${START_WAVE_PER_CORE} per core) or an integer from 1 to ${MAX_CALICO_NODES}`;
const MTU_ALLOWED = "allowed is 0 (derived from the underlay and the pools' encapsulation) or an integer from 576 to 9000";
/**
 * An image reference, Docker's grammar: [registry (with a dot, a port or localhost)/]path[:tag][@sha256:digest], path components in lower case.
 * It lands in documents (kind's cluster config) and command lines: nothing else gets through.
 */
const IMAGE_REFERENCE =
  /^(?:(?:(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|localhost)(?::[0-9]+)?|[a-zA-Z0-9-]+:[0-9]+)\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const imageReference = () => {
  const allowed = "allowed is an image reference such as kindest/node:v1.33.1@sha256:<64 hex digits>";
  return z.string({ error: () => allowed }).regex(IMAGE_REFERENCE, { error: allowed });
};
const text = (what: string) => z.string({ error: () => `allowed is ${what}` }).min(1, { error: `allowed is ${what}` });
const flag = z.boolean({ error: () => "allowed values are true, false" });
const list = <T extends z.ZodType>(item: T) => z.array(item, { error: () => "allowed is a list" });
const settings = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown setting; allowed keys here are ${Object.keys(shape).join(", ")}`
        : "allowed is an object of settings",
  });

/** RFC 1123 label: what Docker, Kubernetes and Calico all accept as a node name. */
const nodeName = z
  .string({ error: () => "allowed is a lowercase DNS label" })
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: "allowed is a lowercase DNS label (a-z, 0-9, -)" });

/** A mirror setting: a string that `problem` finds nothing wrong with (its message says what is allowed). */
const mirrorSetting = (problem: (value: string) => string | undefined, what: string) =>
  z.string({ error: () => `allowed is ${what}` }).check((ctx) => {
    const said = problem(ctx.value);
    if (said) ctx.issues.push({ code: "custom", message: said, input: ctx.value });
  });

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, { error: "allowed is 64 lowercase hex digits" });

const toolSource = z.discriminatedUnion(
  "kind",
  [
    settings({
      kind: z.literal("url"),
      url: z.url({ protocol: /^https?$/, error: "allowed is an http(s) URL" }),
      sha256: sha256.optional(),
      checksumUrl: z.url({ protocol: /^https?$/, error: "allowed is an http(s) URL" }).optional(),
      archive: flag.optional(),
    }),
    settings({ kind: z.literal("image"), image: text("an image reference"), path: text("an absolute path") }),
    settings({ kind: z.literal("go"), module: text("a Go module path"), version: text("a module version") }),
    settings({ kind: z.literal("manifest"), artifact: text("an artifact name"), file: text("a file name").optional() }),
  ],
  { error: () => "allowed is a tool source with kind url, image, go or manifest" },
);

const imageSet = settings({
  etcd: text("an image reference"),
  node: text("an image reference"),
  apiserver: z.string({ error: () => "allowed is an image reference, or empty for none" }),
  etcdRunsScripts: flag,
  tools: settings({
    calicoctl: toolSource,
    calico: toolSource,
    calicoIpam: toolSource,
    cnitool: toolSource,
    cniPlugins: toolSource,
  }),
});

export const ipPoolSchema = settings({
  name: z
    .string({ error: () => "allowed is a lowercase DNS subdomain such as my.ippool-1" })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
      error: "allowed is a lowercase DNS subdomain such as my.ippool-1",
    }),
  cidr: text("a CIDR such as 10.1.0.0/16"),
  blockSize: z
    .number({ error: () => "allowed is an integer" })
    .int({ error: "allowed is an integer" })
    .default(IP_POOL_DEFAULTS.blockSize),
  ipipMode: oneOf(ENCAPSULATION_MODES).default(IP_POOL_DEFAULTS.ipipMode),
  vxlanMode: oneOf(ENCAPSULATION_MODES).default(IP_POOL_DEFAULTS.vxlanMode),
  natOutgoing: flag.default(IP_POOL_DEFAULTS.natOutgoing),
  disabled: flag.default(IP_POOL_DEFAULTS.disabled),
});

const SAN_ALLOWED = "allowed is an IPv4 address or a lowercase DNS name, such as 10.0.0.4 or etcd.lab.example";

const PRIVATE_KEY_ALLOWED = "allowed is the path of a private key file on this machine (absolute, or ~/...), or empty for the ssh agent";

export const sshHostSchema = settings({
  name: nodeName,
  address: z.ipv4({ error: "allowed is an IPv4 address on the underlay, such as 192.168.4.5" }),
  user: z
    .string({ error: () => "allowed is a user name such as root" })
    .regex(/^[A-Za-z_][A-Za-z0-9._-]{0,63}$/, { error: "allowed is a user name (letters, digits, '.', '_', '-'; not starting with '-')" })
    .default(SSH_HOST_DEFAULTS.user),
  port: integer(1, 65535).default(SSH_HOST_DEFAULTS.port),
  privateKey: z
    .string({ error: () => PRIVATE_KEY_ALLOWED })
    .refine((path) => path === "" || ((path.startsWith("/") || path.startsWith("~/")) && !/[\n\0]/.test(path)), {
      error: () => PRIVATE_KEY_ALLOWED,
    })
    .default(SSH_HOST_DEFAULTS.privateKey),
});

const KUBECONFIG_ALLOWED =
  "allowed is the path of a kubeconfig file on this machine (absolute, or ~/...), or empty for $KUBECONFIG or ~/.kube/config";
const NAMESPACE_ALLOWED = "allowed is a Kubernetes namespace name (a lowercase DNS label, a-z, 0-9, -), or empty for the lab's name";

export const kubernetesSchema = settings({
  kubeconfig: z
    .string({ error: () => KUBECONFIG_ALLOWED })
    .refine((path) => path === "" || ((path.startsWith("/") || path.startsWith("~/")) && !/[\n\0]/.test(path)), {
      error: () => KUBECONFIG_ALLOWED,
    }),
  context: z.string({ error: () => "allowed is a context of the kubeconfig, or empty for its current context" }),
  namespace: z
    .string({ error: () => NAMESPACE_ALLOWED })
    .regex(/^(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)?$/, { error: NAMESPACE_ALLOWED }),
  imageRegistry: mirrorSetting(
    (value) => registryMirrorProblem(value)?.replace("empty (quay.io itself)", "empty (the images as built, on the cluster's nodes)"),
    "a registry host[:port][/path], or empty for the images as built",
  ),
});

export const labConfigSchema = settings({
  scenario: z.enum(SCENARIOS, {
    error: (issue) =>
      issue.input === RENAMED_SCENARIO
        ? `scenario vpp is two things now, each with its own name: calico-vpp is Calico's VPP dataplane on kind (what vpp meant before), vpp-forwarding is the seed's VPP forwarding lab (etcd, BIRD routes, VPP forwards) on docker; allowed values are ${SCENARIOS.join(", ")}`
        : `allowed values are ${SCENARIOS.join(", ")}`,
  }),
  substrate: oneOf(SUBSTRATES),
  imageMode: oneOf(IMAGE_MODES),
  underlay: settings({ cidr: text("a CIDR such as 192.168.4.0/24"), internal: flag }),
  calico: settings({
    nodes: integer(1, MAX_CALICO_NODES),
    namePrefix: nodeName,
    names: list(nodeName),
    logLevel: oneOf(["debug", "info", "warning", "error"] as const),
    startWave: z
      .number({ error: () => START_WAVE_ALLOWED })
      .refine((size) => Number.isInteger(size) && size >= 0 && size <= MAX_CALICO_NODES, { error: () => START_WAVE_ALLOWED }),
  }),
  bgp: settings({
    asNumber: integer(1, 4294967295),
    mode: oneOf(BGP_MODES),
    routeReflectors: list(nodeName),
    routeReflectorClusterId: z.ipv4({ error: "allowed is an IPv4-formatted cluster ID such as 244.0.0.1" }),
    convergeTimeoutSeconds: integer(10, 3600),
    failWhenNotConverged: flag,
  }),
  etcd: settings({
    tls: flag,
    certValidityDays: integer(1, 3650),
    extraSans: list(
      z.string({ error: () => SAN_ALLOWED }).refine((value) => isIpv4(value) || isDnsName(value), { error: () => SAN_ALLOWED }),
    ),
  }),
  ipPools: list(ipPoolSchema).min(1, { error: "allowed is a list of at least one IP pool" }),
  cni: settings({
    cniVersion: oneOf(SUPPORTED_CNI_VERSIONS),
    networkName: nodeName,
    mtu: z
      .number({ error: () => MTU_ALLOWED })
      .refine((mtu) => mtu === 0 || (Number.isInteger(mtu) && mtu >= 576 && mtu <= 9000), { error: () => MTU_ALLOWED }),
    logLevel: oneOf(CNI_LOG_LEVELS),
  }),
  workloads: settings({ perNode: integer(0, 1024) }),
  artifacts: settings({
    versions: settings({
      calico: text("a version"),
      etcd: text("a version"),
      cnitool: text("a version"),
      cniPlugins: text("a version"),
    }),
    online: imageSet,
    offline: imageSet,
    manifest: z.string({ error: () => "allowed is a file path (empty for the default)" }),
    registryMirror: mirrorSetting(registryMirrorProblem, "a registry host[:port][/path], or empty for quay.io"),
    releaseMirror: mirrorSetting(releaseMirrorProblem, "an http(s) URL prefix, or empty for github.com"),
    calicoSource: z.string({ error: () => "allowed is the path of a Calico source tree (empty for the pinned release)" }),
  }),
  kind: settings({
    workers: integer(0, 16),
    nodeImage: imageReference(),
    serviceSubnet: text("a CIDR"),
    kindVersion: text("a kind version such as v0.29.0"),
    operatorManifestSha256: z.string({ error: () => "allowed is empty or 64 lowercase hex digits" }).regex(/^(?:[0-9a-f]{64})?$/, {
      error: "allowed is empty or 64 lowercase hex digits",
    }),
  }),
  vpp: settings({
    version: text("a Calico VPP version"),
    uplinkInterface: text("an interface name"),
    driver: oneOf(VPP_DRIVERS),
    hugepages: integer(0, 65536),
  }),
  qemu: settings({ cpus: integer(1, 16), memoryMiB: integer(512, 65536) }),
  ssh: settings({
    hosts: list(sshHostSchema),
    etcdHost: z.string({ error: () => "allowed is the name of one of ssh.hosts (empty when the substrate is not ssh)" }),
  }),
  kubernetes: kubernetesSchema,
});
