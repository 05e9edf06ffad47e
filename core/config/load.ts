import { DEFAULTS } from "./defaults";
import { CONFIG_NAMESPACE, ConfigError, type ConfigIssue } from "./errors";
import { SETTING_KEYS } from "./keys";
import { labConfigSchema } from "./schema";
import type { LabConfig } from "./types";
import { crossCheck } from "./validate";

/** Raw settings as read from the stack: top-level keys to parsed JSON values; absent keys are undefined. */
export type RawSettings = Readonly<Record<string, unknown>>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Objects merge key by key so a stack can set one field of a group; lists and scalars replace. */
export function mergeSettings(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeSettings(base[key], value);
  return merged;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function settingName(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (name, key) => (typeof key === "number" ? `${name}[${key}]` : name ? `${name}.${String(key)}` : String(key)),
    "",
  );
}

/**
 * The lab's settings from Pulumi's whole configuration map (`namespace:key` to its text, as
 * `pulumi.runtime.allConfig()` gives it): every key of the lab's namespace, known or not, so an unknown
 * one is refused rather than ignored. Values are JSON, or plain strings such as `scenario: bird`.
 */
export function settingsFromConfig(all: Readonly<Record<string, string>>, namespace: string = CONFIG_NAMESPACE): RawSettings {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(`${namespace}:`)) continue;
    const key = fullKey.slice(namespace.length + 1);
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text;
    }
  }
  return raw;
}

function isIndex(key: PropertyKey, container: unknown): boolean {
  return Array.isArray(container) && typeof key === "number";
}

/**
 * Puts the default back where the schema refused a value (at the deepest part of `path` that has a
 * default: a field, a list entry, or the whole group), and returns where it did.
 */
function restoreDefault(root: Record<string, unknown>, path: readonly PropertyKey[]): readonly PropertyKey[] {
  for (let length = path.length; length > 0; length--) {
    const at = path.slice(0, length);
    const fallback = valueAt(DEFAULTS, at);
    const parent = valueAt(root, at.slice(0, -1));
    const key = at[length - 1] as PropertyKey;
    if (fallback === undefined || parent === null || typeof parent !== "object") continue;
    if (Array.isArray(parent) && !isIndex(key, parent)) continue;
    (parent as Record<PropertyKey, unknown>)[key] = structuredClone(fallback);
    return at;
  }
  return path;
}

function removeKey(root: unknown, path: readonly PropertyKey[], key: string): void {
  const parent = valueAt(root, path);
  if (isPlainObject(parent)) delete parent[key];
}

/** Issues in the order Pulumi.yaml declares the settings (unknown top-level keys first); within a setting as found. */
function inSettingOrder(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const rank = (issue: ConfigIssue) => SETTING_KEYS.indexOf(issue.setting.split(/[.[]/)[0] as (typeof SETTING_KEYS)[number]);
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => rank(a.issue) - rank(b.issue) || a.index - b.index)
    .map(({ issue }) => issue);
}

/**
 * Applies defaults, checks every setting and returns the lab's config, or throws one ConfigError naming
 * every bad setting. One pass: where the schema refuses a value, the default stands in for it and the
 * checks across settings still run, except those that read a refused setting.
 */
export function loadLabConfig(raw: RawSettings): LabConfig {
  const merged = mergeSettings(DEFAULTS, raw) as Record<string, unknown>;
  const parsed = labConfigSchema.safeParse(merged);
  if (parsed.success) {
    const issues = crossCheck(parsed.data as LabConfig);
    if (issues.length > 0) throw new ConfigError(inSettingOrder(issues));
    return parsed.data as LabConfig;
  }

  const issues: ConfigIssue[] = [];
  const repaired = structuredClone(merged);
  const refused: (readonly PropertyKey[])[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        issues.push({ setting: settingName([...issue.path, key]), value: valueAt(merged, [...issue.path, key]), allowed: issue.message });
        removeKey(repaired, issue.path, key);
      }
      continue;
    }
    issues.push({ setting: settingName(issue.path), value: valueAt(merged, issue.path), allowed: issue.message });
    refused.push(restoreDefault(repaired, issue.path));
  }
  const second = labConfigSchema.safeParse(repaired);
  if (second.success) issues.push(...crossCheck(second.data as LabConfig, refused));
  throw new ConfigError(inSettingOrder(issues));
}
