/**
 * docs/settings.md, made from the config schema (core/config/schema.ts: every key, and what is allowed, in
 * the words of the schema's own error messages), the defaults (core/config/defaults.ts) and the prose in
 * this folder. Pure: no Pulumi, no file system; scripts/gen-settings-doc.ts writes the file and
 * test/unit/settings-doc.test.ts fails when the file is not what this returns.
 */
import type { z } from "zod";
import { labConfigSchema } from "../../core/config/schema";
import { DEFAULTS } from "../../core/config/defaults";
import { SETTING_GROUPS } from "./groups";
import { SETTING_NOTES } from "./notes";

/** What docs/settings.md is called by the generator's command and the staleness test. */
export const SETTINGS_DOC_PATH = "docs/settings.md";

/** One row of a group's table. */
interface Row {
  readonly path: string;
  readonly allowed: string;
  readonly defaultValue: string;
}

/** The parts of a zod v4 schema's definition the walk reads. */
interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly defaultValue?: unknown;
  readonly options?: readonly z.ZodType[];
  readonly entries?: Record<string, string>;
  readonly values?: readonly unknown[];
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { def: Def }).def;

/** A setting's default (or any value) as YAML flow text, the way a stack file would write it. */
export function flow(value: unknown): string {
  if (value === "") return '""';
  if (Array.isArray(value)) return `[${value.map(flow).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${flow(v)}`)
      .join(", ")}}`;
  }
  return String(value);
}

const code = (text: string) => `\`${text}\``;
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** What the schema says is allowed, as its own error message says it for a value of the wrong type. */
function allowedBy(schema: z.ZodType): string {
  const def = defOf(schema);
  if (def.type === "default" || def.type === "optional") return allowedBy(def.innerType!);
  if (def.type === "enum") return Object.values(def.entries!).map(code).join(", ");
  if (def.type === "boolean") return "`true`, `false`";
  if (def.type === "array") {
    const each = allowedBy(def.element!);
    const said = schema.safeParse(null);
    const list = said.success ? "a list" : said.error.issues[0]!.message.replace(/^allowed is /, "");
    return `${list}, each ${each.replace(/^`/, "one of `")}`;
  }
  const said = schema.safeParse(null);
  if (said.success) throw new Error(`the schema accepts null where the settings reference expected a refusal`);
  return said.error.issues[0]!.message.replace(/^allowed (is|values are) /, "");
}

const isObject = (schema: z.ZodType) => defOf(schema).type === "object";
const unwrap = (schema: z.ZodType): z.ZodType => {
  const def = defOf(schema);
  return def.type === "default" || def.type === "optional" ? unwrap(def.innerType!) : schema;
};

/** A field of a list's items: its schema default, or that a stack must give it. */
function itemDefault(schema: z.ZodType): string {
  const def = defOf(schema);
  if (def.type === "default") return code(flow(def.defaultValue));
  if (def.type === "optional") return "(none)";
  return "required";
}

/** The rows of one setting and everything under it, in the schema's order. */
function rowsOf(path: string, schema: z.ZodType, defaults: unknown, unions: z.ZodType[]): Row[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === "object") {
    return Object.entries(def.shape!).flatMap(([key, field]) =>
      rowsOf(`${path}.${key}`, field, (defaults as Record<string, unknown>)[key], unions),
    );
  }
  if (def.type === "union" && !unions.includes(inner)) unions.push(inner);
  const row: Row = { path, allowed: allowedBy(schema), defaultValue: code(flow(defaults)) };
  if (def.type === "array" && isObject(def.element!)) {
    const items = Object.entries(defOf(def.element!).shape!).map(([key, field]) => ({
      path: `${path}[].${key}`,
      allowed: allowedBy(field),
      defaultValue: itemDefault(field),
    }));
    return [{ ...row, allowed: "a list of the fields below" }, ...items];
  }
  return [row];
}

/** The note of a row: the entry of SETTING_NOTES whose key (with `*` for any one segment) names it. */
function noteFor(path: string, used: Set<string>): string {
  const segments = (key: string) => key.split(".");
  for (const key of Object.keys(SETTING_NOTES)) {
    const want = segments(key);
    const have = segments(path);
    if (want.length === have.length && want.every((w, i) => w === "*" || w === have[i])) {
      used.add(key);
      return SETTING_NOTES[key]!;
    }
  }
  throw new Error(`setting ${path} has no entry in scripts/settings-doc/notes.ts: add one (empty when there is nothing to add)`);
}

/** One tool source's shape: `{kind: url, url, sha256?, ...}` from the union's options. */
function toolSourceShapes(union: z.ZodType): string[] {
  return defOf(union).options!.map((option) => {
    const fields = Object.entries(defOf(option).shape!).map(([key, field]) => {
      const def = defOf(field);
      if (def.type === "literal") return `${key}: ${String(def.values![0])}`;
      return def.type === "optional" ? `${key}?` : key;
    });
    return code(`{${fields.join(", ")}}`);
  });
}

const INTRO = `Every setting lives in the \`calico-lab\` namespace and is declared, with its type, description and
default, in \`Pulumi.yaml\`. Objects merge field by field, so a stack can set one field of a group
(\`calico-lab:calico: {nodes: 3}\`); lists replace. Every value is checked before any resource exists,
and a key the lab does not know is refused, at the top level (\`calico-lab:bogus\`) as inside a group.
Bad settings fail \`pulumi preview\` (\`npm run lab:preview -- <stack>\`) with one message that names each
setting, its value and what is allowed, all of them in one pass, in the order \`Pulumi.yaml\` declares
them. A stack with

\`\`\`yaml
config:
  calico-lab:bogus: 1
  calico-lab:cni: { mtu: 100 }
  calico-lab:bgp: { mode: routeReflectors, routeReflectors: [calico9] }
  calico-lab:ipPools:
    - { name: p, cidr: 10.1.0.0/16, blockSize: 19, ipipMode: Never, vxlanMode: Never, natOutgoing: true, disabled: false }
\`\`\`

gets

\`\`\`
error: 4 lab settings are invalid:
  - calico-lab:bogus = 1: unknown setting; allowed keys here are scenario, substrate, imageMode, underlay, calico, bgp, etcd, ipPools, cni, workloads, artifacts, kind, vpp, qemu, ssh
  - calico-lab:bgp.routeReflectors[0] = "calico9": allowed are the lab's node names: calico1, calico2
  - calico-lab:ipPools[0].blockSize = 19: allowed is 20 to 32 for an IPv4 pool
  - calico-lab:cni.mtu = 100: allowed is 0 (derived from the underlay and the pools' encapsulation) or an integer from 576 to 9000
\`\`\`

A check that relates several settings is left out only when one of the settings it reads is itself
refused (with \`calico.nodes: 0\`, whether \`calico.names\` has the right length is not asked).

Below, each setting's "Allowed" is what the schema checks on the value alone, in the words of its error
message; "Notes" adds what the lab checks across settings and what the value does.`;

