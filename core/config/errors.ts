/** One bad setting: which key, what value it had, and what is allowed instead. */
export interface ConfigIssue {
  readonly setting: string;
  readonly value: unknown;
  readonly allowed: string;
}

export const CONFIG_NAMESPACE = "calico-lab";

export function describeValue(value: unknown): string {
  if (value === undefined) return "(not set)";
  return JSON.stringify(value);
}

export function formatIssue(issue: ConfigIssue): string {
  return `${CONFIG_NAMESPACE}:${issue.setting} = ${describeValue(issue.value)}: ${issue.allowed}`;
}

/** Raised before any resource exists; its message lists every bad setting, one per line. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const noun = issues.length === 1 ? "setting is" : "settings are";
    super(`${issues.length} lab ${noun} invalid:\n${issues.map((i) => `  - ${formatIssue(i)}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}
