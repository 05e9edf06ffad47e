import { homedir } from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { CalicoLab } from "./components/lab/calico-lab";
import { KIND_LAB_ALIASES, labPlatformFor, type LabModules } from "./components/lab/lab-platform";
import type { Machine } from "./components/lab/machine";
import type { LabOutputs } from "./components/lab/outputs";
import { LAB_SCENARIOS } from "./components/lab/registry";
import { resolveOnMachine } from "./components/lab/resolve";
import { stackOutputs } from "./components/lab/stack-outputs";
import { defaultCacheDir, labNameFor } from "./core/config/keys";
import type { LabConfig } from "./core/config/types";

/**
 * The program, once index.ts has declared the provider of the lab's steps: the settings resolved on this machine
 * (image mode, the Calico nodes' start wave from its cores, a local Calico build), the lab (a scenario on a substrate, or a kind cluster) with every step on
 * that provider, and the stack's outputs.
 */
export async function runProgram(loaded: LabConfig, steps: pulumi.ProviderResource): Promise<Record<string, unknown>> {
  const machine: Machine = { cacheDir: defaultCacheDir(process.env, homedir()), home: homedir(), labName: labNameFor(pulumi.getStack()) };
  const { config, manifestPath, calico } = resolveOnMachine(loaded, machine);
  const lab = await declareLab(config, machine, manifestPath, steps);
  return stackOutputs(config, lab, calico);
}

/**
 * The code the lab's platform needs, loaded only when asked for: kind's brings Pulumi's Kubernetes SDK, and each
 * scenario's module its own, which a bird lab would load for nothing on every up.
 */
async function loadModules(config: LabConfig): Promise<LabModules> {
  if (config.substrate === "kind") {
    const [{ kindPlatform }, { runKindPreflight }] = await Promise.all([
      import("./components/substrates/kind/kind-platform"),
      import("./components/substrates/kind/preflight"),
    ]);
    return { kind: { kindPlatform, runKindPreflight } };
  }
  const scenario = await LAB_SCENARIOS[config.scenario]?.();
  return scenario ? { scenario } : {};
}

/** One lab on its platform. Stacks made when kind had a lab component of its own keep their resources. */
async function declareLab(config: LabConfig, machine: Machine, manifestPath: string, steps: pulumi.ProviderResource): Promise<LabOutputs> {
  const modules = await loadModules(config);
  const platform = labPlatformFor(config, { lab: machine.labName, stack: pulumi.getStack(), machine, manifestPath }, modules);
  const opts = { providers: [steps] };
  return new CalicoLab(machine.labName, { platform }, config.substrate === "kind" ? { ...opts, aliases: KIND_LAB_ALIASES } : opts);
}
