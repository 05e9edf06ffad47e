import { describe, expect, it } from "vitest";
import { mustRun, run } from "../../components/lab/process";

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
