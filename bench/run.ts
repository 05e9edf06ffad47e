/**
 * Benchmarks: for each lab size, seconds from the start of `up` until every expected BGP session is
 * Established, seconds for `destroy`, and peak memory (the lab's containers, per node, and Pulumi's own
 * processes); then the same lab brought up by the direct script (bench/direct-lab.ts), and the ratio
 * Pulumi/direct. Each case runs `--runs` times (3 by default), alternating which side goes first; the
 * table gives medians and the spread (min-max). Appends the figures to bench/results.md.
 *   npm run bench                       all cases
 *   npm run bench -- 2 8                only these mesh sizes
 *   npm run bench -- 16rr 64rr --runs 1 route-reflector cases (2 reflectors), one run each
 *   npm run bench -- 2 --timeline       also when each of Pulumi's steps ran, per up
 *   npm run bench -- --qemu             the tutorial lab (etcd and 2 Calico nodes) on qemu VMs next to the same
 *                                       lab on Docker, both through Pulumi, with the VMs' accelerator (KVM or TCG)
 *   npm run bench -- --kdd 3            scenarios side by side: a mesh of 3 as bird (etcd) and as kdd (bare
 *                                       kube-apiserver), both through Pulumi; up to Established, up returned,
 *                                       destroy, peak memory, and the ratio kdd/bird
 */
import { execFile } from "node:child_process";
import { setMaxListeners } from "node:events";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { labNameFor } from "../core/config/keys";
import { loadLabConfig } from "../core/config/load";
import { underlayPlanFor } from "../core/config/plan";
import { sessionsEstablishedScript } from "../core/node-scripts";
import { everyNodeHoldsNow, pollSecondsFor, untilPasses } from "../core/settle";
import { vmLabName, vmSshTarget } from "../core/substrates/qemu/scripts";
import { machineNodeShell } from "../core/substrates/ssh/runner";
import { dockerShell } from "../core/transports/docker";
import type { NodeShell } from "../core/transports/node-shell";
import { expectedTopology } from "../core/topology";
import { cacheDir, freeUnderlay, labDown, labDownByCli, missingPrerequisites, openStack, repoRoot, sh } from "../test/e2e/live";
import { directLab } from "./direct-lab";

const exec = promisify(execFile);
// As `npm run lab:*` runs Pulumi (scripts/lab.sh): the lab's steps wait more than they compute.
process.env.PULUMI_PARALLEL ??= "256";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Case {
  readonly nodes: number;
  readonly routeReflectors: string[];
}

interface Figures {
  readonly established: number;
  readonly destroy: number;
  /** The lab's containers. */
  readonly peakMiB: number;
  /** Pulumi's own processes (CLI, language host, dynamic providers); 0 for the direct script. */
  readonly toolMiB: number;
  /** Resources in the stack and the mean seconds of a custom resource's step during up (Pulumi only). */
  readonly resources?: number;
  readonly meanStep?: number;
  /** Seconds until `up` returned, the lab's own status checks included (Pulumi only). */
  readonly up?: number;
}

const REFLECTORS = ["calico1", "calico2"];
/** --timeline: print when each of Pulumi's steps ran in every up. */
const timeline = process.argv.includes("--timeline");
const ALL: Case[] = [
  { nodes: 2, routeReflectors: [] },
  { nodes: 4, routeReflectors: [] },
  { nodes: 8, routeReflectors: [] },
  { nodes: 16, routeReflectors: [] },
  { nodes: 16, routeReflectors: REFLECTORS },
  { nodes: 32, routeReflectors: [] },
  { nodes: 64, routeReflectors: REFLECTORS },
];
/** How often the memory sampler runs: `docker stats` and `ps` cost CPU the labs need; the sampler's own cost is printed. */
const SAMPLE_EVERY_MS = 2000;

function mib(text: string): number {
  const match = /^([\d.]+)\s*([KMG]i?B|B)/.exec(text.trim());
  if (!match) return 0;
  const value = Number(match[1]);
  const unit = match[2] ?? "B";
  return unit.startsWith("G") ? value * 1024 : unit.startsWith("M") ? value : unit.startsWith("K") ? value / 1024 : value / 1048576;
}

