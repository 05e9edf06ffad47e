import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { labNameFor } from "../../core/config/keys";

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

function bash(script: string) {
  const r = spawnSync("/bin/bash", ["--norc", "-c", `set -euo pipefail\n. ${LIB}\n${script}`], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("lab.sh: the file backend's folder and its repair after a killed pulumi", () => {
  it("the folder of a file:// URL, its query dropped; nothing for another backend", () => {
    expect(bash("lab_state_dir 'file:///home/u/.cache/calico-lab/state?metadata=skip'").stdout).toBe("/home/u/.cache/calico-lab/state\n");
    expect(bash("lab_state_dir file:///srv/state").stdout).toBe("/srv/state\n");
    expect(bash("lab_state_dir s3://bucket/state").stdout).toBe("");
  });

  it("removes the metadata sidecars a kill left empty, naming each, and keeps every other file", () => {
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-state-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const stacks = join(dir, ".pulumi", "stacks", "calico-lab");
    mkdirSync(stacks, { recursive: true });
    writeFileSync(join(stacks, "bird.json"), "{}");
    writeFileSync(join(stacks, "bird.json.attrs"), "");
    writeFileSync(join(stacks, "kdd.json.attrs"), '{"user.cache_control":""}\n');
    const r = bash(`lab_state_repair ${dir}; ls ${stacks}`);
    expect(r.stdout).toBe("bird.json\nkdd.json.attrs\n");
    expect(r.stderr).toBe(
      `calico-lab: removing ${stacks}/bird.json.attrs, left empty by an interrupted pulumi (it made its stack unreadable: EOF)\n`,
    );
    expect(bash(`lab_state_repair ${join(dir, "none")}`).code).toBe(0);
  });
});

describe("lab.sh down: the sweep's lab name is the program's", () => {
  it("lab_name_for (scripts/lib/sweep.sh) names a stack's lab as labNameFor does", () => {
    const stacks = ["bird", "e2e-kill-mxd7cuta", "My_Stack.v2", "a--b"];
    const r = spawnSync(
      "/bin/bash",
      [
        "--norc",
        "-c",
        `. ${join(__dirname, "..", "..", "scripts", "lib", "sweep.sh")}; for s in "$@"; do lab_name_for "$s"; done`,
        "_",
        ...stacks,
      ],
      {
        encoding: "utf8",
      },
    );
    expect(r.stdout).toBe(stacks.map((s) => `${labNameFor(s)}\n`).join(""));
  });
});
