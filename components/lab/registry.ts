import type { LabConfig, Scenario as ScenarioName, Substrate as SubstrateName } from "../../core/config/types";
import type { Scenario } from "../scenarios/scenario";
import { dockerSubstrate } from "../substrates/docker";
import { qemuSubstrate } from "../substrates/qemu";
import { sshSubstrate } from "../substrates/ssh";
import type { Substrate } from "../substrates/substrate";

/** What a substrate may read of the lab's settings and this machine when it is made. */
export interface SubstrateOptions {
  readonly config: LabConfig;
  /** $CALICO_LAB_CACHE. */
  readonly cacheDir: string;
  /** This machine's home folder. */
  readonly home: string;
}

/**
 * The scenarios and substrates the CalicoLab composes; which pairs a user may ask for is decided by the
 * settings' validation (core/config/validate.ts). kind is a lab of its own (KindLab): a whole cluster,
 * not nodes. A substrate is made from the settings it needs (the qemu VMs' size, the ssh hosts). A scenario's
 * module is loaded when the lab asks for it: kdd's brings Pulumi's Kubernetes SDK, which a bird lab would
 * load for nothing on every up (about 0.2 s of the program's start on 2 cores).
 */
export const LAB_SCENARIOS: Partial<Record<ScenarioName, () => Promise<Scenario>>> = {
  bird: async () => (await import("../scenarios/bird")).birdScenario,
  kdd: async () => (await import("../scenarios/kdd")).kddScenario,
};
export const LAB_SUBSTRATES: Partial<Record<SubstrateName, (options: SubstrateOptions) => Substrate>> = {
  docker: () => dockerSubstrate,
  qemu: ({ config, cacheDir }) => qemuSubstrate({ qemu: config.qemu, cacheDir }),
  ssh: ({ config, home }) => sshSubstrate({ ssh: config.ssh, ipPools: config.ipPools, home }),
};
