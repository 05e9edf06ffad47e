/**
 * Vitest global setup of the unit and component tests: when they end, no folder or file of the project's
 * (`calico-lab-*` in the temp folder) that appeared while they ran may be left behind. Tests that make one
 * remove it themselves; this only says which ones did not, and fails the run.
 */
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";

const PREFIX = "calico-lab-";
/** Made by what may run beside the tests on a developer's machine (an end-to-end suite, the bench, a build, the heavy-work lock). */
const NOT_THEIRS = ["calico-lab-e2e-", "calico-lab-bench-", "calico-lab-images-check", "calico-lab-heavy"];

function ours(): Set<string> {
  return new Set(
    readdirSync(tmpdir()).filter((entry) => entry.startsWith(PREFIX) && !NOT_THEIRS.some((prefix) => entry.startsWith(prefix))),
  );
}

export default function setup(): () => void {
  const before = ours();
  return () => {
    const left = [...ours()].filter((entry) => !before.has(entry)).sort();
    if (left.length > 0) {
      throw new Error(`the tests left ${left.length} temporary item(s) in ${tmpdir()}: ${left.join(", ")}`);
    }
  };
}
