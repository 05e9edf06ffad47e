import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** NODE_OPTIONS as scripts/lab.sh sets it for Pulumi, from the script it takes them from (scripts/node/pulumi-node-options.sh). */
export function labNodeOptions(inherited = process.env.NODE_OPTIONS): string {
  const script = join(__dirname, "..", "..", "scripts", "node", "pulumi-node-options.sh");
  const env = { ...process.env, NODE_OPTIONS: inherited ?? "" };
  return execFileSync("bash", [script], { env, encoding: "utf8" }).trimEnd();
}
