import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { KindEngine } from "../../../core/substrates/kind/engine";
import {
  checkKindPreflight,
  type CommandResult,
  type KindPreflightObservations,
  type KindPreflightWants,
  type PreflightProblem,
} from "../../../core/substrates/kind/preflight";

/** Checks this machine for the kind substrate; KindLab calls it before it registers anything. Tests pass a stub. */
export type KindPreflight = (want: KindPreflightWants, engine: KindEngine) => PreflightProblem[];

function runCommand(argv: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv): CommandResult {
  const [program, ...args] = argv;
  const result = spawnSync(program ?? "", args, { encoding: "utf8", timeout: timeoutMs, env });
  const error = result.error as NodeJS.ErrnoException | undefined;
  if (error?.code === "ENOENT") return { found: false, code: -1, stdout: "", stderr: "" };
  return {
    found: true,
    code: result.status ?? -1,
    stdout: result.stdout ?? "",
    stderr: result.stderr || (error ? error.message : ""),
  };
}

/**
 * The real checks: `docker version` (engine reachable), `kind version` (the pinned release), then one
 * throwaway `docker run --rm --privileged` of the probe image (pulled if missing: kind pulls the node
 * image anyway), /proc/meminfo when VPP wants hugepages, and for Calico/VPP `ls /dev/vhost-net` in a privileged
 * container of the probe image (which sees the engine's devices).
 */
export function runKindPreflight(want: KindPreflightWants, engine: KindEngine): PreflightProblem[] {
  const env = { ...process.env, ...(engine.dockerHost ? { DOCKER_HOST: engine.dockerHost } : {}) };
  const docker = runCommand(["docker", "version", "--format", "{{.Server.Version}}"], 30_000, env);
  const kind = runCommand([engine.kind, "version"], 30_000, env);
  const seen: KindPreflightObservations = {
    docker,
    kind,
    ...(docker.found && docker.code === 0
      ? {
          privileged: runCommand(privilegedRun(want.probeImage, "/bin/true"), 600_000, env),
        }
      : {}),
    ...(want.hugepagesPerNode > 0 ? { meminfo: readMeminfo() } : {}),
    ...(want.vhostNet && docker.found && docker.code === 0
      ? { vhostNet: runCommand(privilegedRun(want.probeImage, "/bin/ls", "/dev/vhost-net"), 120_000, env) }
      : {}),
  };
  return checkKindPreflight(seen, want);
}

/** A throwaway privileged container of the image, without network, running one program. */
function privilegedRun(image: string, program: string, ...args: string[]): string[] {
  return ["docker", "run", "--rm", "--privileged", "--network", "none", "--pull", "missing", "--entrypoint", program, image, ...args];
}

function readMeminfo(): string {
  try {
    return readFileSync("/proc/meminfo", "utf8");
  } catch {
    return "";
  }
}
