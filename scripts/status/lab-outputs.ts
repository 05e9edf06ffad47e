/**
 * What the lab commands (npm run lab:status, lab:graph, lab:exec, lab:capture) share: the stack's
 * outputs (from `scripts/lab.sh outputs`, or a file with --outputs), its nodes found by name, and the
 * live status read from every node through the transport the lab itself uses (the node's `access`).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { LabNodeOutput, StackOutputs } from "../../components/lab/outputs";
import { parseCidr } from "../../core/addressing";
import { noLabMessage, unknownNodeMessage, unreachableNodeMessage } from "../../core/lab-messages";
import { BIRD_PROTOCOLS_SCRIPT, ROUTES_SCRIPT, TUNNELS_SCRIPT } from "../../core/node-scripts";
import type { NodeReadings } from "../../core/observed";
import { VPP_FIB_SCRIPT, VPP_INTERFACES_SCRIPT } from "../../core/scenarios/vpp-forwarding";
import { liveStatus, STATUS_EXIT, type LiveStatus, type VppReading } from "../../core/status";
import { shellFor, type NodeAccess } from "../../core/transports/access";
import { LabArgsError } from "./lab-args";

/** What the commands read of the stack's outputs (StackOutputs, the one contract): any of it may be missing. */
export type LabOutputs = Partial<Pick<StackOutputs, "scenario" | "nodes" | "etcd" | "bgpTopology" | "ipPools">>;

/** A lab whose outputs have what the commands read. */
export type Lab = LabOutputs & Required<Pick<LabOutputs, "nodes" | "bgpTopology">>;

/** A command's failure: what it says on stderr, and its exit code. */
export class LabError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The stack's outputs, or the file given with --outputs; a LabError (exit 2) when there is no lab. */
export function readLab(stack: string, outputsFile?: string): Lab {
  let outputs: LabOutputs;
  if (outputsFile) {
    outputs = JSON.parse(readFileSync(outputsFile, "utf8")) as LabOutputs;
  } else {
    const result = spawnSync("bash", [join(__dirname, "..", "lab.sh"), "outputs", stack], { encoding: "utf8" });
    if (result.status !== 0) {
      const reason = (result.stderr ?? "").trim().split("\n").slice(-1)[0] || `scripts/lab.sh outputs exited ${result.status}`;
      throw new LabError(noLabMessage(stack, reason), STATUS_EXIT.noLab);
    }
    outputs = JSON.parse(result.stdout) as LabOutputs;
  }
  if (!outputs.nodes || !outputs.bgpTopology) throw new LabError(noLabMessage(stack), STATUS_EXIT.noLab);
  return outputs as Lab;
}

/** The node of that name and how to reach it; a LabError (exit 2) naming the lab's nodes when there is none. */
export function findNode(lab: Lab, stack: string, name: string): LabNodeOutput & { access: NodeAccess } {
  const node = lab.nodes.find((n) => n.name === name);
  if (!node)
    throw new LabError(
      unknownNodeMessage(
        stack,
        name,
        lab.nodes.map((n) => n.name),
      ),
      2,
    );
  if (!node.access) throw new LabError(unreachableNodeMessage(stack, name), 2);
  return { ...node, access: node.access };
}

/** Seconds a command in a node may take: a VM under TCG on a busy machine can take many seconds per ssh login. */
export const nodeTimeoutSeconds = (access: NodeAccess) => (access.transport === "ssh" ? 120 : 20);

/** Runs a node-side script through the node's transport. */
export function runInNode(access: NodeAccess, script: string, timeoutSeconds = nodeTimeoutSeconds(access)) {
  return spawnSync("bash", ["-c", shellFor(access).run(script)], { encoding: "utf8", timeout: timeoutSeconds * 1000 });
}

function readNode(node: LabNodeOutput): NodeReadings {
  if (!node.access) return { node: node.name, birdProtocols: "", routes: "", error: "its outputs do not say how to reach it" };
  const { access } = node;
  const protocols = runInNode(access, BIRD_PROTOCOLS_SCRIPT);
  const routes = runInNode(access, ROUTES_SCRIPT);
  const tunnels = runInNode(access, TUNNELS_SCRIPT);
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
              ? `no answer within ${nodeTimeoutSeconds(access)}s`
              : ((failed.stderr || `exit ${failed.status}`).trim().split("\n").slice(-1)[0] ?? ""),
        }
      : {}),
  };
}

/** A node's VPP now (vpp-forwarding), at the uplink address its outputs name. */
function readVpp(node: LabNodeOutput): VppReading {
  const uplinkAddress = node.vpp?.uplinkAddress ?? "";
  const { access } = node;
  if (!access) return { uplinkAddress, interfaces: "", fib: "", error: "its outputs do not say how to reach it" };
  const [interfaces, fib] = [VPP_INTERFACES_SCRIPT, VPP_FIB_SCRIPT].map((script) => runInNode(access, script));
  const failed = [interfaces, fib].find((r) => r?.status !== 0);
  return {
    uplinkAddress,
    interfaces: interfaces?.stdout ?? "",
    fib: fib?.stdout ?? "",
    ...(failed ? { error: (failed.stderr || `exit ${failed.status}`).trim().split("\n").slice(-1)[0] ?? "" } : {}),
  };
}

/** The lab as it is now: every node read (and its VPP, on vpp-forwarding), compared with what its settings expect. */
export function readLiveStatus(lab: Lab): LiveStatus {
  const pools = (lab.ipPools?.pools ?? []).flatMap((p) => parseCidr(p.cidr) ?? []);
  return liveStatus(
    lab.bgpTopology.expected,
    lab.nodes.map(readNode),
    pools,
    Object.fromEntries(lab.nodes.map((n) => [n.name, n.workloads.map((w) => ({ name: w.name, ip: w.ip }))])),
    lab.scenario === "vpp-forwarding" ? Object.fromEntries(lab.nodes.map((n) => [n.name, readVpp(n)])) : undefined,
  );
}

/** A path the user gave, relative to where they ran npm (npm runs scripts in the repository's root). */
export function userPath(path: string): string {
  return isAbsolute(path) ? path : resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/** Runs a command's main: a LabError (or bad arguments) is its message on stderr and its exit code. */
export function runCommand(main: () => number | Promise<number>): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        if (!(error instanceof LabError || error instanceof LabArgsError)) throw error;
        console.error(error.message);
        process.exitCode = error.exitCode;
      },
    );
}
