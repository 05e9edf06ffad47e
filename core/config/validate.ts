import { blockGeometry, overlaps, parseCidr, underlayNodeCapacity, type Network } from "../addressing";
import { encapsulationOverhead, underlayMtuFor } from "../mtu";
import { kindRoles } from "../substrates/kind/names";
import { DEFAULT_ARTIFACTS } from "./defaults";
import { imagesOf, OFFICIAL_REGISTRY, OFFICIAL_RELEASE_SITE, registryOf, urlsOf } from "./mirrors";
import type { CrossCheck, Report } from "./check";
import type { ConfigIssue } from "./errors";
import type { LabConfig } from "./types";
import { KIND_CHECKS } from "./validate-kind";
import { vppForwardingChecks } from "./validate-vpp-forwarding";
import { ETCD_NODE, RESERVED_ETCD } from "./reserved";
import { SUBSTRATE_CHECKS, sshCalicoHosts } from "./validate-substrates";

export const SUBSTRATES_FOR: Record<LabConfig["scenario"], readonly LabConfig["substrate"][]> = {
  bird: ["docker", "qemu", "ssh", "kubernetes"],
  kdd: ["docker", "qemu", "kind"],
  "vpp-forwarding": ["docker"],
  "calico-vpp": ["kind"],
};

/** Why a scenario runs only where it does, where the list alone does not say it. */
const SUBSTRATE_REASONS: Partial<Record<LabConfig["scenario"], string>> = {
  "vpp-forwarding":
    "its nodes run the node-vpp image that this machine's engine holds (bash scripts/offline/build.sh --vpp); the qemu VMs' base image and ssh hosts do not carry it",
};

/**
 * The Calico node names the lab will use: explicit names, or prefix + 1..n; on the ssh substrate, its Calico hosts'
 * names; on kind, kind's node roles (control-plane, worker, worker2, ...: each node is <cluster>-<role>).
 */
export function nodeNames(config: Pick<LabConfig, "calico"> & Partial<Pick<LabConfig, "substrate" | "ssh" | "kind">>): string[] {
  if (config.substrate === "ssh" && config.ssh) return sshCalicoHosts(config as Pick<LabConfig, "ssh">).map((host) => host.name);
  if (config.substrate === "kind" && config.kind) return kindRoles(config.kind.workers);
  const { names, nodes, namePrefix } = config.calico;
  return names.length > 0 ? [...names] : Array.from({ length: nodes }, (_, i) => `${namePrefix}${i + 1}`);
}

/** The mirror settings (core/config/mirrors.ts). */
const MIRROR_SETTINGS = ["artifacts.registryMirror", "artifacts.releaseMirror"];

/** What nodeNames() reads. */
const NODE_NAME_SETTINGS = ["calico.names", "calico.nodes", "calico.namePrefix", "substrate", "ssh", "kind.workers"];