/** The whole of docs/settings.md. */
export function settingsDoc(): string {
  const shape = defOf(labConfigSchema).shape!;
  const groups = Object.keys(SETTING_GROUPS);
  if (groups.join() !== Object.keys(shape).join()) {
    throw new Error(`scripts/settings-doc/groups.ts lists ${groups.join(", ")}; the schema has ${Object.keys(shape).join(", ")}`);
  }
  const used = new Set<string>();
  const unions: z.ZodType[] = [];
  const out = [
    "<!-- Generated by npm run gen:settings-doc from core/config/schema.ts, core/config/defaults.ts and scripts/settings-doc/; edit those, not this. -->",
    "",
    "# Settings reference",
    "",
    INTRO,
    "",
  ];
  for (const key of groups) {
    out.push(`## ${key}`, "", SETTING_GROUPS[key]![1], "");
    out.push("| Setting | Allowed | Default | Notes |", "| --- | --- | --- | --- |");
    for (const row of rowsOf(key, shape[key]!, DEFAULTS[key as keyof typeof DEFAULTS], unions)) {
      out.push(`| ${code(row.path)} | ${cell(row.allowed)} | ${cell(row.defaultValue)} | ${cell(noteFor(row.path, used))} |`);
    }
    out.push("");
  }
  for (const union of unions) {
    out.push("## Tool sources", "", "A tool source is one of (`?`: may be left out):", "");
    out.push(...toolSourceShapes(union).map((shape) => `- ${shape}`), "");
    out.push(
      "`url`: downloaded and verified against `sha256`, or else the release's own checksum file at `checksumUrl` (see [Online mode](online-mode.md)); `archive`: the download is a `.tgz` whose files all go into the tool's directory. `image`: the file at `path` in that image, copied out of it. `go`: built with `go install module@version`. `manifest`: the artifact of that name in the offline build's manifest, checked against the manifest's sha256.",
      "",
    );
  }
  const unused = Object.keys(SETTING_NOTES).filter((key) => !used.has(key));
  if (unused.length > 0) throw new Error(`scripts/settings-doc/notes.ts has notes for no setting: ${unused.join(", ")}`);
  return out.join("\n");
}
