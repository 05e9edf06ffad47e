import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { pollInside, run } from "../../components/lab/process";

// The runner of the program's own commands (and of the steps under mocks), with real processes.
describe("docker CLI runner", () => {
  it("passes input on stdin and keeps stdout, stderr and the exit code", async () => {
    expect(await run(["bash", "-c", "cat; echo err >&2; exit 3"], "hello")).toEqual({ code: 3, stdout: "hello", stderr: "err\n" });
  });

  it("a child that exits before reading its input is a result, not an uncaught 'write EPIPE'", async () => {
    // More than a pipe holds (64 KiB), so the write is still pending when `true` exits and closes the pipe.
    const input = "x".repeat(4 * 1024 * 1024);
    for (let i = 0; i < 5; i++) {
      expect(await run(["true"], input)).toEqual({ code: 0, stdout: "", stderr: "" });
      expect((await run(["bash", "-c", "echo early; exit 4"], input)).code).toBe(4);
    }
  });

  it("a command that does not exist rejects with the spawn error", async () => {
    await expect(run(["calico-lab-no-such-command"], "input")).rejects.toThrow(/ENOENT/);
  });
});

describe("readiness polled inside a node", () => {
  it("passes once the command does, with the command's arguments kept whole", async () => {
    const dir = await run(["mktemp", "-d"]);
    const flag = `${dir.stdout.trim()}/ready file`;
    const started = Date.now();
    const [first, second] = await Promise.all([
      run(pollInside(["test", "-e", flag], 10)),
      new Promise((resolve) => setTimeout(resolve, 600)).then(() => run(["touch", flag])),
    ]);
    expect(second.code).toBe(0);
    expect(first.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    await run(["rm", "-rf", dir.stdout.trim()]);
  });

  it("gives up with exit 1 once its deadline passes", async () => {
    const started = Date.now();
    expect((await run(pollInside(["false"], 1))).code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10000);
  });
});

describe("every command has a deadline", () => {
  it("a command that outlives its deadline is killed with all it started, and the failure names it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-deadline-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const started = Date.now();
    const wedged = run(["bash", "-c", `sleep 30 & echo $! > ${dir}/pid; wait`], undefined, {
      deadlineSeconds: 1,
      what: "reading BIRD's protocols on calico2",
    });
    await expect(wedged).rejects.toThrow(/reading BIRD's protocols on calico2: no answer within 1s; killed/);
    expect(Date.now() - started).toBeLessThan(10000);
    const sleeper = readFileSync(join(dir, "pid"), "utf8").trim();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Gone, or a zombie left for whoever reaps orphans here.
    const state = existsSync(`/proc/${sleeper}`) ? readFileSync(`/proc/${sleeper}/stat`, "utf8").split(") ")[1]?.[0] : "gone";
    expect(["gone", "Z"]).toContain(state);
  });

  it("without a name, the failure names the command itself", async () => {
    await expect(run(["sleep", "30"], undefined, { deadlineSeconds: 1 })).rejects.toThrow(/^sleep 30: no answer within 1s; killed/);
  });
});