const CHECKS: readonly CrossCheck[] = [
  {
    reads: ["scenario", "substrate"],
    run: (config, report) => {
      const allowedSubstrates = SUBSTRATES_FOR[config.scenario];
      if (!allowedSubstrates.includes(config.substrate)) {
        const reason = SUBSTRATE_REASONS[config.scenario];
        report(
          "substrate",
          config.substrate,
          `scenario ${config.scenario} runs on ${allowedSubstrates.join(", ")}${reason ? `: ${reason}` : ""}`,
        );
      }
    },
  },
  {
    reads: ["underlay.cidr"],
    run: (config, report) => {
      const underlay = parseCidr(config.underlay.cidr);
      if (!underlay || underlay.version !== 4) {
        report("underlay.cidr", config.underlay.cidr, "allowed is an IPv4 network in CIDR form such as 192.168.4.0/24");
      }
    },
  },
  {
    reads: ["underlay.cidr", "calico.nodes", "substrate"],
    run: (config, report) => {
      const underlay = parseCidr(config.underlay.cidr);
      // ssh hosts bring their own addresses (checked with ssh.hosts).
      if (config.substrate !== "ssh" && underlay?.version === 4 && config.calico.nodes > underlayNodeCapacity(underlay)) {
        report(
          "calico.nodes",
          config.calico.nodes,
          `underlay ${underlay.cidr} has room for ${underlayNodeCapacity(underlay)} Calico nodes (hosts .1 to .4 are the gateway and etcd); use a larger underlay or fewer nodes`,
        );
      }
    },
  },
  {
    reads: NODE_NAME_SETTINGS,
    run: (config, report) => {
      if (config.calico.names.length > 0 && config.calico.names.length !== config.calico.nodes) {
        report(
          "calico.names",
          config.calico.names,
          `allowed is a list of exactly calico.nodes (${config.calico.nodes}) names, or an empty list`,
        );
      }
      // On the ssh substrate the names are the hosts', checked as ssh.hosts[].name.
      if (config.substrate === "ssh") return;
      const seen = new Set<string>();
      nodeNames(config).forEach((name, index) => {
        if (seen.has(name)) report(`calico.names[${index}]`, name, "node names must be unique");
        if (name === ETCD_NODE) report(`calico.names[${index}]`, name, RESERVED_ETCD);
        seen.add(name);
      });
    },
  },
  { reads: ["bgp", ...NODE_NAME_SETTINGS], run: (config, report) => checkBgp(config, nodeNames(config), report) },
  { reads: ["ipPools", "underlay.cidr"], run: (config, report) => checkPools(config, parseCidr(config.underlay.cidr), report) },
  { reads: ["ipPools", "calico.nodes", "workloads.perNode"], run: (config, report) => checkWorkloadCapacity(config, report) },
  {
    // Images and tool sources are built from versions.json's pins; a different version here would be ignored.
    reads: ["artifacts.versions"],
    run: (config, report) => {
      for (const [tool, pinned] of Object.entries(DEFAULT_ARTIFACTS.versions)) {
        const asked = config.artifacts.versions[tool as keyof typeof DEFAULT_ARTIFACTS.versions];
        if (asked !== pinned) {
          report(
            `artifacts.versions.${tool}`,
            asked,
            `allowed is ${pinned}, the version versions.json pins and every image and tool source is built from; to run another, set artifacts.online (or offline) images and tool sources to it, or change versions.json`,
          );
        }
      }
    },
  },
  {
    reads: ["scenario", "substrate", "imageMode"],
    run: (config, report) => {
      if (config.scenario === "kdd" && config.substrate !== "kind" && config.imageMode === "online") {
        report(
          "imageMode",
          config.imageMode,
          "scenario kdd outside kind runs a kube-apiserver image that only the offline build makes (kube-apiserver, kubectl and Calico's CRDs, from the Go module proxy); allowed are offline and auto (after npm run offline:build)",
        );
      }
    },
  },
  {
    // etcd.tls is built for the bird scenario's etcd, whose image must make the certificates (openssl).
    reads: ["etcd.tls", "scenario", "imageMode", "artifacts.online", "artifacts.offline"],
    run: (config, report) => {
      if (!config.etcd.tls) return;
      if (config.scenario !== "bird") {
        report(
          "etcd.tls",
          true,
          `TLS for etcd is built for scenario bird only (kdd's etcd serves its kube-apiserver in plain HTTP; kind runs its own etcd); allowed with scenario ${config.scenario} is false`,
        );
      } else if (config.imageMode !== "auto" && !config.artifacts[config.imageMode].etcdRunsScripts) {
        report(
          "etcd.tls",
          true,
          `the certificates are made with openssl inside the etcd node, and the etcd image of imageMode ${config.imageMode} runs no scripts (artifacts.${config.imageMode}.etcdRunsScripts is false; the official etcd image has no openssl); allowed is false: set imageMode offline or auto (after npm run offline:build)`,
        );
      }
    },
  },
  {
    reads: ["imageMode", "substrate", ...MIRROR_SETTINGS],
    run: (config, report) => {
      for (const setting of ["registryMirror", "releaseMirror"] as const) {
        const value = config.artifacts[setting];
        if (!value) continue;
        if (config.imageMode === "offline") {
          report(
            `artifacts.${setting}`,
            value,
            "imageMode offline pulls and downloads nothing (its images and tools come from npm run offline:build); mirrors serve online mode: empty it, or set imageMode online (or auto)",
          );
        } else if (config.substrate === "kind") {
          report(
            `artifacts.${setting}`,
            value,
            "on the kind substrate the cluster pulls kind's node image and the tigera operator's images itself, and the operator manifest comes from raw.githubusercontent.com, none of them through these mirrors; mirrors serve the docker substrate: empty it",
          );
        }
      }
    },
  },
  {
    // The local build is a node image for this machine's engine, layered on the offline one.
    reads: ["imageMode", "substrate", "artifacts.calicoSource"],
    run: (config, report) => {
      const source = config.artifacts.calicoSource;
      if (!source) return;
      if (config.substrate !== "docker") {
        report(
          "artifacts.calicoSource",
          source,
          `a build from a local tree runs on the docker substrate (its node image lives in this machine's engine), not on ${config.substrate}: empty it, or set substrate docker`,
        );
      } else if (config.imageMode === "online") {
        report(
          "artifacts.calicoSource",
          source,
          "a build from a local tree layers on the offline node image and runs offline; allowed with imageMode offline or auto, not online: empty it, or set imageMode offline",
        );
      }
    },
  },
  {
    // A mirror that would change nothing is a mistake to point out, not to ignore.
    reads: ["artifacts.online", ...MIRROR_SETTINGS],
    run: (config, report) => {
      const { registryMirror, releaseMirror, online } = config.artifacts;
      if (registryMirror && !imagesOf(online).some((image) => registryOf(image) === OFFICIAL_REGISTRY)) {
        report(
          "artifacts.registryMirror",
          registryMirror,
          `it stands in for ${OFFICIAL_REGISTRY}, and no image in artifacts.online is on ${OFFICIAL_REGISTRY}: empty it, or name the images by their ${OFFICIAL_REGISTRY} references`,
        );
      }
      if (releaseMirror && !urlsOf(online).some((url) => url.startsWith(`${OFFICIAL_RELEASE_SITE}/`))) {
        report(
          "artifacts.releaseMirror",
          releaseMirror,
          `it stands in for ${OFFICIAL_RELEASE_SITE}, and no download in artifacts.online is under ${OFFICIAL_RELEASE_SITE}/: empty it, or name the downloads by their ${OFFICIAL_RELEASE_SITE} URLs`,
        );
      }
    },
  },
  {
    reads: ["ipPools", "cni.mtu", "substrate"],
    run: (config, report) => {
      const overhead = encapsulationOverhead(config.ipPools);
      const underlayMtu = underlayMtuFor(config.substrate);
      if (config.cni.mtu !== 0 && config.cni.mtu > underlayMtu - overhead) {
        report(
          "cni.mtu",
          config.cni.mtu,
          `the underlay's MTU is ${underlayMtu} and the pools' encapsulation adds ${overhead} bytes, so full-size packets would be dropped; allowed is 0 (derive it: ${underlayMtu - overhead}) or at most ${underlayMtu - overhead}`,
        );
      }
    },
  },
  {
    reads: ["scenario", "kind.serviceSubnet"],
    run: (config, report) => {
      if (config.substrate === "kind" && !parseCidr(config.kind.serviceSubnet)) {
        report("kind.serviceSubnet", config.kind.serviceSubnet, "allowed is a network in CIDR form such as 10.96.0.0/12");
      }
    },
  },
  ...KIND_CHECKS,
  ...SUBSTRATE_CHECKS,
  ...vppForwardingChecks(nodeNames),
];

