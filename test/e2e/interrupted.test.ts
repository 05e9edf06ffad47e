import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unsafeUniformIntDistribution, xoroshiro128plus } from "pure-rand";
import { describe, expect, it } from "vitest";
import { killPulumi, labDownAfterKill, processTree, sleep } from "./kill";
import { freeUnderlay, labDown, leftovers, missingPrerequisites, repoRoot } from "./live";
import { labSuite } from "./suite";

const missing = missingPrerequisites();
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);

/** CALICO_LAB_KILL_SEED repeats a run's kill moments; otherwise a new seed, printed. */
const seed = Number(process.env.CALICO_LAB_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const rng = xoroshiro128plus(seed);
const KILLS = 10;
/** Kills that must land while the run was still going, for the suite to have tested anything. */
const KILLS_THAT_MUST_LAND = 7;
const seconds = (ms: number) => (ms / 1000).toFixed(1);
/** A moment in [0, span): drawn in thousandths of the span, so that a seed gives the same moments whatever the span. */
const momentIn = (span: number) => Math.floor((unsafeUniformIntDistribution(0, 999, rng) / 1000) * span);

interface Kill {
  readonly at: number;
  readonly outcome: "killed" | "finished first";
  readonly heldBefore: number;
  readonly swept: string;
  readonly left: string[];
}

describe.sequential(
  `a 3-node lab killed (SIGKILL to pulumi and all it started) at ${KILLS} random moments of up and one of destroy, seed ${seed}`,
  () => {
    const stackName = `e2e-kill-${Date.now().toString(36)}`;
    let running: Promise<unknown> | undefined;
    const lab = labSuite(
      stackName,
      () => ({ imageMode: "offline", underlay: { cidr: freeUnderlay(), internal: true }, calico: { nodes: 3 } }),
      {
        teardown: async (stack, name, backend) => {
          try {
            // A run this suite failed to kill is awaited first: a destroy beside it would leave its lab behind.
            await running?.catch(() => undefined);
            if (stack) await labDownAfterKill(stack).catch(() => undefined);
            expect(leftovers(name), "nothing labelled with the stack is left").toEqual([]);
          } finally {
            await stack?.workspace.removeStack(name, { force: true }).catch(() => undefined);
            rmSync(backend, { recursive: true, force: true });
          }
        },
      },
    );
    let upMs = 0;
    let downMs = 0;

    /** `run` started, then the whole pulumi run killed `at` ms later (unless it finished first), then lab:down. */
    async function killAt(at: number, run: () => Promise<unknown>): Promise<Kill> {
      const started = run().then(
        () => "finished first" as const,
        () => "killed" as const,
      );
      running = started;
      await Promise.race([sleep(at), started]);
      killPulumi(stackName);
      const outcome = await started;
      const heldBefore = leftovers(stackName).length;
      const swept = await labDownAfterKill(lab.stack);
      return { at, outcome, heldBefore, swept, left: leftovers(stackName) };
    }

    function report(kind: string, kills: readonly Kill[]): void {
      const lines = kills.map(
        (k, i) =>
          `  ${kind} kill ${i + 1}: at ${seconds(k.at)} s, ${k.outcome}; ${k.heldBefore} objects held; ` +
          `${k.swept ? `lab:down swept what the state missed: ${k.swept.split("\n").slice(1).join(",").replace(/\s+/g, " ")}` : "destroy alone removed them"}; ` +
          `${k.left.length} left`,
      );
      console.log(`seed ${seed} (CALICO_LAB_KILL_SEED=${seed} repeats it)\n${lines.join("\n")}`);
    }

    it("a whole up and lab:down, timed: the span the kill moments are drawn from", async () => {
      let t = Date.now();
      const result = await lab.stack.up({ onOutput: () => undefined });
      upMs = Date.now() - t;
      expect((result.outputs.bgpTopology?.value as { matches: boolean }).matches).toBe(true);
      t = Date.now();
      await labDown(lab.stack);
      downMs = Date.now() - t;
      expect(leftovers(stackName)).toEqual([]);
      console.log(`up ${seconds(upMs)} s, lab:down ${seconds(downMs)} s`);
    });

    it(`up killed at ${KILLS} random moments: after each, lab:down leaves nothing labelled with the stack, no firewall rule`, async () => {
      const kills: Kill[] = [];
      for (let i = 0; i < KILLS; i++) kills.push(await killAt(momentIn(upMs), () => lab.stack.up({ onOutput: () => undefined })));
      report("up", kills);
      expect(kills.map((k) => k.left)).toEqual(kills.map(() => []));
      expect(kills.filter((k) => k.outcome === "killed").length, "kills that landed while up ran").toBeGreaterThanOrEqual(
        KILLS_THAT_MUST_LAND,
      );
    });

    it("then lab:up converges: the live topology matches the settings", async () => {
      const result = await lab.stack.up({ onOutput: () => undefined });
      expect((result.outputs.bgpTopology?.value as { matches: boolean }).matches).toBe(true);
    });

    it("its destroy killed at a random moment: lab:down after it leaves nothing", async () => {
      const kill = await killAt(momentIn(downMs), () => labDown(lab.stack));
      report("destroy", [kill]);
      expect(kill.left).toEqual([]);
    });
  },
);

describe("a test run killed with SIGTERM (to vitest alone, as a CI timeout or a user does)", () => {
  it("tears its lab down: nothing labelled with its stack is left, and its stack's files are gone", async () => {
    const stackName = `e2e-term-${Date.now().toString(36)}`;
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-e2e-term-"));
    const ready = join(dir, "ready");
    const vitest = spawn(
      join(repoRoot, "node_modules", ".bin", "vitest"),
      ["run", "--config", join(repoRoot, "test", "e2e", "fixtures", "vitest.config.ts")],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          CALICO_LAB_FIXTURE_STACK: stackName,
          CALICO_LAB_FIXTURE_READY: ready,
          CALICO_LAB_FIXTURE_UNDERLAY: freeUnderlay(),
        },
        stdio: "ignore",
      },
    );
    let workers: number[] = [];
    try {
      for (let i = 0; i < 600 && !existsSync(ready); i++) await sleep(500);
      expect(existsSync(ready), "the fixture's lab came up").toBe(true);
      const backend = readFileSync(ready, "utf8").trim();
      expect(leftovers(stackName).length, "the lab is there before the SIGTERM").toBeGreaterThan(0);
      workers = processTree(vitest.pid ?? 0).slice(1);
      vitest.kill("SIGTERM");
      let left = leftovers(stackName);
      for (let i = 0; i < 240 && (left.length > 0 || existsSync(backend)); i++, left = leftovers(stackName)) await sleep(500);
      expect(left, "nothing labelled with the stack is left").toEqual([]);
      expect(existsSync(backend), `the stack's backend folder ${backend} is gone`).toBe(false);
    } finally {
      for (const pid of [vitest.pid ?? 0, ...workers]) spawnSync("kill", ["-KILL", String(pid)]);
      spawnSync("bash", [join(repoRoot, "scripts", "lib", "sweep.sh"), stackName]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
