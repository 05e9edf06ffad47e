import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { labConfigSchema } from "../../core/config/schema";
import { flow, SETTINGS_DOC_PATH, settingsDoc } from "../../scripts/settings-doc/render";

const root = join(__dirname, "..", "..");

describe("the settings reference (docs/settings.md)", () => {
  it("is what npm run gen:settings-doc makes from the schema and the defaults now", () => {
    const onDisk = readFileSync(join(root, SETTINGS_DOC_PATH), "utf8");
    // A failure here means the schema, the defaults or scripts/settings-doc/ changed: run npm run gen:settings-doc.
    expect(onDisk === settingsDoc(), `${SETTINGS_DOC_PATH} is stale: run npm run gen:settings-doc`).toBe(true);
  });

  it("has a section per top-level setting and a row per setting, in the schema's order", () => {
    const text = settingsDoc();
    const sections = [...text.matchAll(/^## (\S+)$/gm)].map((m) => m[1]);
    expect(sections).toEqual(Object.keys(labConfigSchema.shape));
    for (const row of ["`calico.nodes` | an integer from 1 to 250 | `2`", "`ssh.hosts[].port` | an integer from 1 to 65535 | `22`"]) {
      expect(text).toContain(`| ${row} |`);
    }
    expect(text).toContain("| `bgp.mode` | `mesh`, `routeReflectors` | `mesh` |");
  });

  it("writes values as a stack file's YAML flow would", () => {
    expect(flow("")).toBe('""');
    expect(flow([])).toBe("[]");
    expect(flow({ kind: "go", module: "m", version: "v1" })).toBe("{kind: go, module: m, version: v1}");
    expect(flow([{ a: 1, b: true }])).toBe("[{a: 1, b: true}]");
  });
});
