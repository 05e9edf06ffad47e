import type { Scenario as ScenarioName, Substrate as SubstrateName } from "../../core/config/types";
import { birdScenario } from "../scenarios/bird";
import { kddScenario } from "../scenarios/kdd";
import type { Scenario } from "../scenarios/scenario";
import { dockerSubstrate } from "../substrates/docker";
import type { Substrate } from "../substrates/substrate";

/**
 * The scenarios and substrates the CalicoLab composes; which pairs a user may ask for is decided by the
 * settings' validation (core/config/validate.ts). kind is a lab of its own (KindLab): a whole cluster,
 * not nodes.
 */
export const LAB_SCENARIOS: Partial<Record<ScenarioName, Scenario>> = { bird: birdScenario, kdd: kddScenario };
export const LAB_SUBSTRATES: Partial<Record<SubstrateName, Substrate>> = { docker: dockerSubstrate };
