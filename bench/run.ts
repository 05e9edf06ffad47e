/**
 * Benchmarks: for each lab size, seconds from the start of `up` until every expected BGP session is
 * Established, seconds for `destroy`, and the lab's peak memory; then the same lab brought up by the
 * direct script, and the ratio Pulumi/direct. Appends the figures to bench/results.md.
 *   npm run bench                 all cases
 *   npm run bench -- 2 4          only these mesh sizes
 *   npm run bench -- --kdd 3      scenarios side by side: a mesh of 3 as bird (etcd) and as kdd (bare
 *                                 kube-apiserver), both through Pulumi; up to Established, up returned,
 *                                 destroy, peak memory, and the ratio kdd/bird
 */
import { execFile } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sessionsEstablishedScript } from "../core/node-scripts";
import { dockerShell } from "../core/transports/docker";
import { expectedTopology } from "../core/topology";
import { freeUnderlay, missingPrerequisites, openStack } from "../test/e2e/live";
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

interface PulumiFigures extends Figures {
  /** Seconds until `up` returned (the lab's own status checks included). */
  readonly up: number;
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

/** Watches a lab while it comes up: when all sessions are Established, and the peak of its containers' memory. */
function watch(prefix: string, c: Case, started: number) {
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
      ...names.map((n) =>
        dockerShell(`${prefix}-${n}`).run(sessionsEstablishedScript(expected.sessions.filter((s) => s.a === n || s.b === n).length)),
      ),
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
      else await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const memory = (async () => {
    while (!stopped) {
      const { stdout } = await exec("docker", ["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}"]).catch(() => ({
        stdout: "",
      }));
      const total = stdout
        .split("\n")
        .filter((line) => line.startsWith(`${prefix}-`))
        .reduce((sum, line) => sum + mib(line.split(" ").slice(1).join(" ")), 0);
      peakMiB = Math.max(peakMiB, total);
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

async function viaPulumi(c: Case, id: string, scenario: "bird" | "kdd" = "bird"): Promise<PulumiFigures> {
  const backend = mkdtempSync(join(tmpdir(), "calico-lab-bench-"));
  const stackName = `bench-${id}`;
  const stack = await openStack(stackName, backend, {
    scenario,
    imageMode: "offline",
    underlay: { cidr: freeUnderlay(), internal: true },
    calico: { nodes: c.nodes },
    ...(c.routeReflectors.length > 0 ? { bgp: { mode: "routeReflectors", routeReflectors: c.routeReflectors } } : {}),
  });
  try {
    const started = Date.now();
    const watcher = watch(`calicolab-${stackName}`, c, started);
    await stack.up({ onOutput: () => undefined });
    const up = (Date.now() - started) / 1000;
    const seen = await waitEstablished(watcher, stackName);
    const destroyStarted = Date.now();
    await stack.destroy({ onOutput: () => undefined });
    return { established: seen.established, up, destroy: (Date.now() - destroyStarted) / 1000, peakMiB: seen.peakMiB };
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
  const watcher = watch(name, c, started);
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

function machineHeading(): string {
  return `## ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, offline images`;
}

/** bird and kdd labs of the same size, one after the other, through Pulumi (kdd has no direct script). */
async function scenarios(nodes: number): Promise<void> {
  const c: Case = { nodes, routeReflectors: [] };
  const run = Date.now().toString(36);
  const bird = await viaPulumi(c, `${run}-${nodes}bird`, "bird");
  const kdd = await viaPulumi(c, `${run}-${nodes}kdd`, "kdd");
  const ratio = (k: number, b: number) => (k / b).toFixed(2);
  const rows = [
    `| ${nodes} nodes, mesh | ${bird.established.toFixed(1)} | ${kdd.established.toFixed(1)} | ${ratio(kdd.established, bird.established)} | ${bird.up.toFixed(1)} | ${kdd.up.toFixed(1)} | ${ratio(kdd.up, bird.up)} | ${bird.destroy.toFixed(1)} | ${kdd.destroy.toFixed(1)} | ${ratio(kdd.destroy, bird.destroy)} | ${bird.peakMiB.toFixed(0)} | ${kdd.peakMiB.toFixed(0)} |`,
  ];
  console.log(rows.join("\n"));
  const header = [
    "",
    `${machineHeading()}, scenarios through Pulumi`,
    "",
    "| lab | up to Established, bird (s) | kdd (s) | ratio kdd/bird | up returned, bird (s) | kdd (s) | ratio | destroy, bird (s) | kdd (s) | ratio | peak memory, bird (MiB) | kdd (MiB) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  appendFileSync(join(__dirname, "results.md"), `${[...header, ...rows].join("\n")}\n`);
}

async function main(): Promise<void> {
  const missing = missingPrerequisites();
  if (missing.length > 0) throw new Error(missing.join("\n"));
  const kdd = process.argv.indexOf("--kdd");
  if (kdd >= 0) {
    const nodes = Number(process.argv[kdd + 1] ?? "3");
    if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`--kdd takes a node count, got ${process.argv[kdd + 1]}`);
    return scenarios(nodes);
  }
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
    machineHeading(),
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
