import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../core/config/errors";
import { loadLabConfig, settingsFromConfig } from "../../core/config/load";
import type { LabConfig } from "../../core/config/types";

/**
 * The lab's settings from the stack's config (every key in the calico-lab namespace, known or not:
 * pulumi.Config can only get keys by name), checked. A bad setting is a RunError, printed without a stack
 * trace: the message already names each bad setting, its value and what is allowed.
 */
export function labSettings(): LabConfig {
  try {
    return loadLabConfig(settingsFromConfig(pulumi.runtime.allConfig()));
  } catch (error) {
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
