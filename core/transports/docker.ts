import { shellJoin, shellQuote } from "../shell";
import { pipeScript, type NodeShell } from "./node-shell";

/** Nodes that are containers on this machine's Docker engine: `docker exec` and `docker cp`. */
export function dockerShell(container: string): NodeShell {
  return {
    run: (script, options) => pipeScript(shellJoin(["docker", "exec", "-i", container, "sh", "-s"]), script, options?.tolerate),
    copyDir: (hostDir, nodeDir) =>
      [
        shellJoin(["docker", "exec", container, "mkdir", "-p", nodeDir]),
        `docker cp ${shellQuote(`${hostDir}/.`)} ${shellQuote(`${container}:${nodeDir}/`)}`,
      ].join("\n"),
  };
}

/**
 * Host-side bash that runs `argv` from `image` in a container's network namespace (`--network
 * container:`), for tools the node image does not carry (tcpdump): the helper container sees the node's
 * interfaces and goes when the tool exits. Its stdout is the tool's; a missing image is named, never pulled.
 */
export function dockerNetnsTool(container: string, image: string, argv: readonly string[]): string {
  return [
    `docker image inspect ${shellQuote(image)} >/dev/null 2>&1 || { echo ${shellQuote(`no image ${image} on this Docker engine: build it with npm run offline:build`)} >&2; exit 3; }`,
    shellJoin([
      "docker",
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