/**
 * RSS (MiB) of Pulumi's own processes: the CLI this process started (the Automation API's, or lab:down's) and, under it,
 * its language host, plugins and their Node processes. Not the commands the steps run (bash, docker), which
 * the direct script runs too, nor this process's own trips into the nodes and samples.
 */
async function pulumiProcessesMiB(): Promise<number> {
  const { stdout } = await exec("ps", ["-e", "-o", "pid=,ppid=,rss=,comm="]).catch(() => ({ stdout: "" }));
  const rows = stdout
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, ppid, kb, comm]) => ({ pid: Number(pid), ppid: Number(ppid), kb: Number(kb), comm: comm ?? "" }));
  const pulumis = (comm: string) => comm.startsWith("pulumi");
  const children = new Map<number, typeof rows>();
  for (const row of rows) {
    const siblings = children.get(row.ppid);
    if (siblings) siblings.push(row);
    else children.set(row.ppid, [row]);
  }
  let total = 0;
  const queue = (children.get(process.pid) ?? []).filter((row) => pulumis(row.comm));
  for (let row = queue.pop(); row !== undefined; row = queue.pop()) {
    total += row.kb;
    queue.push(...(children.get(row.pid) ?? []).filter((child) => pulumis(child.comm) || child.comm === "node"));
  }
  return total / 1024;
}

let samplerMs = 0;
let samples = 0;

/** How the watcher reaches a lab's nodes and measures its memory (MiB): containers here, or VMs. */
interface Probe {
  readonly shellOf: (node: string) => NodeShell;
  readonly memoryMiB: () => Promise<number>;
  /** Seconds between tries to reach a node that is not there yet (each trip into a VM under TCG costs it CPU). */
  readonly intervalSeconds: number;
  /** Seconds between session checks inside a node (BIRD answering costs a TCG VM more than a container). */
  readonly insideEverySeconds: number;
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
    insideEverySeconds: 0.25,
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
    insideEverySeconds: 1,
  };
}

/**
 * Watches a lab while it comes up: when all sessions are Established, and the peak memory of its nodes and
 * of Pulumi. Each node is watched on its own, by a loop inside the node (one trip into it, not one a
 * second); once every node's sessions have been seen Established, all of them are checked once more side
 * by side, and that check's end is the time reported. A node not there yet (its container or VM not made)
 * fails its trip at once, and is tried again a second later.
 */
function watch(probe: Probe, c: Case, started: number) {
  const names = Array.from({ length: c.nodes }, (_, i) => `calico${i + 1}`);
  const mode = c.routeReflectors.length > 0 ? "routeReflectors" : "mesh";
  const expected = expectedTopology({
    asNumber: 64512,
    mode,
    routeReflectors: c.routeReflectors,
    nodes: names.map((n) => ({ name: n, address: n })),
  });
  const checks = names.map((n) => ({
    shell: probe.shellOf(n),
    check: sessionsEstablishedScript(expected.sessions.filter((s) => s.a === n || s.b === n).length),
  }));
  let established = 0;
  let peakMiB = 0;
  let toolMiB = 0;
  let stopped = false;
  // Stops the trips into the nodes still waiting when the watcher stops (an up that threw).
  const trips = new AbortController();
  // One listener per node's trip at once (64 at 64 nodes), each removed when its trip ends: not a leak.
  setMaxListeners(c.nodes + 1, trips.signal);
  const passes = (script: string) =>
    exec("bash", ["-c", script], { signal: trips.signal }).then(
      () => true,
      () => false,
    );
  const whilePolling = async (attempt: () => Promise<boolean>) => {
    while (!stopped && !(await attempt())) await sleep(probe.intervalSeconds * 1000);
  };
  const sessions = (async () => {
    await Promise.all(
      checks.map((node) =>
        whilePolling(() =>
          passes(node.shell.run(untilPasses(node.check, 900, Math.max(probe.insideEverySeconds, pollSecondsFor(c.nodes))))),
        ),
      ),
    );
    await whilePolling(async () => {
      const together = await passes(everyNodeHoldsNow(checks));
      if (together) established = (Date.now() - started) / 1000;
      return together;
    });
  })();
  const memory = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      const [total, tool] = await Promise.all([probe.memoryMiB(), pulumiProcessesMiB()]);
      samplerMs += Date.now() - t0;
      samples++;
      peakMiB = Math.max(peakMiB, total);
      toolMiB = Math.max(toolMiB, tool);
      for (let waited = 0; waited < SAMPLE_EVERY_MS && !stopped; waited += 250) await sleep(250);
    }
  })();
  return {
    established: () => established > 0,
    stop: async () => {
      stopped = true;
      trips.abort();
      await Promise.all([sessions, memory]);
      return { established, peakMiB, toolMiB };
    },
  };
}

