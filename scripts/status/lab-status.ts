/**
 * npm run lab:status [-- stack] [--json] [--outputs FILE]: the lab as it is now, read from its nodes
 * through the same transports the lab uses (the nodes' `access` in the stack's outputs), compared with
 * what its settings expect. Exit 0: matches; 1: differs; 2: no lab.
 */
import { formatStatus, STATUS_EXIT } from "../../core/status";
import { readLab, readLiveStatus, runCommand } from "./lab-outputs";

function main(args: string[]): number {
  const at = args.indexOf("--outputs");
  const outputsFile = at >= 0 ? args[at + 1] : undefined;
  const stack = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--outputs") ?? "bird";
  const status = readLiveStatus(readLab(stack, outputsFile));
  console.log(args.includes("--json") ? JSON.stringify(status, null, 2) : formatStatus(status));
  return status.matches ? STATUS_EXIT.matches : STATUS_EXIT.differs;
}

runCommand(() => main(process.argv.slice(2)));
