import { shellJoin, shellQuote } from "../shell";
import { pipeScript, type NodeShell } from "./node-shell";

/** The docker command, on the engine at `dockerHost` (DOCKER_HOST form) when given, else docker's default. */
export function dockerCommand(dockerHost?: string): string[] {
  return dockerHost ? ["env", `DOCKER_HOST=${dockerHost}`, "docker"] : ["docker"];
}

/** Nodes that are containers on this machine's Docker engine (or the one at `dockerHost`): `docker exec` and `docker cp`. */
export function dockerShell(container: string, dockerHost?: string): NodeShell {
  const docker = dockerCommand(dockerHost);
  return {
    run: (script, options) => pipeScript(shellJoin([...docker, "exec", "-i", container, "sh", "-s"]), script, options?.tolerate),
    copyDir: (hostDir, nodeDir) =>
      [
        shellJoin([...docker, "exec", container, "mkdir", "-p", nodeDir]),
        `${shellJoin(docker)} cp ${shellQuote(`${hostDir}/.`)} ${shellQuote(`${container}:${nodeDir}/`)}`,
      ].join("\n"),
  };
}

/**
 * Host-side bash that runs `argv` from `image` in a container's network namespace (`--network
 * container:`), for tools the node image does not carry (tcpdump): the helper container sees the node's
 * interfaces and goes when the tool exits. Its stdout is the tool's; a missing image is named, never pulled.
 */
export function dockerNetnsTool(container: string, image: string, argv: readonly string[], dockerHost?: string): string {
  const docker = dockerCommand(dockerHost);
  return [
    `${shellJoin(docker)} image inspect ${shellQuote(image)} >/dev/null 2>&1 || { echo ${shellQuote(`no image ${image} on this Docker engine: build it with npm run offline:build`)} >&2; exit 3; }`,
    shellJoin([
      ...docker,
      "run",
      "--rm",
      "--pull",
      "never",
      "--network",
      `container:${container}`,
      "--cap-add",
      "NET_RAW",
      "--cap-add",
      "NET_ADMIN",
      "--label",
      `calico-lab.helper-of=${container}`,
      image,
      ...argv,
    ]),
  ].join("\n");
}
