import type { ConfigIssue } from "../../core/config/errors";
import type { LabConfig, Scenario as ScenarioName, Substrate as SubstrateName } from "../../core/config/types";
import type { Scenario } from "../scenarios/scenario";
import { dockerSubstrate } from "../substrates/docker";
import { dockerPreflight } from "../substrates/docker/preflight";
import { kubernetesSubstrate } from "../substrates/kubernetes";
import { kubectlFor, kubernetesPreflight } from "../substrates/kubernetes/preflight";
import { qemuSubstrate } from "../substrates/qemu";
import { qemuPreflight } from "../substrates/qemu/preflight";
import { sshSubstrate } from "../substrates/ssh";
import { sshPreflight } from "../substrates/ssh/preflight";
import type { Substrate } from "../substrates/substrate";
import { kubeconfigPath } from "../../core/substrates/kubernetes/cluster";
import type { Machine } from "./machine";

/** What a substrate may read of the lab's settings and this machine when it is made. */
export interface SubstrateOptions {
  readonly config: LabConfig;
  /** $CALICO_LAB_CACHE. */
  readonly cacheDir: string;
  /** This machine's home folder. */
  readonly home: string;
  /** kubectl on this machine (kubectlFor: the offline build's, else the one on PATH; undefined when there is none). */
  readonly kubectl?: string;
}

/**
 * What a substrate reads of this machine beyond the settings, read once: its machine check and its factory both
 * use it (kubectl's path comes from the artifact manifest).
 */
const MACHINE_READS: Partial<Record<SubstrateName, (config: LabConfig, machine: Machine) => Partial<SubstrateOptions>>> = {
  kubernetes: (config, machine) => ({ kubectl: kubectlFor(config, machine.cacheDir) }),
};

/** The options a substrate's check and factory get on this machine. */
export function substrateOptionsFor(config: LabConfig, machine: Machine): SubstrateOptions {
  return { config, cacheDir: machine.cacheDir, home: machine.home, ...MACHINE_READS[config.substrate]?.(config, machine) };
}

/**
 * The scenarios and substrates the node platform composes (components/lab/node-platform.ts); which pairs a
 * user may ask for is decided by the settings' validation (core/config/validate.ts). kind is a platform of its
 * own (components/substrates/kind/kind-platform.ts): a whole cluster, not nodes. A substrate is made from the settings it needs (the qemu VMs' size, the ssh hosts). A scenario's
 * module is loaded when the lab asks for it: kdd's brings Pulumi's Kubernetes SDK, which a bird lab would
 * load for nothing on every up.
 */
export const LAB_SCENARIOS: Partial<Record<ScenarioName, () => Promise<Scenario>>> = {
  bird: async () => (await import("../scenarios/bird")).birdScenario,
  kdd: async () => (await import("../scenarios/kdd")).kddScenario,
  "vpp-forwarding": async () => (await import("../scenarios/vpp-forwarding")).vppForwardingScenario,
};
export const LAB_SUBSTRATES: Partial<Record<SubstrateName, (options: SubstrateOptions) => Substrate>> = {
  docker: () => dockerSubstrate,
  qemu: ({ config, cacheDir }) => qemuSubstrate({ qemu: config.qemu, cacheDir }),
  ssh: ({ config, home, cacheDir }) => sshSubstrate({ ssh: config.ssh, ipPools: config.ipPools, home, cacheDir }),
  kubernetes: ({ config, home, kubectl }) =>
    kubernetesSubstrate({
      kubernetes: config.kubernetes,
      kubeconfig: kubeconfigPath(config.kubernetes.kubeconfig, process.env, home),
      kubectl: kubectl ?? "kubectl",
      nodeImage: config.artifacts.offline.node,
    }),
};

/**
 * Beside each substrate's factory, its machine check: what this machine lacks for that substrate, named
 * before anything is declared (kind checks its machine when its platform is made, before the lab registers anything).
 */
export const LAB_PREFLIGHTS: Partial<Record<SubstrateName, (options: SubstrateOptions, machine: Machine) => ConfigIssue[]>> = {
  docker: ({ config }, machine) => dockerPreflight(config, machine),
  qemu: (_options, machine) => qemuPreflight(machine),
  ssh: ({ config }, machine) => sshPreflight(config.ssh, machine),
  kubernetes: ({ config, kubectl }, machine) => kubernetesPreflight(config, machine, kubectl),
};
