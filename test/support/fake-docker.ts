import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";

/**
 * A `docker` first on PATH for the current test only, which appends its arguments to a log (a line a call) and then runs
 * `behaviour` (sh, with `$state` a folder of its own). Returns the calls so far, one line each.
 */
export function fakeDocker(behaviour = "exit 0"): () => string[] {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-docker-"));
  const log = join(dir, "calls");
  writeFileSync(log, "");
  writeFileSync(
    join(dir, "docker"),
    `#!/bin/sh\nstate=${JSON.stringify(dir)}\nprintf '%s\\n' "$(printf '%s' "$*" | tr '\\n' ' ')" >> "$state/calls"\n${behaviour}\n`,
  );
  chmodSync(join(dir, "docker"), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path ?? ""}`;
  onTestFinished(() => {
    process.env.PATH = path;
    rmSync(dir, { recursive: true, force: true });
  });
  return () => readFileSync(log, "utf8").split("\n").filter(Boolean);
}
