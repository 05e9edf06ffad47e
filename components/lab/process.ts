/**
 * Runs commands on the machine running Pulumi, for the program's own checks and for hostCommandProvider (the
 * steps' semantics, run in-process under mocks). They load Node built-ins inside the call, as they had to while
 * they were serialized into Node.js's dynamic provider: the modules that import them stay cheap to load.
 */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Text for the command to read from its fd 3: a script kept out of argv, where every local user reads it. */
  readonly script?: string;
  /** Seconds before the command and all it started are killed and the run fails; default RUN_DEADLINE_SECONDS. */
  readonly deadlineSeconds?: number;
  /** What the command does, and where, for the failure at its deadline; default: its argv. */
  readonly what?: string;
}

/** Longer than any docker CLI call takes on a working engine: past it, the engine or the session is wedged. */
export const RUN_DEADLINE_SECONDS = 600;

/** Kills `pid` and every process below it (read from /proc, where there is one); returns their command lines. */
export function killTree(pid: number): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require("node:fs") as typeof import("node:fs");
  const parents = new Map<number, number>();
  const read = (path: string) => {
    try {
      return fs.readFileSync(path, "utf8");
    } catch {
      return "";
    }
  };
  const proc = fs.existsSync("/proc") ? fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)) : [];
  for (const entry of proc) {
    const stat = read(`/proc/${entry}/stat`);
    parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  const lines = tree.slice(1).map((p) => read(`/proc/${p}/cmdline`).replace(/\0/g, " ").trim());
  for (const p of tree) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  return lines.filter(Boolean);
}

export function run(argv: readonly string[], input?: string, options: RunOptions = {}): Promise<RunResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    if (!command) return reject(new Error("empty command"));
    const script = options.script;
    const child = spawn(command, args, { stdio: script === undefined ? ["pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    // A child may exit before reading its input (a failing `docker exec`): its closed stdin is not our error.
    const pipeError = (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") reject(error);
    };
    child.stdin?.on("error", pipeError);
    const deadline = options.deadlineSeconds ?? RUN_DEADLINE_SECONDS;
    const timer = setTimeout(() => {
      const running = child.pid === undefined ? [] : killTree(child.pid);
      const still = running.length > 0 ? ` (still running: ${running.join("; ")})` : "";
      reject(new Error(`${options.what ?? argv.join(" ")}: no answer within ${deadline}s; killed${still}`));
    }, deadline * 1000);
    child.on("close", (code: number | null) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin?.end(input ?? "");
    if (script !== undefined) {
      const fd3 = child.stdio[3] as import("node:stream").Writable;
      fd3.on("error", pipeError);
      fd3.end(script);
    }
  });
}

/**
 * bash without ~/.bashrc: Debian's bash reads it for a `bash -c` whose stdin is a socket (Node's pipes are) when no
 * SHLVL came with it, as under `env -i`, cron or a service; a user's PATH there would change which tools the steps run.
 * The script comes on fd 3, never in argv (it may carry a private key), read whole before it runs (Node's fd 3 is a
 * socket, which /dev/fd/3 cannot open); its first line closes fd 3, so that nothing it starts holds it. Its stdin
 * stays its own (empty unless `input`): commands in it that read stdin never eat the rest of the script.
 */
export const HOST_BASH_SCRIPT = ["/bin/bash", "--norc", "-c", 'eval "$(cat <&3)"'] as const;

/** Runs a bash script on the machine running Pulumi, the script on a pipe, never in argv. */
export function runScript(script: string, options: Omit<RunOptions, "script"> = {}): Promise<RunResult> {
  return run(HOST_BASH_SCRIPT, undefined, { ...options, script: `exec 3<&-\n${script}` });
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
