/**
 * npm run lab:exec -- [--stack NAME] [--outputs FILE] <node> <command...>: runs a command in a lab node through the transport
 * the lab itself uses (the node's `access` in the stack's outputs). calicoctl there reaches the lab's
 * datastore: its environment is set as the lab's own steps set it. Exit code: the command's. Its stdin is /dev/null:
 * the node's shell reads the script from its own stdin, and vppctl sends VPP whatever its stdin holds (at the end of
 * the script, an end of file on which it quits before VPP has answered).
 */
import { spawnSync } from "node:child_process";
import { etcdDatastoreEnv } from "../../core/scenarios/bird";
import { shellJoin, shellQuote } from "../../core/shell";
import { KDD_NODE_KUBECONFIG } from "../../core/scenarios/kdd/paths";
import { shellFor } from "../../core/transports/access";
import { parseLabArgs } from "./lab-args";
import { findNode, readLab, runCommand } from "./lab-outputs";

function main(argv: string[]): number {
  // Options come before the node: everything after it is the command's own.
  const { stack, values, words } = parseLabArgs(argv, { command: "lab:exec", restAfter: 1 });
  const [nodeName, ...command] = words;
  if (!nodeName || command.length === 0) {
    console.error("usage: npm run lab:exec -- [--stack <stack>] [--outputs <file>] <node> <command...>");
    return 2;
  }
  const outputs = readLab(stack, values.outputs);
  const node = findNode(outputs, stack, nodeName);
  const env: Record<string, string> =
    outputs.scenario === "kdd"
      ? { DATASTORE_TYPE: "kubernetes", KUBECONFIG: KDD_NODE_KUBECONFIG }
      : { ...etcdDatastoreEnv(outputs.etcd?.endpoints[0] ?? "", outputs.etcd?.tls?.clientFiles) };
  const script = `${Object.entries(env)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join("\n")}\nexec ${shellJoin(command)} </dev/null`;
  const run = spawnSync("bash", ["-c", shellFor(node.access).run(script)], { stdio: "inherit" });
  return run.status ?? 1;
}

runCommand(() => main(process.argv.slice(2)));