/** Splits `a.b[2].c` into `a`, `b`, `2`, `c`. */
function segments(path: string | readonly PropertyKey[]): string[] {
  return typeof path === "string" ? path.split(/[.[\]]+/).filter(Boolean) : path.map(String);
}

/** True when one setting path contains the other (`calico` and `calico.nodes`, `ipPools` and `ipPools[0].cidr`). */
export function pathsOverlap(a: string | readonly PropertyKey[], b: string | readonly PropertyKey[]): boolean {
  const [x, y] = [segments(a), segments(b)];
  const n = Math.min(x.length, y.length);
  return x.slice(0, n).every((key, i) => key === y[i]);
}

/**
 * Checks that need more than one setting at a time; the schema has already checked each alone. Checks
 * that read a setting in `failed` (settings the schema refused, whose values were replaced by defaults)
 * are skipped.
 */
export function crossCheck(config: LabConfig, failed: readonly (readonly PropertyKey[])[] = []): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const report: Report = (setting, value, allowed) => issues.push({ setting, value, allowed });
  for (const check of CHECKS) {
    if (check.reads.some((read) => failed.some((path) => pathsOverlap(read, path)))) continue;
    check.run(config, report);
  }
  return issues;
}

function checkBgp(config: LabConfig, names: readonly string[], report: Report): void {
  const { mode, routeReflectors } = config.bgp;
  if (mode === "routeReflectors" && routeReflectors.length === 0) {
    report("bgp.routeReflectors", routeReflectors, "bgp.mode routeReflectors needs at least one node name here");
  }
  if (mode === "mesh" && routeReflectors.length > 0) {
    report(
      "bgp.routeReflectors",
      routeReflectors,
      "route reflectors are used only with bgp.mode routeReflectors; empty it or change the mode",
    );
  }
  routeReflectors.forEach((reflector, index) => {
    if (!names.includes(reflector)) {
      report(`bgp.routeReflectors[${index}]`, reflector, `allowed are the lab's node names: ${names.join(", ")}`);
    }
  });
  if (mode === "routeReflectors" && routeReflectors.length > 0 && new Set(routeReflectors).size === names.length) {
    report("bgp.routeReflectors", routeReflectors, "at least one node must stay a route reflector client");
  }
}

