import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { LAB_SCENARIOS } from "../../components/lab/registry";
import type { StackOutputs } from "../../components/lab/outputs";
import { labConfigSchema } from "../../core/config/schema";
import { PACKAGE_SCENARIOS } from "../../package/calico-lab";
import { PACKAGE_SCHEMA_PATH, packageSchema, schemaText } from "../../scripts/package/schema";

const root = join(__dirname, "..", "..");
const LAB_TYPE = "calicolab:index:CalicoLab";

/** The settings the package leaves to the stack program: per image mode, unions of tool sources a schema cannot say. */
const STACK_ONLY = ["artifacts.online", "artifacts.offline"];
/** The package's own input: a stack's lab is named after the stack. */
const PACKAGE_ONLY = ["labName"];

interface SchemaProperty {
  readonly type?: string;
  readonly $ref?: string;
  readonly items?: SchemaProperty;
}
interface SchemaType {
  readonly properties: Record<string, SchemaProperty>;
}
interface PackageSchema {
  readonly resources: Record<string, { inputProperties: Record<string, SchemaProperty>; properties: Record<string, SchemaProperty> }>;
  readonly types: Record<string, SchemaType>;
}

/** Every setting path the schema's inputs reach (`bgp.mode`, `ipPools[].cidr`). */
function schemaPaths(schema: PackageSchema, properties: Record<string, SchemaProperty>, prefix = ""): string[] {
  return Object.entries(properties).flatMap(([key, property]) => {
    const path = `${prefix}${key}`;
    const item = property.type === "array" ? property.items : property;
    const ref = item?.$ref?.replace("#/types/", "");
    const nested = ref ? schema.types[ref] : undefined;
    const at = property.type === "array" ? `${path}[]` : path;
    return nested ? schemaPaths(schema, nested.properties, `${at}.`) : [at];
  });
}

/** Every setting path the settings' zod schema has. */
function settingPaths(schema: z.ZodType, prefix = ""): string[] {
  const def = (
    schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType> } } }
  )._zod.def;
  if (def.type === "default" || def.type === "optional") return settingPaths(def.innerType as z.ZodType, prefix);
  if (def.type === "array" && def.element) return settingPaths(def.element, `${prefix}[]`);
  if (def.type !== "object" || !def.shape) return [prefix];
  return Object.entries(def.shape).flatMap(([key, field]) => settingPaths(field, prefix ? `${prefix}.${key}` : key));
}

describe("the calicolab package's schema", () => {
  let schema: PackageSchema;
  beforeAll(async () => {
    schema = (await packageSchema()) as unknown as PackageSchema;
  });

  it(`is the one kept in ${PACKAGE_SCHEMA_PATH}`, () => {
    const onDisk = readFileSync(join(root, PACKAGE_SCHEMA_PATH), "utf8");
    // A failure here means package/ changed its inputs or outputs: run npm run gen:package-schema, and say so in package/CHANGELOG.md.
    expect(
      onDisk === schemaText(schema as unknown as Record<string, unknown>),
      `${PACKAGE_SCHEMA_PATH} is stale: run npm run gen:package-schema`,
    ).toBe(true);
  });

  it("takes every setting a stack takes, and nothing else, but the stack program's own", () => {
    const inputs = schemaPaths(schema, schema.resources[LAB_TYPE]?.inputProperties ?? {})
      .filter((path) => !PACKAGE_ONLY.includes(path))
      .sort();
    const settings = settingPaths(labConfigSchema).filter((path) => !STACK_ONLY.some((only) => path.startsWith(`${only}.`)));
    expect(inputs).toEqual([...settings].sort());
  });

  it("reports the stack outputs contract", () => {
    const contract: Record<keyof StackOutputs, true> = {
      scenario: true,
      imageMode: true,
      etcd: true,
      calico: true,
      nodes: true,
      ipPools: true,
      cniConfig: true,
      bgpTopology: true,
      diagram: true,
      kubeconfig: true,
    };
    expect(Object.keys(schema.resources[LAB_TYPE]?.properties ?? {}).sort()).toEqual(Object.keys(contract).sort());
  });

  it("serves the scenarios the program does", () => {
    expect(Object.keys(PACKAGE_SCENARIOS).sort()).toEqual(Object.keys(LAB_SCENARIOS).sort());
  });
});
