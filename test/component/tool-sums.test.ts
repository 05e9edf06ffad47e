import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { run } from "../../components/lab/process";
import { sumsCheckScript } from "../../core/tools";

/** A folder with two tool files and their `sha256sum` lines, and a PATH with only what one way of checking uses. */
function toolFolder(withOpenssl: boolean) {
  const base = mkdtempSync(join(tmpdir(), "calico-lab-sums-"));
  onTestFinished(() => rmSync(base, { recursive: true, force: true }));
  const dir = join(base, "bin");
  const path = join(base, "path");
  mkdirSync(dir);
  mkdirSync(path);
  writeFileSync(join(dir, "calico"), "calico bytes\n");
  writeFileSync(join(dir, "cnitool"), "cnitool bytes\n");
  // Each way alone: with openssl there is no sha256sum to fall back on, and without it only sha256sum.
  for (const tool of withOpenssl ? ["openssl", "cat", "cut", "sed", "grep"] : ["sha256sum"]) {
    symlinkSync(execFileSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim(), join(path, tool));
  }
  const sums = execFileSync("sha256sum", ["calico", "cnitool"], { cwd: dir, encoding: "utf8" });
  const check = (text: string) => run(["/bin/sh", "-c", `PATH=${path}; export PATH\n${sumsCheckScript(dir, text, false)}`]);
  return { dir, sums, check };
}

describe.each([
  ["openssl", true],
  ["sha256sum -c", false],
])("a node's tools checked against the host's sums, with %s", (_how, withOpenssl) => {
  it("passes when every file has its sum", async () => {
    const tools = toolFolder(withOpenssl);
    expect((await tools.check(tools.sums)).code).toBe(0);
  });

  it("fails when a file's bytes differ", async () => {
    const tools = toolFolder(withOpenssl);
    writeFileSync(join(tools.dir, "cnitool"), "other bytes\n");
    const result = await tools.check(tools.sums);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("cnitool: FAILED");
  });

  it("fails when a file is missing, and when there is nothing to check", async () => {
    const tools = toolFolder(withOpenssl);
    rmSync(join(tools.dir, "calico"));
    expect((await tools.check(tools.sums)).code).not.toBe(0);
    expect((await tools.check("\n")).code).not.toBe(0);
  });
});
