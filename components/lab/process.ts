/**
 * Runs the docker CLI for the dynamic providers. These functions are serialized into the provider
 * plugin process with the providers, so they may use only Node built-ins, loaded inside the call.
 */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(argv: readonly string[], input?: string): Promise<RunResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    if (!command) return reject(new Error("empty command"));
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    // A child may exit before reading its input (a failing `docker exec`): its closed stdin is not our error.
    child.stdin.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") reject(error);
    });
    child.on("close", (code: number | null) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** Runs argv and returns its stdout; a failure names `what` (the step and its object) and what the command said. */
export async function mustRun(argv: readonly string[], input?: string, what?: string): Promise<string> {
  const result = await run(argv, input);
  if (result.code !== 0) {
    const step = what ?? argv.join(" ");
    throw new Error(`${step} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * argv that polls `command` inside a node (after `docker exec NODE`) every quarter second until it exits 0,
 * or exits 1 after `timeoutSeconds`: one exec per node instead of one a second, and four times the
 * resolution (the host-side `docker exec` costs far more CPU than the probe it runs).
 */
export function pollInside(command: readonly string[], timeoutSeconds: number): string[] {
  const script = [
    `end=$(($(date +%s) + ${Math.ceil(timeoutSeconds)}))`,
    'until "$@" >/dev/null 2>&1; do',
    '  [ "$(date +%s)" -lt "$end" ] || exit 1',
    "  sleep 0.25",
    "done",
  ].join("\n");
  return ["sh", "-c", script, "sh", ...command];
}

/** Polls a command until it exits 0; returns false when the deadline passes first. */
export async function waitFor(argv: readonly string[], timeoutSeconds: number): Promise<boolean> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    if ((await run(argv)).code === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(1000);
  }
}
