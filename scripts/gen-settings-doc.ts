/** Writes docs/settings.md from the config schema and defaults (scripts/settings-doc/render.ts), as gen:pulumi-yaml writes Pulumi.yaml. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS_DOC_PATH, settingsDoc } from "./settings-doc/render";

writeFileSync(join(__dirname, "..", SETTINGS_DOC_PATH), settingsDoc());
