import { join } from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { CalicoLab } from "../../package/calico-lab";

/** Where the package's schema is kept, for readers and for the drift test. */
export const PACKAGE_SCHEMA_PATH = "docs/package-schema.json";

export const PACKAGE_DIR = join(__dirname, "..", "..", "package");

/** The schema the calicolab package reports (what `pulumi package get-schema` prints), as the host makes it. */
export async function packageSchema(): Promise<Record<string, unknown>> {
  const provider = new ComponentProvider({ name: "calicolab", dirname: PACKAGE_DIR, components: [CalicoLab] });
  return JSON.parse(await provider.getSchema()) as Record<string, unknown>;
}

/** The schema as the docs keep it: two-space JSON and a final newline. */
export function schemaText(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
