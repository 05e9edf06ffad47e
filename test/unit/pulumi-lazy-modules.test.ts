import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { labNodeOptions } from "../support/node-options";

// Stands in for Pulumi's entry scripts: requires the two modules as Pulumi's SDK does (TypeScript directly, Arborist
// through TypeScript's `__importStar` helper), then says whether each was loaded by the require, and by a first use.
const PROBE = `
const loaded = (pattern) => Object.keys(require.cache).some((file) => pattern.test(file));
const compiler = /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/;
const arboristLib = /[\\\\/]@npmcli[\\\\/]arborist[\\\\/]lib[\\\\/]index\\.js$/;
const __importStar = (mod) => {
  if (mod && mod.__esModule) return mod;
  const result = {};
  if (mod != null) for (const k in mod) if (k !== "default" && Object.prototype.hasOwnProperty.call(mod, k)) result[k] = mod[k];
  result.default = mod;
  return result;
};
const ts = require("typescript");
const arborist = __importStar(require("@npmcli/arborist"));
const atRequire = { typescript: loaded(compiler), arborist: loaded(arboristLib) };
const source = ts.createSourceFile("x.ts", "const a = 1;", ts.ScriptTarget.Latest).statements.length;
const tree = new arborist.Arborist({ path: __dirname });
console.log(JSON.stringify({
  atRequire,
  atUse: { typescript: loaded(compiler), arborist: loaded(arboristLib) },
  version: ts.version,
  kind: ts.SyntaxKind.Identifier,
  source,
  arborist: typeof tree.loadActual,
}));
`;

const dir = mkdtempSync(join(tmpdir(), "calico-lab-lazy-modules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the probe as the script at `path` (under the temporary folder) with NODE_OPTIONS as scripts/lab.sh sets it. */
function probeAs(path: string) {
  const script = join(dir, path);
  mkdirSync(join(script, ".."), { recursive: true });
  writeFileSync(script, PROBE);
  const result = spawnSync(process.execPath, [script], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: labNodeOptions(""), NODE_PATH: join(__dirname, "..", "..", "node_modules") },
  });
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe("scripts/node/pulumi-node-options.sh, the NODE_OPTIONS of Pulumi's Node processes", () => {
  const preload = join(__dirname, "..", "..", "scripts", "node", "pulumi-lazy-modules.cjs");

  it("preloads the lazy modules, quoted, in front of the caller's own options, and alone when there are none", () => {
    expect(labNodeOptions("--max-old-space-size=512")).toBe(`--require "${preload}" --max-old-space-size=512`);
    expect(labNodeOptions("")).toBe(`--require "${preload}"`);
  });
});

describe("scripts/node/pulumi-lazy-modules.cjs, preloaded into Pulumi's Node processes", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const real = require("typescript") as { version: string; SyntaxKind: { Identifier: number } };

  it("defers TypeScript's compiler and Arborist in the dynamic provider until their first use, then is each module itself", () => {
    expect(probeAs("node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js")).toEqual({
      atRequire: { typescript: false, arborist: false },
      atUse: { typescript: true, arborist: true },
      version: real.version,
      kind: real.SyntaxKind.Identifier,
      source: 1,
      arborist: "function",
    });
  });

  it("defers only Arborist in the language host, which uses TypeScript's compiler to serialize the steps", () => {
    expect(probeAs("node_modules/@pulumi/pulumi/cmd/run/index.js")).toMatchObject({
      atRequire: { typescript: true, arborist: false },
      atUse: { typescript: true, arborist: true },
      version: real.version,
      arborist: "function",
    });
  });

  it("leaves any other process as it was", () => {
    expect(probeAs("node_modules/ts-node/dist/bin.js")).toMatchObject({
      atRequire: { typescript: true, arborist: true },
      version: real.version,
      arborist: "function",
    });
  });
});
