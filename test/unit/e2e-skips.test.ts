import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// An end-to-end case that cannot run on this machine says so (skipped, with the reason); an early `return` would
// report it as passed when it checked nothing.
const E2E = join(__dirname, "..", "e2e");

describe("end-to-end cases never pass silently", () => {
  it("no test file returns early from a case: each uses ctx.skip(reason) or it.skipIf", () => {
    const early = readdirSync(E2E)
      .filter((file) => file.endsWith(".test.ts"))
      .flatMap((file) =>
        readFileSync(join(E2E, file), "utf8")
          .split("\n")
          .map((line, i) => ({ where: `${file}:${i + 1}`, line }))
          .filter(({ line }) => /^\s*if \(.*\)\s*return;/.test(line)),
      )
      .map(({ where, line }) => `${where}: ${line.trim()}`);
    expect(early).toEqual([]);
  });
});
