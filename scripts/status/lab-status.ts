/**
 * npm run lab:status [-- stack] [--json] [--outputs FILE]: the lab as it is now, read from its nodes
 * through the same transports the lab uses (the nodes' `access` in the stack's outputs), compared with
 * what its settings expect. Exit 0: matches; 1: differs; 2: no lab.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LabNodeOutput } from "../../components/lab/outputs";
import { parseCidr } from "../../core/addressing";
import { BIRD_PROTOCOLS_SCRIPT, ROUTES_SCRIPT, TUNNELS_SCRIPT } from "../../core/node-scripts";
import type { NodeReadings } from "../../core/observed";
import { formatStatus, liveStatus, STATUS_EXIT } from "../../core/status";
import type { ExpectedTopology } from "../../core/topology";
import { shellFor } from "../../core/transports/access";

interface Outputs {
  nodes?: LabNodeOutput[];
  bgpTopology?: { expected: ExpectedTopology };
  ipPools?: { pools: Array<{ cidr: string }> };
}

function readOutputs(args: string[]): Outputs | undefined {
  const at = args.indexOf("--outputs");
  const file = at >= 0 ? args[at + 1] : undefined;
  if (file) return JSON.parse(readFileSync(file, "utf8")) as Outputs;
  const stack = args.find((a) => !a.startsWith("--")) ?? "bird";
  const result = spawnSync("bash", [join(__dirname, "..", "lab.sh"), "outputs", stack], { encoding: "utf8" });
  if (result.status !== 0 || result.stdout.trim() === "{}") return undefined;
  return JSON.parse(result.stdout) as Outputs;
}

function readNode(node: LabNodeOutput): NodeReadings {
  if (!node.access) return { node: node.name, birdProtocols: "", routes: "", error: "its outputs do not say how to reach it" };
  const shell = shellFor(node.access);
  // A VM under TCG on a busy machine takes seconds per ssh login and docker exec (seen: over 20 s at load 20).
  const timeoutSeconds = node.access.transport === "ssh" ? 120 : 20;
  const inNode = (script: string) => spawnSync("bash", ["-c", shell.run(script)], { encoding: "utf8", timeout: timeoutSeconds * 1000 });
  const protocols = inNode(BIRD_PROTOCOLS_SCRIPT);
  const routes = inNode(ROUTES_SCRIPT);
  const tunnels = inNode(TUNNELS_SCRIPT);
  const failed = [protocols, routes].find((r) => r.status !== 0);
  return {
    node: node.name,
    birdProtocols: protocols.stdout ?? "",
    routes: routes.stdout ?? "",
    tunnels: tunnels.stdout ?? "",
    ...(failed
      ? {
          error:
            failed.status === null
              ? `no answer within ${timeoutSeconds}s`
              : ((failed.stderr || `exit ${failed.status}`).trim().split("\n").slice(-1)[0] ?? ""),
        }
      : {}),
  };
}

function main(args: string[]): number {
  const outputs = readOutputs(args);
  if (!outputs?.nodes || !outputs.bgpTopology) {
    console.error("no lab: the stack does not exist or has no outputs (npm run lab:up -- <stack>)");
    return STATUS_EXIT.noLab;
  }
  const pools = (outputs.ipPools?.pools ?? []).flatMap((p) => parseCidr(p.cidr) ?? []);
  const status = liveStatus(
    outputs.bgpTopology.expected,
    outputs.nodes.map(readNode),
    pools,
    Object.fromEntries(outputs.nodes.map((n) => [n.name, n.workloads.map((w) => ({ name: w.name, ip: w.ip }))])),
  );
  console.log(args.includes("--json") ? JSON.stringify(status, null, 2) : formatStatus(status));
  return status.matches ? STATUS_EXIT.matches : STATUS_EXIT.differs;
}

process.exitCode = main(process.argv.slice(2));
