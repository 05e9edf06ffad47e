import type { LabConfig } from "./types";

/** How a check says a setting is wrong: the setting, its value, and what is allowed. */
export type Report = (setting: string, value: unknown, allowed: string) => void;

/**
 * A check that needs more than one setting at a time. `reads` names every setting it looks at (a group
 * such as `calico` covers its fields), so that it can be skipped when one of them already failed the
 * schema: its verdict on a value that is known to be wrong would only add noise.
 */
export interface CrossCheck {
  readonly reads: readonly string[];
  readonly run: (config: LabConfig, report: Report) => void;
}