/** Up has returned; give the sessions a last two minutes, then fail rather than report a lab that never converged. */
async function waitEstablished(watcher: ReturnType<typeof watch>, lab: string) {
  const deadline = Date.now() + 120_000;
  while (!watcher.established() && Date.now() < deadline) await sleep(500);
  const seen = await watcher.stop();
  if (seen.established === 0) throw new Error(`${lab}: not every BGP session was Established within two minutes of up`);
  return seen;
}

/** The custom resources' steps of an update: how many, their mean duration, and when each ran (seconds from `started`). */
function stepClock(started: number) {
  const starts = new Map<string, number>();
  const steps: { name: string; op: string; start: number; end: number }[] = [];
  let firstEvent: number | undefined;
  const at = () => (Date.now() - started) / 1000;
  return {
    onEvent: (event: EngineEvent) => {
      firstEvent ??= at();
      const pre = event.resourcePreEvent?.metadata;
      if (pre && pre.op !== "same" && !pre.type.startsWith("calicolab:") && pre.type !== "pulumi:pulumi:Stack") starts.set(pre.urn, at());
      const done = event.resOutputsEvent?.metadata;
      const start = done ? starts.get(done.urn) : undefined;
      if (done && start !== undefined) steps.push({ name: done.urn.split("::").at(-1) ?? done.urn, op: done.op, start, end: at() });
    },
    mean: () => steps.reduce((sum, step) => sum + step.end - step.start, 0) / Math.max(1, steps.length),
    /** One line per step, in the order they started: where an up's seconds went. */
    timeline: (established: number) =>
      [
        `    first engine event ${firstEvent?.toFixed(1) ?? "-"} s; every session Established at ${established.toFixed(1)} s`,
        ...[...steps]
          .sort((a, b) => a.start - b.start)
          .map((step) => `    ${step.start.toFixed(1).padStart(6)} -> ${step.end.toFixed(1).padStart(6)} s  ${step.op} ${step.name}`),
      ].join("\n"),
  };
}

async function viaPulumi(
  c: Case,
  id: string,
  { substrate = "docker", scenario = "bird" }: { substrate?: "docker" | "qemu"; scenario?: "bird" | "kdd" } = {},
): Promise<Figures> {
  const backend = mkdtempSync(join(tmpdir(), "calico-lab-bench-"));
  const stackName = `bench-${id}`;
  const underlay = freeUnderlay();
  const stack = await openStack(stackName, backend, {
    scenario,
    imageMode: "offline",
    underlay: { cidr: underlay, internal: true },
    calico: { nodes: c.nodes },
    ...(c.routeReflectors.length > 0 ? { bgp: { mode: "routeReflectors", routeReflectors: c.routeReflectors } } : {}),
    ...(substrate === "qemu" ? { substrate, bgp: { convergeTimeoutSeconds: 600 } } : {}),
  });
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    const started = Date.now();
    const probe = substrate === "qemu" ? qemuProbe(stackName, underlay, c) : dockerProbe(`calicolab-${stackName}`);
    watcher = watch(probe, c, started);
    const clock = stepClock(started);
    await stack.up({ onOutput: () => undefined, onEvent: clock.onEvent });
    const up = (Date.now() - started) / 1000;
    const seen = await waitEstablished(watcher, stackName);
    if (timeline) console.log(`  ${stackName}: up returned at ${up.toFixed(1)} s\n${clock.timeline(seen.established)}`);
    watcher = undefined;
    const resources = ((await stack.exportStack()).deployment as { resources?: unknown[] }).resources?.length ?? 0;
    const destroyStarted = Date.now();
    await labDownByCli(stack);
    return { ...seen, up, destroy: (Date.now() - destroyStarted) / 1000, resources, meanStep: clock.mean() };
  } finally {
    await watcher?.stop();
    await labDown(stack).catch(() => undefined);
    await stack.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
    rmSync(backend, { recursive: true, force: true });
  }
}

