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
