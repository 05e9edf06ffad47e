import { describe, expect, it } from "vitest";
import { mustRun, pollInside, run } from "../../components/lab/process";

// The CLI runner every dynamic provider uses, with real processes.
describe("docker CLI runner", () => {
  it("passes input on stdin and keeps stdout, stderr and the exit code", async () => {
    expect(await run(["bash", "-c", "cat; echo err >&2; exit 3"], "hello")).toEqual({ code: 3, stdout: "hello", stderr: "err\n" });
    await expect(mustRun(["bash", "-c", "echo boom >&2; exit 1"])).rejects.toThrow("failed (exit 1): boom");
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