async function direct(c: Case, id: string): Promise<Figures> {
  const name = `direct-${id}`;
  const lab = directLab({
    name,
    underlay: freeUnderlay(),
    nodes: c.nodes,
    routeReflectors: c.routeReflectors,
    cacheDir,
    manifestPath: join(cacheDir, "artifacts", "manifest.json"),
  });
  const started = Date.now();
  const watcher = watch(dockerProbe(name), c, started);
  try {
    await lab.up();
    const seen = await waitEstablished(watcher, name);
    return { ...seen, toolMiB: 0, destroy: await lab.down() };
  } catch (error) {
    await watcher.stop();
    await lab.down().catch(() => undefined); // already partly gone
    throw error;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
/** Median, and the spread when there is more than one run: `12.3 (11.9-13.0)`. */
const fig = (xs: number[], digits = 1) =>
  xs.length > 1
    ? `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`
    : median(xs).toFixed(digits);

function parseArgs(argv: string[]): { cases: Case[]; runs: number } {
  let runs = 3;
  const picked: Case[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--runs") runs = Number(argv[++i]);
    else if (arg !== "--timeline") {
      const match = /^(\d+)(rr)?$/.exec(arg);
      if (!match) throw new Error(`bench: ${arg} is neither a mesh size (8), a route-reflector case (16rr) nor --runs N or --timeline`);
      picked.push({ nodes: Number(match[1]), routeReflectors: match[2] ? REFLECTORS : [] });
    }
  }
  if (!(runs >= 1)) throw new Error("bench: --runs takes a whole number of runs, 1 or more");
  return { cases: picked.length > 0 ? picked : ALL, runs };
}

const machine = () =>
  `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, offline images`;

/** The tutorial lab on qemu VMs next to the same lab on Docker, both through Pulumi. */
async function qemuNextToDocker(run: string): Promise<void> {
  const c: Case = { nodes: 2, routeReflectors: [] };
  const docker = await viaPulumi(c, `${run}-2d`);
  const qemu = await viaPulumi(c, `${run}-2q`, { substrate: "qemu" });
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

/** bird and kdd labs of the same size, one after the other, through Pulumi (kdd has no direct script). */
async function scenarios(nodes: number): Promise<void> {
  const c: Case = { nodes, routeReflectors: [] };
  const run = Date.now().toString(36);
  const bird = await viaPulumi(c, `${run}-${nodes}bird`, { scenario: "bird" });
  const kdd = await viaPulumi(c, `${run}-${nodes}kdd`, { scenario: "kdd" });
  const ratio = (k: number, b: number) => (k / b).toFixed(2);
  const up = (f: Figures) => f.up ?? 0;
  const rows = [
    `| ${nodes} nodes, mesh | ${bird.established.toFixed(1)} | ${kdd.established.toFixed(1)} | ${ratio(kdd.established, bird.established)} | ${up(bird).toFixed(1)} | ${up(kdd).toFixed(1)} | ${ratio(up(kdd), up(bird))} | ${bird.destroy.toFixed(1)} | ${kdd.destroy.toFixed(1)} | ${ratio(kdd.destroy, bird.destroy)} | ${bird.peakMiB.toFixed(0)} | ${kdd.peakMiB.toFixed(0)} |`,
  ];
  console.log(rows.join("\n"));
  const header = [
    "",
    `## ${machine()}, scenarios through Pulumi`,
    "",
    "| lab | up to Established, bird (s) | kdd (s) | ratio kdd/bird | up returned, bird (s) | kdd (s) | ratio | destroy, bird (s) | kdd (s) | ratio | peak memory, bird (MiB) | kdd (MiB) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  appendFileSync(join(__dirname, "results.md"), `${[...header, ...rows].join("\n")}\n`);
}

async function main(): Promise<void> {
  // Arguments first: a mistyped command is refused on any machine, before the prerequisites are asked.
  const kdd = process.argv.indexOf("--kdd");
  const kddNodes = kdd >= 0 ? Number(process.argv[kdd + 1] ?? "3") : 0;
  if (kdd >= 0 && (!Number.isInteger(kddNodes) || kddNodes < 1))
    throw new Error(`bench: --kdd takes a node count, got ${process.argv[kdd + 1]}`);
  const qemu = process.argv.includes("--qemu");
  const { cases, runs } = qemu || kdd >= 0 ? { cases: [], runs: 1 } : parseArgs(process.argv.slice(2));
  const missing = missingPrerequisites();
  if (missing.length > 0) throw new Error(missing.join("\n"));
  if (qemu) return qemuNextToDocker(Date.now().toString(36));
  if (kdd >= 0) return scenarios(kddNodes);
  const benchStarted = Date.now();
  const run = Date.now().toString(36);
  const rows: string[] = [];
  for (const c of cases) {
    const label = `${c.nodes} nodes, ${c.routeReflectors.length > 0 ? `${c.routeReflectors.length} reflectors` : "mesh"}`;
    const p: Figures[] = [];
    const d: Figures[] = [];
    for (let r = 0; r < runs; r++) {
      const id = `${run}-${c.nodes}${c.routeReflectors.length > 0 ? "rr" : "m"}${r}`;
      // Alternate which side goes first: the second one runs on a machine the first has just warmed (or loaded).
      if (r % 2 === 0) {
        p.push(await viaPulumi(c, id));
        d.push(await direct(c, id));
      } else {
        d.push(await direct(c, id));
        p.push(await viaPulumi(c, id));
      }
      console.log(
        `  ${label} run ${r + 1}: Pulumi ${p.at(-1)!.established.toFixed(1)} s up, ${p.at(-1)!.destroy.toFixed(1)} s destroy; direct ${d.at(-1)!.established.toFixed(1)} s up, ${d.at(-1)!.destroy.toFixed(1)} s down`,
      );
    }
    const ratios = (a: Figures[], b: Figures[], key: "established" | "destroy") => a.map((x, i) => x[key] / b[i]![key]);
    const perNode = (xs: Figures[]) => xs.map((x) => x.peakMiB / (c.nodes + 1));
    const row = [
      label,
      fig(p.map((x) => x.established)),
      fig(d.map((x) => x.established)),
      fig(ratios(p, d, "established"), 2),
      fig(p.map((x) => x.destroy)),
      fig(d.map((x) => x.destroy)),
      fig(ratios(p, d, "destroy"), 2),
      fig(
        p.map((x) => x.peakMiB),
        0,
      ),
      fig(
        d.map((x) => x.peakMiB),
        0,
      ),
      fig(perNode(p), 0),
      fig(
        p.map((x) => x.toolMiB),
        0,
      ),
      String(p[0]?.resources ?? 0),
      fig(
        p.map((x) => x.meanStep ?? 0),
        2,
      ),
    ];
    console.log(`| ${row.join(" | ")} |`);
    rows.push(`| ${row.join(" | ")} |`);
  }
  const minutes = (Date.now() - benchStarted) / 60000;
  const sampler = `the memory sampler ran ${samples} times, ${(samplerMs / Math.max(1, samples)).toFixed(0)} ms each on average (every ${SAMPLE_EVERY_MS / 1000} s)`;
  console.log(`bench: ${minutes.toFixed(1)} min in all; ${sampler}`);
  const header = [
    "",
    `## ${machine()}, ${runs} run(s) per case: median (min-max)`,
    "",
    "| lab | up to Established, Pulumi (s) | direct (s) | ratio | destroy, Pulumi (s) | direct (s) | ratio | peak lab memory, Pulumi (MiB) | direct (MiB) | per node (MiB) | Pulumi's processes (MiB) | resources | mean step (s) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const footer = ["", `Whole bench: ${minutes.toFixed(1)} min; ${sampler}.`];
  appendFileSync(join(__dirname, "results.md"), `${[...header, ...rows, ...footer].join("\n")}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
