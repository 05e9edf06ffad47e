/**
 * npm run lab:exec -- [--stack S] <node> <command...>: runs a command in a lab node through the transport
 * the lab itself uses (the node's `access` in the stack's outputs). calicoctl there reaches the lab's
 * datastore: its environment is set as the lab's own steps set it. Exit code: the command's.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { EtcdOutput, LabNodeOutput } from "../../components/lab/outputs";
import { etcdDatastoreEnv } from "../../core/scenarios/bird";
import { shellJoin, shellQuote } from "../../core/shell";
import { KDD_NODE_KUBECONFIG } from "../../core/scenarios/kdd/paths";
import { shellFor } from "../../core/transports/access";

interface Outputs {
  scenario?: string;
  nodes?: LabNodeOutput[];
  etcd?: Pick<EtcdOutput, "endpoints"> & Partial<Pick<EtcdOutput, "tls">>;
}

function main(argv: string[]): number {
  const args = [...argv];
  const stackAt = args.indexOf("--stack");
  const stack = stackAt >= 0 ? (args.splice(stackAt, 2)[1] ?? "bird") : "bird";
  const [nodeName, ...command] = args;
  if (!nodeName || command.length === 0) {
    console.error("usage: npm run lab:exec -- [--stack <stack>] <node> <command...>");
    return 2;
  }
  const result = spawnSync("bash", [join(__dirname, "..", "lab.sh"), "outputs", stack], { encoding: "utf8" });
  const outputs = result.status === 0 ? (JSON.parse(result.stdout) as Outputs) : {};
  const node = outputs.nodes?.find((n) => n.name === nodeName);
  if (!node?.access) {
    const known = (outputs.nodes ?? []).map((n) => n.name).join(", ") || "none (is the lab up?)";
    console.error(`no node ${nodeName} in stack ${stack}; its nodes: ${known}`);
    return 2;
  }
  const env: Record<string, string> =
    outputs.scenario === "kdd"
      ? { DATASTORE_TYPE: "kubernetes", KUBECONFIG: KDD_NODE_KUBECONFIG }
      : { ...etcdDatastoreEnv(outputs.etcd?.endpoints[0] ?? "", outputs.etcd?.tls?.clientFiles) };
  const script = `${Object.entries(env)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join("\n")}\nexec ${shellJoin(command)}`;
  const run = spawnSync("bash", ["-c", shellFor(node.access).run(script)], { stdio: "inherit" });
  return run.status ?? 1;
}

process.exitCode = main(process.argv.slice(2));
