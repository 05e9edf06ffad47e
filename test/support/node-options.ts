import { join } from "node:path";

/** The preload scripts/lab.sh puts in front of NODE_OPTIONS for Pulumi's Node processes (scripts/node/pulumi-lazy-modules.cjs). */
export const PULUMI_PRELOAD = join(__dirname, "..", "..", "scripts", "node", "pulumi-lazy-modules.cjs");

/** NODE_OPTIONS as scripts/lab.sh sets it for Pulumi: its Node processes start without modules they never use. */
export function labNodeOptions(inherited = process.env.NODE_OPTIONS): string {
  const preload = `--require "${PULUMI_PRELOAD}"`;
  return inherited ? `${preload} ${inherited}` : preload;
}
