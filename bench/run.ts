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
 *   npm run bench -- 64rr --start-wave 16  Calico nodes started 16 at a time on both sides (calico.startWave;
 *                                       default: what the lab derives from this machine's cores)
 *   npm run bench -- --qemu             the tutorial lab (etcd and 2 Calico nodes) on qemu VMs next to the same
 *                                       lab on Docker, both through Pulumi, with the VMs' accelerator (KVM or TCG)
 *   npm run bench -- --kdd 3            scenarios side by side: a mesh of 3 as bird (etcd) and as kdd (bare
 *                                       kube-apiserver), both through Pulumi; up to Established, up returned,
 *                                       destroy, peak memory, and the ratio kdd/bird
 *   npm run bench -- --kind [--runs N]  the kdd lab on kind through Pulumi next to the same cluster by hand (bench/kind.ts)
 *   npm run bench -- 2 8 --against DIR  also the Pulumi side with the program of another checkout (DIR: e.g. a worktree
 *                                       of main), interleaved with this one's and the direct script in every run
 */
import { execFile } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { labNameFor } from "../core/config/keys";
import { loadLabConfig } from "../core/config/load";
import { resolveStartWave } from "../core/config/start-wave";
import { underlayPlanFor } from "../core/config/plan";
import { vmLabName, vmSshTarget } from "../core/substrates/qemu/scripts";
import { machineNodeShell } from "../core/substrates/ssh/runner";
import { cacheDir, freeUnderlay, missingPrerequisites, repoRoot, sh, type OtherProgram } from "../test/e2e/live";
import { directLab } from "./direct-lab";
import { kindBench } from "./kind";
import {
  dockerProbe,
  fig,
  machine,
  nodeSessions,
  samplerSummary,
  throughPulumi,
  waitEstablished,
  watch,
  type Figures,
  type NodeSessions,
  type Probe,
} from "./measure";

const exec = promisify(execFile);
// As `npm run lab:*` runs Pulumi (scripts/lab.sh): the lab's steps wait more than they compute.
process.env.PULUMI_PARALLEL ??= "256";

interface Case {
  readonly nodes: number;
  readonly routeReflectors: string[];
}

const REFLECTORS = ["calico1", "calico2"];
/** --timeline: print when each of Pulumi's steps ran in every up. */
const timeline = process.argv.includes("--timeline");
/** --against DIR: another checkout's program, run as a third side next to this one's and the direct script. */
const againstAt = process.argv.indexOf("--against");
const against: OtherProgram | undefined =
  againstAt < 0
    ? undefined
    : { workDir: process.argv[againstAt + 1] ?? "", namespace: "calico-lab", pulumiHome: join(cacheDir, "pulumi-home") };
/**
 * --start-wave N: how many Calico nodes start at once, on both sides alike (calico.startWave, checked as the lab
 * checks it); without it, what the lab derives from this machine's cores.
 */
function startWaveOf(argv: readonly string[]): number {
  const at = argv.indexOf("--start-wave");
  return resolveStartWave(at < 0 ? 0 : checkedStartWave(argv[at + 1] ?? ""), availableParallelism());
}

/** --start-wave's value checked as the lab checks calico.startWave: a number when it reads as one, else the text as given. */
function checkedStartWave(given: string): number {
  const value = given.trim() !== "" && !Number.isNaN(Number(given)) ? Number(given) : given;
  return loadLabConfig({ calico: { startWave: value } }).calico.startWave;
}

/** The Calico nodes of a case and the sessions each has once the lab has converged. */
const sessionsOf = (c: Case): NodeSessions[] =>
  nodeSessions(
    Array.from({ length: c.nodes }, (_, i) => `calico${i + 1}`),
    c.routeReflectors,
  );

const ALL: Case[] = [
  { nodes: 2, routeReflectors: [] },
  { nodes: 4, routeReflectors: [] },
  { nodes: 8, routeReflectors: [] },
  { nodes: 16, routeReflectors: [] },
  { nodes: 16, routeReflectors: REFLECTORS },
  { nodes: 32, routeReflectors: [] },
  { nodes: 64, routeReflectors: REFLECTORS },
];

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

async function viaPulumi(
  c: Case,
  id: string,
  {
    substrate = "docker",
    scenario = "bird",
    startWave = 0,
    program,
  }: { substrate?: "docker" | "qemu"; scenario?: "bird" | "kdd"; startWave?: number; program?: OtherProgram } = {},
): Promise<Figures> {
  const stackName = `bench-${id}`;
  const underlay = freeUnderlay();
  const settings = {
    scenario,
    imageMode: "offline",
    underlay: { cidr: underlay, internal: true },
    calico: { nodes: c.nodes, startWave },
    ...(c.routeReflectors.length > 0 ? { bgp: { mode: "routeReflectors", routeReflectors: c.routeReflectors } } : {}),
    ...(substrate === "qemu" ? { substrate, bgp: { convergeTimeoutSeconds: 600 } } : {}),
  };
  const probe = substrate === "qemu" ? qemuProbe(stackName, underlay, c) : dockerProbe(`calicolab-${stackName}`);
  return throughPulumi(stackName, settings, probe, sessionsOf(c), { timeline, ...(program ? { program } : {}) });
}

async function direct(c: Case, id: string, startWave: number): Promise<Figures> {
  const name = `direct-${id}`;
  const lab = directLab({
    name,
    underlay: freeUnderlay(),
    nodes: c.nodes,
    routeReflectors: c.routeReflectors,
    startWave,
    cacheDir,
    manifestPath: join(cacheDir, "artifacts", "manifest.json"),
  });
  const started = Date.now();
  const watcher = watch(dockerProbe(name), sessionsOf(c), started);
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

function parseArgs(argv: string[]): { cases: Case[]; runs: number; startWave: number } {
  let runs = 3;
  const picked: Case[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--runs") runs = Number(argv[++i]);
    else if (arg === "--start-wave" || arg === "--against") {
      i++; // its value is read by startWaveOf, or into `against`
    } else if (arg !== "--timeline") {
      const match = /^(\d+)(rr)?$/.exec(arg);
      if (!match)
        throw new Error(
          `bench: ${arg} is neither a mesh size (8), a route-reflector case (16rr) nor --runs N, --start-wave N or --timeline`,
        );
      picked.push({ nodes: Number(match[1]), routeReflectors: match[2] ? REFLECTORS : [] });
    }
  }
  if (!(runs >= 1)) throw new Error("bench: --runs takes a whole number of runs, 1 or more");
  return { cases: picked.length > 0 ? picked : ALL, runs, startWave: startWaveOf(argv) };
}

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
  const kind = process.argv.includes("--kind");
  const { cases, runs, startWave } =
    qemu || kdd >= 0 ? { cases: [], runs: 1, startWave: 0 } : parseArgs(process.argv.slice(2).filter((arg) => arg !== "--kind"));
  const missing = missingPrerequisites();
  if (missing.length > 0) throw new Error(missing.join("\n"));
  if (qemu) return qemuNextToDocker(Date.now().toString(36));
  if (kdd >= 0) return scenarios(kddNodes);
  if (kind) return kindBench(runs, { timeline });
  console.log(`bench: Calico nodes start ${startWave} at a time (calico.startWave), on both sides`);
  const benchStarted = Date.now();
  const run = Date.now().toString(36);
  const rows: string[] = [];
  for (const c of cases) {
    const label = `${c.nodes} nodes, ${c.routeReflectors.length > 0 ? `${c.routeReflectors.length} reflectors` : "mesh"}`;
    const p: Figures[] = [];
    const d: Figures[] = [];
    const o: Figures[] = [];
    for (let r = 0; r < runs; r++) {
      const id = `${run}-${c.nodes}${c.routeReflectors.length > 0 ? "rr" : "m"}${r}`;
      // Rotate which side goes first: a later one runs on a machine the earlier ones have just warmed (or loaded).
      const sides = [
        async () => p.push(await viaPulumi(c, id, { startWave })),
        async () => d.push(await direct(c, id, startWave)),
        ...(against ? [async () => o.push(await viaPulumi(c, `${id}o`, { startWave, program: against }))] : []),
      ];
      for (let s = 0; s < sides.length; s++) await sides[(s + r) % sides.length]!();
      const other = against ? `; against ${o.at(-1)!.established.toFixed(1)} s up, ${o.at(-1)!.destroy.toFixed(1)} s destroy` : "";
      console.log(
        `  ${label} run ${r + 1}: Pulumi ${p.at(-1)!.established.toFixed(1)} s up, ${p.at(-1)!.destroy.toFixed(1)} s destroy; direct ${d.at(-1)!.established.toFixed(1)} s up, ${d.at(-1)!.destroy.toFixed(1)} s down${other}`,
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
    if (against) {
      const otherRow = [
        `${label}, ${against.workDir}`,
        fig(o.map((x) => x.established)),
        fig(d.map((x) => x.established)),
        fig(ratios(o, d, "established"), 2),
        fig(o.map((x) => x.destroy)),
        fig(d.map((x) => x.destroy)),
        fig(ratios(o, d, "destroy"), 2),
      ];
      console.log(`| ${otherRow.join(" | ")} |`);
      rows.push(`| ${otherRow.join(" | ")} | | | | | | |`);
    }
  }
  const minutes = (Date.now() - benchStarted) / 60000;
  const sampler = samplerSummary();
  console.log(`bench: ${minutes.toFixed(1)} min in all; ${sampler}`);
  const header = [
    "",
    `## ${machine()}, ${runs} run(s) per case, Calico nodes started ${startWave} at a time: median (min-max)`,
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
