import versions from "../../../versions.json";
import { shellQuote } from "../../shell";

/**
 * The Docker engine a kind lab runs on, and the kind command. kind runs its nodes `--privileged`, which
 * an engine older than Moby 23 refuses where the daemon lacks capabilities the kernel knows (as on our
 * machines), so the offline build makes an engine of its own (scripts/offline/docker-v28.sh): in a network
 * namespace of its own, reached through its socket, its API servers published on the namespace's end of
 * one veth pair. Online, the user's own engine and kind.
 */
export interface KindEngine {
  /** DOCKER_HOST of the engine; undefined: docker's own default (the user's engine). */
  readonly dockerHost?: string;
  /** kind's networking.apiServerAddress, reachable from this machine; undefined: kind's default (127.0.0.1). */
  readonly apiServerAddress?: string;
  /** The kind command: the offline build's binary, or `kind` on PATH. */
  readonly kind: string;
  /**
   * The network namespace kind runs in (the engine's), where its random API server port is free and its
   * apiServerAddress is local; undefined: this machine's.
   */
  readonly netns?: string;
}

/** The user's engine and kind on PATH. */
export const USER_ENGINE: KindEngine = { kind: "kind" };

/** The offline build's engine (versions.json kind.engine) and its kind binary under `cacheDir`. */
export function ownEngine(cacheDir: string): KindEngine {
  return {
    dockerHost: `unix://${versions.kind.engine.socket}`,
    apiServerAddress: versions.kind.engine.apiServerAddress,
    kind: `${cacheDir}/artifacts/kind/kind/${versions.kind.version}/kind`,
    netns: versions.kind.engine.netns,
  };
}

/** Host bash that runs `script` with `docker` and `kind` meaning the engine's. */
export function onEngine(engine: KindEngine, script: string): string {
  const lines = engine.dockerHost ? [`export DOCKER_HOST=${shellQuote(engine.dockerHost)}`] : [];
  const nsenter = engine.netns ? `nsenter --net=${shellQuote(`/run/netns/${engine.netns}`)} -- ` : "";
  if (engine.kind !== "kind" || nsenter) lines.push(`kind() { ${nsenter}${shellQuote(engine.kind)} "$@"; }`);
  return [...lines, script].join("\n");
}

/** An argv whose docker commands (its own, or those of its bash script) talk to the engine. */
export function onEngineArgv(engine: KindEngine, argv: readonly string[]): string[] {
  return engine.dockerHost ? ["env", `DOCKER_HOST=${engine.dockerHost}`, ...argv] : [...argv];
}
