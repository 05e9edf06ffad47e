import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";

// scripts/lab.sh's stack lookup (scripts/lib/stacks.sh) under bash, with a stand-in `pulumi`.
const LIB = join(__dirname, "..", "..", "scripts", "lib", "stacks.sh");

function lookup(pulumi: string, stack = "bird") {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-stacks-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "bin", "pulumi"), `#!/bin/bash\n${pulumi}\n`);
  chmodSync(join(dir, "bin", "pulumi"), 0o755);
  const script = `set -euo pipefail\n. ${LIB}\nif lab_stack_exists ${stack}; then echo exists; else echo absent; fi`;
  const r = spawnSync("/bin/bash", ["--norc", "-c", script], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH ?? ""}`, PULUMI_BACKEND_URL: "file:///state" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("lab.sh: does the stack exist", () => {
  it("reads the backend's list", () => {
    expect(lookup(`echo '[{"name": "bird", "current": false}]'`).stdout).toBe("exists\n");
    expect(lookup(`echo '[{"name": "kdd", "current": false}]'`).stdout).toBe("absent\n");
    expect(lookup("echo '[]'").stdout).toBe("absent\n");
  });

  it("a failing pulumi stack ls stops the run, saying what failed, never reads as no stack", () => {
    const r = lookup("echo 'error: could not read file:///state: permission denied' >&2; exit 255");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "calico-lab: cannot list the stacks on file:///state (pulumi stack ls failed):\nerror: could not read file:///state: permission denied\n",
    );
  });
});
