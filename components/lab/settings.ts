import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../core/config/errors";
import { loadLabConfig, settingsFromConfig, type RawSettings } from "../../core/config/load";
import type { LabConfig } from "../../core/config/types";

/**
 * Settings checked as a stack's are, whoever gives them (a stack's config, the package's inputs). A bad setting
 * is a RunError, printed without a stack trace: the message already names each bad setting, its value and what
 * is allowed.
 */
export function checkedLabConfig(raw: RawSettings): LabConfig {
  try {
    return loadLabConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

/**
 * The lab's settings from the stack's config (every key in the calico-lab namespace, known or not:
 * pulumi.Config can only get keys by name), checked.
 */
export function labSettings(): LabConfig {
  return checkedLabConfig(settingsFromConfig(pulumi.runtime.allConfig()));
}
