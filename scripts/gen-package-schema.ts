/** Writes docs/package-schema.json: the schema the calicolab package reports, as gen:settings-doc writes docs/settings.md. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_SCHEMA_PATH, packageSchema, schemaText } from "./package/schema";

void packageSchema().then((schema) => writeFileSync(join(__dirname, "..", PACKAGE_SCHEMA_PATH), schemaText(schema)));
