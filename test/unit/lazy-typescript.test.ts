import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { labNodeOptions, repoRoot } from "../e2e/live";

// Stands in for Pulumi's entry scripts: says whether TypeScript's compiler was loaded by the require, and by a first use.
const PROBE = `
const loaded = () => Object.keys(require.cache).some((file) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(file));
const ts = require("typescript");
const atRequire = loaded();
const version = ts.version;
const kind = ts.SyntaxKind.Identifier;
const source = ts.createSourceFile("x.ts", "const a = 1;", ts.ScriptTarget.Latest).statements.length;
console.log(JSON.stringify({ atRequire, atUse: loaded(), version, kind, source, keys: Object.keys(ts).length > 100 }));
`;

const dir = mkdtempSync(join(tmpdir(), "calico-lab-lazy-typescript-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the probe as the script at `path` (under the temporary folder) with NODE_OPTIONS as scripts/lab.sh sets it. */
function probeAs(path: string) {
  const script = join(dir, path);
  mkdirSync(join(script, ".."), { recursive: true });
  writeFileSync(script, PROBE);
  const result = spawnSync(process.execPath, [script], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: labNodeOptions(""), NODE_PATH: join(repoRoot, "node_modules") },
  });
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe("scripts/node/lazy-typescript.cjs, preloaded into Pulumi's processes", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const real = require("typescript") as { version: string; SyntaxKind: { Identifier: number } };

  it("defers TypeScript's compiler in the dynamic provider until its first use, then is the compiler itself", () => {
    expect(probeAs("node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js")).toEqual({
      atRequire: false,
      atUse: true,
      version: real.version,
      kind: real.SyntaxKind.Identifier,
      source: 1,
      keys: true,
    });
  });

  it("leaves every other process as it was: the language host loads the compiler when it asks for it", () => {
    expect(probeAs("node_modules/@pulumi/pulumi/cmd/run/index.js")).toMatchObject({ atRequire: true, version: real.version });
  });
});
