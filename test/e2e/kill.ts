/** Killing a running `pulumi` (and everything it started) the way a crash or `kill -9` does, for the interruption suites. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { labDown, repoRoot } from "./live";

const pgrep = (...args: string[]) => spawnSync("pgrep", args, { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map(Number);

/** The processes given and all their descendants, parents first. */
export function processTree(...roots: number[]): number[] {
  const pids = [...roots];
  for (let i = 0; i < pids.length; i++) for (const child of pgrep("-P", String(pids[i]))) if (!pids.includes(child)) pids.push(child);
  return pids;
}

/** Every process of one `pulumi` run (the CLI, its language host, the program, the providers, their commands): the CLI by its --stack, then its descendants. */
export function pulumiProcessTree(stackName: string): number[] {
  return processTree(...pgrep("-f", "--", `--stack ${stackName}`)).filter((pid) => pid !== process.pid);
}

/** SIGKILL to the whole run at once; how many processes it reached. */
export function killPulumi(stackName: string): number {
  const pids = pulumiProcessTree(stackName);
  if (pids.length > 0) spawnSync("kill", ["-KILL", ...pids.map(String)]);
  return pids.length;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What `npm run lab:down` does after a kill: destroy, then the sweep of what the state never recorded (scripts/lib/sweep.sh); what was swept. */
export async function labDownAfterKill(stack: Stack): Promise<string> {
  await stack.cancel().catch(() => undefined); // the file backend may have no update to cancel
  await labDown(stack);
  const sweep = spawnSync("bash", [join(repoRoot, "scripts", "lib", "sweep.sh"), stack.name], { encoding: "utf8" });
  if (sweep.status !== 0) throw new Error(`sweep.sh ${stack.name} failed: ${sweep.stderr}`);
  return sweep.stderr.trim();
}
