/**
 * What every bench case measures, whatever brings its lab up: when every expected BGP session is Established
 * (watched inside the nodes), the nodes' and Pulumi's peak memory, Pulumi's steps, and the figures' medians.
 */
import { execFile } from "node:child_process";
import { setMaxListeners } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { DEFAULTS } from "../core/config/defaults";
import { sessionsEstablishedScript } from "../core/node-scripts";
import { everyNodeHoldsNow, pollSecondsFor, untilPasses } from "../core/settle";
import { dockerCommand, dockerShell } from "../core/transports/docker";
import type { NodeShell } from "../core/transports/node-shell";
import { expectedTopology, sessionCountOf } from "../core/topology";
import { labDown, labDownByCli, openStack, type OtherProgram } from "../test/e2e/live";

const exec = promisify(execFile);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Figures {
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

/** How often the memory sampler runs: `docker stats` and `ps` cost CPU the labs need; the sampler's own cost is printed. */
export const SAMPLE_EVERY_MS = 2000;

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
export async function pulumiProcessesMiB(): Promise<number> {
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

/** What the memory sampler cost so far, for the bench's footer. */
export const samplerSummary = () =>
  `the memory sampler ran ${samples} times, ${(samplerMs / Math.max(1, samples)).toFixed(0)} ms each on average (every ${SAMPLE_EVERY_MS / 1000} s)`;

/** How the watcher reaches a lab's nodes and measures its memory (MiB): containers here, or VMs. */
export interface Probe {
  readonly shellOf: (node: string) => NodeShell;
  readonly memoryMiB: () => Promise<number>;
  /** Seconds between tries to reach a node that is not there yet (each trip into a VM under TCG costs it CPU). */
  readonly intervalSeconds: number;
  /** Seconds between session checks inside a node (BIRD answering costs a TCG VM more than a container). */
  readonly insideEverySeconds: number;
}

/** The lab's containers, named `<prefix>-...`, on this machine's engine (or the one at `dockerHost`). */
export function dockerProbe(prefix: string, options: { dockerHost?: string; insideEverySeconds?: number } = {}): Probe {
  const docker = dockerCommand(options.dockerHost);
  return {
    shellOf: (node) => dockerShell(`${prefix}-${node}`, options.dockerHost),
    memoryMiB: async () => {
      const { stdout } = await exec(docker[0]!, [...docker.slice(1), "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}"]).catch(
        () => ({
          stdout: "",
        }),
      );
      return stdout
        .split("\n")
        .filter((line) => line.startsWith(`${prefix}-`))
        .reduce((sum, line) => sum + mib(line.split(" ").slice(1).join(" ")), 0);
    },
    intervalSeconds: 1,
    insideEverySeconds: options.insideEverySeconds ?? 0.25,
  };
}

/** A node of the lab and how many BGP sessions it has when the lab has converged. */
export interface NodeSessions {
  readonly name: string;
  readonly sessions: number;
}

/** Each node's sessions in a full mesh, or, with route reflectors, between the nodes and the reflectors. */
export function nodeSessions(names: readonly string[], routeReflectors: readonly string[]): NodeSessions[] {
  const expected = expectedTopology({
    asNumber: DEFAULTS.bgp.asNumber,
    mode: routeReflectors.length > 0 ? "routeReflectors" : "mesh",
    routeReflectors: [...routeReflectors],
    nodes: names.map((n) => ({ name: n, address: n })),
  });
  return names.map((name) => ({ name, sessions: sessionCountOf(expected, name) }));
}

/**
 * Watches a lab while it comes up: when all sessions are Established, and the peak memory of its nodes and
 * of Pulumi. Each node is watched on its own, by a loop inside the node (one trip into it, not one a
 * second); once every node's sessions have been seen Established, all of them are checked once more side
 * by side, and that check's end is the time reported. A node not there yet (its container or VM not made)
 * fails its trip at once, and is tried again a second later.
 */
export function watch(probe: Probe, nodes: readonly NodeSessions[], started: number) {
  const checks = nodes.map((n) => ({ shell: probe.shellOf(n.name), check: sessionsEstablishedScript(n.sessions) }));
  let established = 0;
  let peakMiB = 0;
  let toolMiB = 0;
  let stopped = false;
  // Stops the trips into the nodes still waiting when the watcher stops (an up that threw).
  const trips = new AbortController();
  // One listener per node's trip at once (64 at 64 nodes), each removed when its trip ends: not a leak.
  setMaxListeners(nodes.length + 1, trips.signal);
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
          passes(node.shell.run(untilPasses(node.check, 900, Math.max(probe.insideEverySeconds, pollSecondsFor(nodes.length))))),
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
export async function waitEstablished(watcher: ReturnType<typeof watch>, lab: string) {
  const deadline = Date.now() + 120_000;
  while (!watcher.established() && Date.now() < deadline) await sleep(500);
  const seen = await watcher.stop();
  if (seen.established === 0) throw new Error(`${lab}: not every BGP session was Established within two minutes of up`);
  return seen;
}

/** The custom resources' steps of an update: how many, their mean duration, and when each ran (seconds from `started`). */
export function stepClock(started: number) {
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

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
/** Median, and the spread when there is more than one run: `12.3 (11.9-13.0)`. */
export const fig = (xs: number[], digits = 1) =>
  xs.length > 1
    ? `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`
    : median(xs).toFixed(digits);

export const machine = () =>
  `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, offline images`;

/**
 * The Pulumi side of a case: the stack `stackName` with these settings on a file backend of its own, its up watched
 * by `probe`, then its destroy as `lab:down` runs it. Whatever fails, the lab is destroyed and the stack forgotten.
 */
export async function throughPulumi(
  stackName: string,
  settings: Record<string, unknown>,
  probe: Probe,
  nodes: readonly NodeSessions[],
  options: { timeline: boolean; program?: OtherProgram },
): Promise<Figures> {
  const backend = mkdtempSync(join(tmpdir(), "calico-lab-bench-"));
  try {
    const stack = await openStack(stackName, backend, settings, options.program ? { program: options.program } : {});
    try {
      return await upAndDestroy(stack, probe, nodes, options);
    } finally {
      await labDown(stack).catch(() => undefined);
      await stack.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
    }
  } finally {
    rmSync(backend, { recursive: true, force: true });
  }
}

async function upAndDestroy(stack: Stack, probe: Probe, nodes: readonly NodeSessions[], options: { timeline: boolean }): Promise<Figures> {
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    const started = Date.now();
    watcher = watch(probe, nodes, started);
    const clock = stepClock(started);
    await stack.up({ onOutput: () => undefined, onEvent: clock.onEvent });
    const up = (Date.now() - started) / 1000;
    const seen = await waitEstablished(watcher, stack.name);
    if (options.timeline) console.log(`  ${stack.name}: up returned at ${up.toFixed(1)} s\n${clock.timeline(seen.established)}`);
    watcher = undefined;
    const resources = ((await stack.exportStack()).deployment as { resources?: unknown[] }).resources?.length ?? 0;
    const destroyStarted = Date.now();
    await labDownByCli(stack);
    return { ...seen, up, destroy: (Date.now() - destroyStarted) / 1000, resources, meanStep: clock.mean() };
  } finally {
    await watcher?.stop();
  }
}
