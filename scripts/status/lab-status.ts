/**
 * npm run lab:status -- [--stack NAME] [--json] [--outputs FILE] (or the stack alone: lab:status -- NAME): the lab as it is now, read from its nodes
 * through the same transports the lab uses (the nodes' `access` in the stack's outputs), compared with
 * what its settings expect. Exit 0: matches; 1: differs; 2: no lab.
 */
import { formatStatus, STATUS_EXIT } from "../../core/status";
import { parseLabArgs } from "./lab-args";
import { readLab, readLiveStatus, runCommand } from "./lab-outputs";

function main(argv: string[]): number {
  const args = parseLabArgs(argv, { command: "lab:status", flags: ["json"], stackWord: true });
  const status = readLiveStatus(readLab(args.stack, args.values.outputs));
  console.log(args.flags.has("json") ? JSON.stringify(status, null, 2) : formatStatus(status));
  return status.matches ? STATUS_EXIT.matches : STATUS_EXIT.differs;
}

runCommand(() => main(process.argv.slice(2)));
