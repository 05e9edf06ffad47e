/** What the qemu end-to-end suites share: their prerequisites, and reaching, reading and sweeping a lab's VMs. */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseCidr } from "../../core/addressing";
import { labNameFor } from "../../core/config/keys";
import { VM_BASE_FILES } from "../../core/substrates/qemu/preflight";
import { vmLabName, vmNamespace } from "../../core/substrates/qemu/scripts";
import type { Stack } from "@pulumi/pulumi/automation";
import { expect } from "vitest";
import { cacheDir, labDown, missingPrerequisites, repoRoot, sh, stepTimeline } from "./live";

export const labVm = join(repoRoot, "scripts", "vm", "lab-vm.sh");
const execFileAsync = promisify(execFile);

/** Throws, naming each, when this machine lacks what a qemu suite needs (the VM base image, tun, QEMU). */
export function requireQemu(): void {
  const missing = [...missingPrerequisites()];
  for (const file of VM_BASE_FILES) {
    if (!existsSync(join(cacheDir, "vm", "base", file)))
      missing.push(`no VM base image file ${cacheDir}/vm/base/${file}: run npm run offline:vm-image`);
  }
  if (!existsSync("/dev/net/tun")) missing.push("no /dev/net/tun: the VMs' taps need it");
  try {
    sh(["sh", "-c", "command -v qemu-system-x86_64"]);
  } catch {
    missing.push("no qemu-system-x86_64: apt-get install qemu-system-x86 qemu-utils (npm run offline:vm-image does)");
  }
  if (missing.length > 0) throw new Error(`the qemu end-to-end test cannot run:\n  ${missing.join("\n  ")}`);
}

type Node = { name: string; container: string };

/** A qemu lab of stack `stackName` on `underlay`, whose VMs sit at the underlay's host numbers `hosts`. */
export function qemuLab(stackName: string, underlay: string, hosts: readonly number[]) {
  const vmLab = vmLabName(labNameFor(stackName));

  /** A command in a node's VM: lab-vm.sh ssh. */
  const inNodeVm = (node: { name: string }, ...argv: string[]): string => sh(["bash", labVm, "ssh", vmLab, node.name, ...argv]);

  /** The same, without blocking the worker (a trip into a VM under TCG takes seconds). */
  const inNodeVmAsync = async (node: { name: string }, ...argv: string[]): Promise<string> =>
    (await execFileAsync("bash", [labVm, "ssh", vmLab, node.name, ...argv], { encoding: "utf8" })).stdout;

  /** A command in a node's container, inside its VM: lab-vm.sh ssh, then docker exec. */
  const inNode = (node: Node, ...argv: string[]): string => inNodeVm(node, "docker", "exec", node.container, ...argv);

  /**
   * Several readings of one node in one trip (each trip into a VM under TCG costs seconds): `commands` run
   * in its VM (`vm`) or its container (`node`), each answer under its key.
   */
  const readNode = (node: Node, commands: Record<string, ["vm" | "node", string]>): Record<string, string> => {
    const marker = "----calico-lab-e2e----";
    const script = Object.values(commands)
      .map(([where, command]) => `${where === "node" ? `docker exec ${node.container} ` : ""}${command} 2>&1; echo ${marker}`)
      .join("\n");
    const out = execFileSync("bash", [labVm, "ssh", vmLab, node.name, "sh", "-s"], { input: script, encoding: "utf8" });
    const parts = out.split(`${marker}\n`);
    return Object.fromEntries(Object.keys(commands).map((key, i) => [key, parts[i] ?? ""]));
  };

  /** Everything of this lab left on the machine: QEMU processes, the namespace, taps, the lab's files. */
  const leftovers = (): string[] => {
    const found: string[] = [];
    const procs = sh(["sh", "-c", "ps -eo pid=,args= | grep -F -- '-name calicolab-" + vmLab + "-' | grep -v grep || true"]).trim();
    if (procs) found.push(...procs.split("\n").map((p) => `qemu process ${p.trim()}`));
    if (
      sh(["ip", "netns", "list"])
        .split("\n")
        .some((line) => line.split(" ")[0] === vmNamespace(vmLab))
    ) {
      found.push(`network namespace ${vmNamespace(vmLab)}`);
    }
    // Taps live in the lab's namespace and are named vm<address in hex>; none may have leaked into this one.
    const plan = parseCidr(underlay)!;
    for (const host of hosts) {
      const tap = `vm${(Number(plan.first) + host).toString(16).padStart(8, "0")}`;
      if (sh(["ip", "-o", "link", "show"]).includes(` ${tap}:`)) found.push(`tap ${tap}`);
    }
    for (const dir of [join(cacheDir, "vm", "labs", vmLab), join(cacheDir, "ssh", vmLab)]) {
      if (existsSync(dir)) found.push(`folder ${dir} (${readdirSync(dir).join(", ")})`);
    }
    return found;
  };

  return { vmLab, inNodeVm, inNodeVmAsync, inNode, readNode, leftovers };
}

/** A /24 in the lab's own namespace: nothing outside it can see it, but keep it apart from other labs' anyway. */
export function vmUnderlay(): string {
  return `192.168.${100 + Math.floor(Math.random() * 150)}.0/24`;
}

/** A qemu suite's settings: two Calico VMs with a workload each, and time for TCG to converge. */
export function qemuSettings(underlay: string, scenario: "bird" | "kdd"): Record<string, unknown> {
  return {
    ...(scenario === "kdd" ? { scenario } : {}),
    substrate: "qemu",
    imageMode: "offline",
    underlay: { cidr: underlay, internal: true },
    calico: { nodes: 2 },
    workloads: { perNode: 1 },
    bgp: { convergeTimeoutSeconds: 600 },
    qemu: { cpus: 1 },
  };
}

/**
 * afterAll of a qemu suite: destroy as lab:down does (timed, step by step), then nothing of the lab may be
 * left (`leftovers`, and whatever `alsoGone` checks); the stack and its backend are forgotten, and whatever a
 * failed destroy left is swept with lab-vm.sh net-down (it knows the lab's VMs, namespace and files).
 */
export async function tearDownQemuLab(lab: {
  stack: Stack | undefined;
  stackName: string;
  backend: string;
  vmLab: string;
  leftovers: () => string[];
  times: Record<string, number>;
  alsoGone?: () => Promise<void>;
}): Promise<void> {
  const started = Date.now();
  try {
    const timeline = stepTimeline();
    if (lab.stack) await labDown(lab.stack, { onEvent: timeline.onEvent });
    lab.times.destroy = (Date.now() - started) / 1000;
    console.log(`destroy, step by step:\n${timeline.report()}`);
    expect(lab.leftovers(), "nothing of the lab is left").toEqual([]);
    await lab.alsoGone?.();
  } finally {
    await lab.stack?.workspace.removeStack(lab.stackName, { force: true }).catch(() => undefined);
    rmSync(lab.backend, { recursive: true, force: true });
    if (lab.leftovers().length > 0) sh(["bash", labVm, "net-down", lab.vmLab]);
    console.log(`qemu e2e (${lab.stackName}, accelerator ${sh(["bash", labVm, "accel"]).trim()}): ${JSON.stringify(lab.times)} seconds`);
  }
}
