import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../../core/config/types";
import type { Scenario } from "../scenarios/scenario";
import type { kindPlatform } from "../substrates/kind/kind-platform";
import type { runKindPreflight } from "../substrates/kind/preflight";
import type { Machine } from "./machine";
import { nodePlatform } from "./node-platform";
import type { LabPlatform } from "./platform";
import { labPreflight } from "./preflight";
import { LAB_SUBSTRATES, substrateOptionsFor } from "./registry";

/** A kind lab was a component of its own (KindLab): its stacks keep their resources through this alias. */
export const KIND_LAB_ALIASES: pulumi.Alias[] = [{ type: "calicolab:index:KindLab" }];

/** kind's platform and its machine check: they bring Pulumi's Kubernetes SDK, so a program loads them only for kind. */
export interface KindModule {
  readonly kindPlatform: typeof kindPlatform;
  readonly runKindPreflight: typeof runKindPreflight;
}

/** The code a lab's platform is made of, loaded by the caller: kind's, or the scenario's for the node platform. */
export interface LabModules {
  readonly kind?: KindModule;
  readonly scenario?: Scenario;
}

/** Where the lab is declared: its name, the stack whose name labels what it makes, and the machine. */
export interface LabPlace {
  readonly lab: string;
  readonly stack: pulumi.Input<string>;
  readonly machine: Machine;
  readonly manifestPath: string;
}

/**
 * The lab's platform for resolved settings: kind is a Kubernetes cluster running Calico, which checks its machine
 * when it is made; every other substrate composes the scenario with it, after its checks.
 */
export function labPlatformFor(config: LabConfig, place: LabPlace, modules: LabModules): LabPlatform {
  const { machine, manifestPath } = place;
  if (config.substrate === "kind") {
    if (!modules.kind) throw new Error("kind's module was not loaded");
    const { kindPlatform, runKindPreflight } = modules.kind;
    return kindPlatform({ config, lab: place.lab, cacheDir: machine.cacheDir, manifestPath, preflight: runKindPreflight });
  }
  const options = substrateOptionsFor(config, machine);
  labPreflight(options, machine, manifestPath);
  const makeSubstrate = LAB_SUBSTRATES[config.substrate];
  if (!modules.scenario || !makeSubstrate) {
    throw new pulumi.RunError(`scenario ${config.scenario} on substrate ${config.substrate} is not built yet`);
  }
  const substrate = makeSubstrate(options);
  return nodePlatform({ config, stack: place.stack, cacheDir: machine.cacheDir, manifestPath, scenario: modules.scenario, substrate });
}
