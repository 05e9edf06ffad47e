import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";

// scripts/lab.sh's state passphrase (scripts/lib/passphrase.sh) under bash, with a stand-in `pulumi` whose
// `stack export --show-secrets` opens a stack only with the passphrase it was made with ($MADE_WITH).
const LIB = join(__dirname, "..", "..", "scripts", "lib", "passphrase.sh");

function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-passphrase-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "bin"));
  const pulumi = join(dir, "bin", "pulumi");
  writeFileSync(
    pulumi,
    '#!/bin/bash\ngiven=${PULUMI_CONFIG_PASSPHRASE-}\n[ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] && given=$(cat "$PULUMI_CONFIG_PASSPHRASE_FILE")\n[ "$given" = "$MADE_WITH" ]\n',
  );
  chmodSync(pulumi, 0o755);
  const file = join(dir, "cache", "state-passphrase");
  const run = (script: string, env: Record<string, string> = {}) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PULUMI_CONFIG_PASSPHRASE")));
    const result = spawnSync("/bin/bash", ["--norc", "-c", `set -euo pipefail\n. ${LIB}\n${script}`], {
      encoding: "utf8",
      env: { ...clean, PATH: `${join(dir, "bin")}:${process.env.PATH ?? ""}`, ...env },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  return { file, run };
}

const SHOW = 'echo "file=${PULUMI_CONFIG_PASSPHRASE_FILE:-} pass=${PULUMI_CONFIG_PASSPHRASE-unset}"';

describe("the state passphrase", () => {
  it("is made at random on first use, in a 0600 file, and the same one is used afterwards", () => {
    const { file, run } = sandbox();
    const first = run(`lab_passphrase ${file}\n${SHOW}`);
    expect(first.stdout).toBe(`file=${file} pass=unset\n`);
    const made = readFileSync(file, "utf8");
    expect(made.length).toBeGreaterThanOrEqual(40);
    expect(made).not.toContain("calico-lab");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    run(`lab_passphrase ${file}`);
    expect(readFileSync(file, "utf8")).toBe(made);
    const other = sandbox();
    other.run(`lab_passphrase ${other.file}`);
    expect(readFileSync(other.file, "utf8")).not.toBe(made);
  });

  it("the user's own passphrase or passphrase file wins, and no file is made", () => {
    const { file, run } = sandbox();
    expect(run(`lab_passphrase ${file}\n${SHOW}`, { PULUMI_CONFIG_PASSPHRASE: "mine" }).stdout).toBe("file= pass=mine\n");
    expect(run(`lab_passphrase ${file}\n${SHOW}`, { PULUMI_CONFIG_PASSPHRASE_FILE: "/my/file" }).stdout).toBe("file=/my/file pass=unset\n");
    expect(existsSync(file)).toBe(false);
  });

  it("a stack made under the old default stays readable with it, and the message says how to move it", () => {
    const { file, run } = sandbox();
    const old = run(`lab_passphrase ${file}\nlab_passphrase_for_stack bird /work/stack-config\n${SHOW}`, { MADE_WITH: "calico-lab" });
    expect(old.code).toBe(0);
    expect(old.stdout).toBe("file= pass=calico-lab\n");
    expect(old.stderr).toContain("stack bird was made with the old default passphrase 'calico-lab'");
    expect(old.stderr).toContain(
      "PULUMI_CONFIG_PASSPHRASE=calico-lab \\\n    pulumi stack change-secrets-provider passphrase --stack bird --cwd '/work/stack-config'",
    );
  });

  it("a stack made with the generated passphrase keeps it, silently", () => {
    const { file, run } = sandbox();
    run(`lab_passphrase ${file}`);
    const made = readFileSync(file, "utf8");
    const own = run(`lab_passphrase ${file}\nlab_passphrase_for_stack bird /w\n${SHOW}`, { MADE_WITH: made });
    expect(own).toMatchObject({ code: 0, stderr: "", stdout: `file=${file} pass=unset\n` });
  });
});
