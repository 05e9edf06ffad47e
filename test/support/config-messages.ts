import { expect } from "vitest";
import { ConfigError } from "../../core/config/errors";
import { loadLabConfig } from "../../core/config/load";

/** What loading these settings says, one line per refused setting (`setting = value: allowed`); throws when they load. */
export function messages(raw: Record<string, unknown>): string[] {
  try {
    loadLabConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((i) => `${i.setting} = ${JSON.stringify(i.value)}: ${i.allowed}`);
  }
  throw new Error("expected the settings to be rejected");
}
