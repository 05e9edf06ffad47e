/**
 * Benchmarks: for each lab size, seconds from the start of `up` until every expected BGP session is
 * Established, seconds for `destroy`, and the lab's peak memory; then the same lab brought up by the
 * direct script, and the ratio Pulumi/direct. Appends the figures to bench/results.md.
 *   npm run bench                 all cases
 *   npm run bench -- 2 4          only these mesh sizes
 *   npm run bench -- --qemu       the tutorial lab (etcd and 2 Calico nodes) on qemu VMs next to the same
 *                                 lab on Docker, both through Pulumi, with the VMs' accelerator (KVM or TCG)
 */
import { execFile } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { labNameFor } from "../core/config/keys";
import { loadLabConfig } from "../core/config/load";
import { underlayPlanFor } from "../core/config/plan";
import { sessionsEstablishedScript } from "../core/node-scripts";
import { vmLabName, vmSshTarget } from "../core/substrates/qemu/scripts";
import { machineNodeShell } from "../core/substrates/ssh/runner";
import { dockerShell } from "../core/transports/docker";
import type { NodeShell } from "../core/transports/node-shell";
import { expectedTopology } from "../core/topology";
import { cacheDir, freeUnderlay, missingPrerequisites, openStack, repoRoot, sh } from "../test/e2e/live";
import { directLab } from "./direct-lab";

const exec = promisify(execFile);

interface Case {
  readonly nodes: number;
  readonly routeReflectors: string[];
}

interface Figures {
  readonly established: number;
  readonly destroy: number;
  readonly peakMiB: number;
}

const ALL: Case[] = [
  { nodes: 2, routeReflectors: [] },
  { nodes: 4, routeReflectors: [] },
  { nodes: 8, routeReflectors: [] },
  { nodes: 16, routeReflectors: [] },
  { nodes: 16, routeReflectors: ["calico1", "calico2"] },
];

function mib(text: string): number {
  const match = /^([\d.]+)\s*([KMG]i?B|B)/.exec(text.trim());
  if (!match) return 0;
  const value = Number(match[1]);
  const unit = match[2] ?? "B";
  return unit.startsWith("G") ? value * 1024 : unit.startsWith("M") ? value : unit.startsWith("K") ? value / 1024 : value / 1048576;
}

/** How the watcher reaches a lab's nodes and measures its memory (MiB): containers here, or VMs. */
interface Probe {
  readonly shellOf: (node: string) => NodeShell;
  readonly memoryMiB: () => Promise<number>;
  /** Seconds between session checks (each check into a VM under TCG costs it CPU). */
  readonly intervalSeconds: number;
}

/** The lab's containers on this machine's engine. */
function dockerProbe(prefix: string): Probe {
  return {
    shellOf: (node) => dockerShell(`${prefix}-${node}`),
    memoryMiB: async () => {
      const { stdout } = await exec("docker", ["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}"]).catch(() => ({
        stdout: "",
      }));
      return stdout
        .split("\n")
        .filter((line) => line.startsWith(`${prefix}-`))
        .reduce((sum, line) => sum + mib(line.split(" ").slice(1).join(" ")), 0);
    },
    intervalSeconds: 1,
  };
}

/** The lab's VMs (qemu substrate): ssh into each VM as the lab does, the QEMU processes' resident memory. */
function qemuProbe(stackName: string, underlay: string, c: Case): Probe {
  const vmLab = vmLabName(labNameFor(stackName));
  const plan = underlayPlanFor(loadLabConfig({ substrate: "qemu", underlay: { cidr: underlay }, calico: { nodes: c.nodes } }));
  const paths = { labVm: join(repoRoot, "scripts", "vm", "lab-vm.sh"), cacheDir };
  return {
    shellOf: (node) => {
      const address = plan.nodes[Number(node.replace(/^calico/, "")) - 1] ?? "";
      return machineNodeShell(vmSshTarget(paths, vmLab, node, address), `calicolab-${stackName}-${node}`);
    },
    memoryMiB: async () => {
      const { stdout } = await exec("ps", ["-eo", "rss=,args="]).catch(() => ({ stdout: "" }));
      return stdout
        .split("\n")
        .filter((line) => line.includes(`-name calicolab-${vmLab}-`))
        .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0] ?? 0) / 1024, 0);
    },
    intervalSeconds: 5,
  };
}

