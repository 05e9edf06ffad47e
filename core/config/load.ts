import { DEFAULTS } from "./defaults";
import { ConfigError, type ConfigIssue } from "./errors";
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

/** Applies defaults, checks every setting and returns the lab's config, or throws one ConfigError naming each bad setting. */
export function loadLabConfig(raw: RawSettings): LabConfig {
  const merged = mergeSettings(DEFAULTS, raw);
  const parsed = labConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issues: ConfigIssue[] = parsed.error.issues.flatMap((issue) => {
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => ({
          setting: settingName([...issue.path, key]),
          value: valueAt(merged, [...issue.path, key]),
          allowed: issue.message,
        }));
      }
      return [{ setting: settingName(issue.path), value: valueAt(merged, issue.path), allowed: issue.message }];
    });
    throw new ConfigError(issues);
  }
  const config = parsed.data as LabConfig;
  const issues = crossCheck(config);
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
