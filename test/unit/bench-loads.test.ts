import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The bench runs outside vitest (ts-node) and shares test/e2e/live.ts with the suites: nothing it loads may
// import vitest, which refuses to be required outside a test run (a helper once moved `expect` there).
describe("npm run bench", () => {
  it("loads its modules outside vitest and refuses a bad argument before any lab exists", () => {
    const root = join(__dirname, "..", "..");
    const result = spawnSync(join(root, "node_modules", ".bin", "ts-node"), ["--transpile-only", "bench/run.ts", "--runs", "0"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    const said = `${result.stdout}${result.stderr}`;
    expect(said).not.toContain("Vitest cannot be imported");
    expect(result.status, said).toBe(1);
    // The argument is refused before the prerequisites are asked (CI runs this before dockerd starts).
    expect(said).toContain("--runs takes a whole number of runs");
  }, 60_000);
});
