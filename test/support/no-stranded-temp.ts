/**
 * Vitest global setup of the unit and component tests: they run with a temporary folder of their own
 * (TMPDIR, which the workers and every command they start inherit), and when they end no folder or file of
 * the project's (`calico-lab-*`) may be left in it. Tests that make one remove it themselves; this only says
 * which ones did not, and fails the run. A folder of its own per run, so that another run on the same
 * machine (a developer's `npm test` beside CI, an end-to-end suite, a build) neither trips the check nor
 * hides a leak from it. What other tools keep there (a compile cache) is not the tests' to remove.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PREFIX = "calico-lab-";
/** Set by the first project's setup; the other projects of the same run share its folder. */
const RUN_TMPDIR = "CALICO_LAB_TEST_TMPDIR";

export default function setup(): (() => void) | undefined {
  if (process.env[RUN_TMPDIR]) return undefined;
  const outer = tmpdir();
  const own = mkdtempSync(join(outer, "calico-lab-tests-"));
  process.env[RUN_TMPDIR] = own;
  process.env.TMPDIR = own;
  return () => {
    process.env.TMPDIR = outer;
    delete process.env[RUN_TMPDIR];
    const left = readdirSync(own)
      .filter((entry) => entry.startsWith(PREFIX))
      .sort();
    rmSync(own, { recursive: true, force: true });
    if (left.length > 0) {
      throw new Error(`the tests left ${left.length} temporary item(s) in their temporary folder (now removed): ${left.join(", ")}`);
    }
  };
}