/** Watches a lab while it comes up: when all sessions are Established, and the peak of its nodes' memory. */
function watch(probe: Probe, c: Case, started: number) {
  const names = Array.from({ length: c.nodes }, (_, i) => `calico${i + 1}`);
  const mode = c.routeReflectors.length > 0 ? "routeReflectors" : "mesh";
  const expected = expectedTopology({
    asNumber: 64512,
    mode,
    routeReflectors: c.routeReflectors,
    nodes: names.map((n) => ({ name: n, address: n })),
  });
  const check = [
    "bash",
    "-c",
    [
      "set -e",
      ...names.map((n) => probe.shellOf(n).run(sessionsEstablishedScript(expected.sessions.filter((s) => s.a === n || s.b === n).length))),
    ].join("\n"),
  ];
  let established = 0;
  let peakMiB = 0;
  let stopped = false;
  const sessions = (async () => {
    while (!stopped && established === 0) {
      const ok = await exec(check[0]!, check.slice(1)).then(
        () => true,
        () => false,
      );
      if (ok) established = (Date.now() - started) / 1000;
      else await new Promise((r) => setTimeout(r, probe.intervalSeconds * 1000));
    }
  })();
  const memory = (async () => {
    while (!stopped) {
      peakMiB = Math.max(peakMiB, await probe.memoryMiB());
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    established: () => established > 0,
    stop: async () => {
      stopped = true;
      await Promise.all([sessions, memory]);
      return { established, peakMiB };
    },
  };
}

/** Up has returned; give the sessions a last minute, then fail rather than report a lab that never converged. */
async function waitEstablished(watcher: ReturnType<typeof watch>, lab: string): Promise<{ established: number; peakMiB: number }> {
  const deadline = Date.now() + 60_000;
  while (!watcher.established() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  const seen = await watcher.stop();
  if (seen.established === 0) throw new Error(`${lab}: not every BGP session was Established within a minute of up`);
  return seen;
}

async function viaPulumi(c: Case, id: string, substrate: "docker" | "qemu" = "docker"): Promise<Figures> {
  const backend = mkdtempSync(join(tmpdir(), "calico-lab-bench-"));
  const stackName = `bench-${id}`;
  const underlay = freeUnderlay();
  const stack = await openStack(stackName, backend, {
    imageMode: "offline",
    underlay: { cidr: underlay, internal: true },
    calico: { nodes: c.nodes },
    ...(c.routeReflectors.length > 0 ? { bgp: { mode: "routeReflectors", routeReflectors: c.routeReflectors } } : {}),
    ...(substrate === "qemu" ? { substrate, bgp: { convergeTimeoutSeconds: 600 } } : {}),
  });
  try {
    const started = Date.now();
    const probe = substrate === "qemu" ? qemuProbe(stackName, underlay, c) : dockerProbe(`calicolab-${stackName}`);
    const watcher = watch(probe, c, started);
    await stack.up({ onOutput: () => undefined });
    const seen = await waitEstablished(watcher, stackName);
    const destroyStarted = Date.now();
    await stack.destroy({ onOutput: () => undefined });
    return { established: seen.established, destroy: (Date.now() - destroyStarted) / 1000, peakMiB: seen.peakMiB };
  } finally {
    await stack.destroy({ onOutput: () => undefined }).catch(() => undefined);
    await stack.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
    rmSync(backend, { recursive: true, force: true });
  }
}

async function direct(c: Case, id: string): Promise<Figures> {
  const name = `direct-${id}`;
  const lab = directLab({ name, underlay: freeUnderlay(), nodes: c.nodes, routeReflectors: c.routeReflectors });
  const started = Date.now();
  const watcher = watch(dockerProbe(name), c, started);
  try {
    await lab.up();
    const seen = await waitEstablished(watcher, name);
    return { established: seen.established, destroy: await lab.down(), peakMiB: seen.peakMiB };
  } catch (error) {
    await watcher.stop();
    await lab.down().catch(() => undefined); // already partly gone
    throw error;
  }
}

const machine = () =>
  `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, offline images`;

/** The tutorial lab on qemu VMs next to the same lab on Docker, both through Pulumi. */
async function qemuNextToDocker(run: string): Promise<void> {
  const c: Case = { nodes: 2, routeReflectors: [] };
  const docker = await viaPulumi(c, `${run}-2d`);
  const qemu = await viaPulumi(c, `${run}-2q`, "qemu");
  const accelerator =
    sh(["bash", join(repoRoot, "scripts", "vm", "lab-vm.sh"), "accel"])
      .trim()
      .split(":")[0] ?? "";
  const rows = [
    `| etcd + 2 nodes, mesh | docker | - | ${docker.established.toFixed(1)} | ${docker.destroy.toFixed(1)} | ${docker.peakMiB.toFixed(0)} | 1.00 |`,
    `| etcd + 2 nodes, mesh | qemu | ${accelerator} | ${qemu.established.toFixed(1)} | ${qemu.destroy.toFixed(1)} | ${qemu.peakMiB.toFixed(0)} | ${(qemu.established / docker.established).toFixed(2)} |`,
  ];
  for (const row of rows) console.log(row);
  const header = [
    "",
    `## ${machine()}: qemu VMs next to Docker`,
    "",
    "| lab | substrate | accelerator | up to Established, Pulumi (s) | destroy (s) | peak memory (MiB) | up ratio to docker |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: |",
  ];
  appendFileSync(join(__dirname, "results.md"), `${[...header, ...rows].join("\n")}\n`);
}

async function main(): Promise<void> {
  const missing = missingPrerequisites();
  if (missing.length > 0) throw new Error(missing.join("\n"));
  if (process.argv.includes("--qemu")) return qemuNextToDocker(Date.now().toString(36));
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const cases = sizes.length > 0 ? ALL.filter((c) => sizes.includes(c.nodes) && c.routeReflectors.length === 0) : ALL;
  const run = Date.now().toString(36);
  const rows: string[] = [];
  for (const c of cases) {
    const label = `${c.nodes} nodes, ${c.routeReflectors.length > 0 ? `${c.routeReflectors.length} reflectors` : "mesh"}`;
    const id = `${run}-${c.nodes}${c.routeReflectors.length > 0 ? "rr" : "m"}`;
    const p = await viaPulumi(c, id);
    const d = await direct(c, id);
    const row = `| ${label} | ${p.established.toFixed(1)} | ${d.established.toFixed(1)} | ${(p.established / d.established).toFixed(2)} | ${p.destroy.toFixed(1)} | ${d.destroy.toFixed(1)} | ${(p.destroy / d.destroy).toFixed(2)} | ${p.peakMiB.toFixed(0)} | ${d.peakMiB.toFixed(0)} |`;
    console.log(row);
    rows.push(row);
  }
  const header = [
    "",
    `## ${machine()}`,
    "",
    "| lab | up to Established, Pulumi (s) | direct (s) | ratio | destroy, Pulumi (s) | direct (s) | ratio | peak memory, Pulumi (MiB) | direct (MiB) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  appendFileSync(join(__dirname, "results.md"), `${[...header, ...rows].join("\n")}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