/**
 * Why an IPv6 pool is refused: every lab's underlay, node addresses and BGP sessions are IPv4, so nothing would
 * route an IPv6 block between nodes (calico-node gets no IP6, bird6 has no peers).
 */
export const IPV6_POOL_REFUSED =
  "IPv6 pools are not supported: the lab's underlay, node addresses and BGP peerings are IPv4 only (calico-node gets no IP6 and bird6 no peers), so an IPv6 block would never be routed between nodes; allowed is an IPv4 network such as 10.1.0.0/16";

function checkPools(config: LabConfig, underlay: Network | undefined, report: Report): void {
  const parsed: Array<{ network: Network; blockSize: number; disabled: boolean; index: number }> = [];
  const names = new Set<string>();
  config.ipPools.forEach((pool, index) => {
    const at = `ipPools[${index}]`;
    if (names.has(pool.name)) report(`${at}.name`, pool.name, "pool names must be unique");
    names.add(pool.name);
    if (pool.ipipMode !== "Never" && pool.vxlanMode !== "Never") {
      report(
        `${at}.vxlanMode`,
        pool.vxlanMode,
        `ipipMode is ${pool.ipipMode}; a pool can use IPIP or VXLAN, not both: set one of them to Never`,
      );
    }
    const network = parseCidr(pool.cidr);
    if (!network) {
      report(`${at}.cidr`, pool.cidr, "allowed is a network in CIDR form with no host bits set, such as 10.1.0.0/16");
      return;
    }
    if (network.version === 6) {
      report(`${at}.cidr`, pool.cidr, IPV6_POOL_REFUSED);
      return;
    }
    const [min, max] = [20, 32];
    if (pool.blockSize < min || pool.blockSize > max) {
      report(`${at}.blockSize`, pool.blockSize, `allowed is ${min} to ${max} for an IPv4 pool`);
      return;
    }
    if (pool.blockSize < network.prefixLength) {
      report(
        `${at}.blockSize`,
        pool.blockSize,
        `a block cannot be larger than its pool ${pool.cidr}: allowed is ${network.prefixLength} to ${max}`,
      );
      return;
    }
    if (underlay && overlaps(network, underlay)) {
      report(`${at}.cidr`, pool.cidr, `overlaps the underlay ${underlay.cidr}; choose a range outside it`);
    }
    for (const other of parsed) {
      if (overlaps(network, other.network)) {
        report(`${at}.cidr`, pool.cidr, `overlaps ipPools[${other.index}] ${other.network.cidr}; pools must not overlap`);
      }
    }
    parsed.push({ network, blockSize: pool.blockSize, disabled: pool.disabled, index });
  });
  if (config.ipPools.length > 0 && config.ipPools.every((pool) => pool.disabled)) {
    report(
      "ipPools",
      config.ipPools.map((p) => p.name),
      "at least one pool must have disabled: false for workloads to get addresses",
    );
  }
}

/** The pools whose CIDR and block size are usable (what checkPools accepts alone). */
function usablePools(config: LabConfig): Array<{ network: Network; blockSize: number; disabled: boolean }> {
  return config.ipPools.flatMap((pool) => {
    const network = parseCidr(pool.cidr);
    if (!network || network.version !== 4) return [];
    const max = 32;
    const min = Math.max(20, network.prefixLength);
    return pool.blockSize >= min && pool.blockSize <= max ? [{ network, blockSize: pool.blockSize, disabled: pool.disabled }] : [];
  });
}

/**
 * Calico hands each node whole blocks; with the blocks shared evenly, a node can hold
 * floor(blocks / nodes) * addressesPerBlock workloads from the enabled IPv4 pools.
 */
function checkWorkloadCapacity(config: LabConfig, report: Report): void {
  const pools = usablePools(config);
  const nodes = BigInt(config.calico.nodes);
  if (nodes < 1n || config.workloads.perNode === 0) return;
  let perNode = 0n;
  for (const pool of pools.filter((p) => !p.disabled && p.network.version === 4)) {
    const { blocks, addressesPerBlock } = blockGeometry(pool.network, pool.blockSize);
    perNode += (blocks / nodes) * addressesPerBlock;
  }
  if (pools.length > 0 && BigInt(config.workloads.perNode) > perNode) {
    report(
      "workloads.perNode",
      config.workloads.perNode,
      `the enabled pools give each of the ${config.calico.nodes} nodes room for ${perNode} workloads (whole blocks shared evenly); allowed is at most ${perNode}`,
    );
  }
}
