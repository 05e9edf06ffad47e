import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../core/config/defaults";
import { loadLabConfig } from "../../core/config/load";
import { resolveStartWave, START_WAVE_PER_CORE } from "../../core/config/start-wave";
import { inWaves, startWaves } from "../../core/start-waves";
import { messages } from "../support/config-messages";

const ALLOWED = "allowed is 0 (derived from this machine's cores: 16 per core) or an integer from 1 to 250";

describe("calico.startWave, the setting", () => {
  it("defaults to 0: derived from the machine running Pulumi", () => {
    expect(DEFAULTS.calico.startWave).toBe(0);
    expect(loadLabConfig({}).calico.startWave).toBe(0);
    expect(loadLabConfig({ calico: { startWave: 8 } }).calico.startWave).toBe(8);
    expect(loadLabConfig({ calico: { startWave: 250 } }).calico.startWave).toBe(250);
  });

  it("refuses what is not 0 or a whole number of nodes up to 250, naming the setting, the value and what is allowed", () => {
    expect(messages({ calico: { startWave: -1 } })).toEqual([`calico.startWave = -1: ${ALLOWED}`]);
    expect(messages({ calico: { startWave: 2.5 } })).toEqual([`calico.startWave = 2.5: ${ALLOWED}`]);
    expect(messages({ calico: { startWave: 251 } })).toEqual([`calico.startWave = 251: ${ALLOWED}`]);
    expect(messages({ calico: { startWave: "8" } })).toEqual([`calico.startWave = "8": ${ALLOWED}`]);
    expect(() => loadLabConfig({ calico: { startWave: true } })).toThrow(`calico-lab:calico.startWave = true: ${ALLOWED}`);
  });
});

describe("calico.startWave on a machine", () => {
  it("0 is 16 nodes per core: labs of up to 32 nodes start at once on 2 cores, larger ones in waves of 32", () => {
    expect(START_WAVE_PER_CORE).toBe(16);
    expect(resolveStartWave(0, 2)).toBe(32);
    expect(resolveStartWave(0, 1)).toBe(16);
    expect(resolveStartWave(0, 8)).toBe(128);
    // A machine that reports no cores still starts its nodes.
    expect(resolveStartWave(0, 0)).toBe(16);
  });

  it("a value that was set is kept whatever the cores", () => {
    expect(resolveStartWave(8, 2)).toBe(8);
    expect(resolveStartWave(1, 64)).toBe(1);
  });
});

describe("startWaves", () => {
  const names = ["calico1", "calico2", "calico3", "calico4", "calico5"];

  it("cuts the nodes into waves of the size, in their order", () => {
    expect(startWaves(names, [], 2)).toEqual([[0, 1], [2, 3], [4]]);
    expect(startWaves(names, [], 1)).toEqual([[0], [1], [2], [3], [4]]);
  });

  it("puts the nodes named first (route reflectors) in the first wave, in the lab's order", () => {
    expect(startWaves(names, ["calico5", "calico2"], 2)).toEqual([[1, 4], [0, 2], [3]]);
    expect(startWaves(names, ["calico5", "calico2"], 3)).toEqual([
      [1, 4, 0],
      [2, 3],
    ]);
  });

  it("starts every node at once when the size is 0 or at least the lab's", () => {
    expect(startWaves(names, [], 0)).toEqual([[0, 1, 2, 3, 4]]);
    expect(startWaves(names, ["calico3"], 5)).toEqual([[2, 0, 1, 3, 4]]);
    expect(startWaves(names, [], 32)).toEqual([[0, 1, 2, 3, 4]]);
    expect(startWaves([], [], 0)).toEqual([]);
  });
});

describe("inWaves (the direct script's pacing)", () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  it("starts a wave once every start of the wave before has finished", async () => {
    const events: string[] = [];
    const started = inWaves([[1, 0], [2]], async (i) => {
      events.push(`start ${i}`);
      await tick();
      if (i === 0) await tick();
      events.push(`done ${i}`);
    });
    await Promise.all(started);
    expect(started).toHaveLength(3);
    expect(events).toEqual(["start 1", "start 0", "done 1", "done 0", "start 2", "done 2"]);
  });

  it("fails the later waves with a failed start, and starts none of them", async () => {
    const begun: number[] = [];
    const started = inWaves([[0, 1], [2]], async (i) => {
      begun.push(i);
      if (i === 1) throw new Error("node 1 was not ready");
    });
    await expect(started[0]).resolves.toBeUndefined();
    await expect(started[1]).rejects.toThrow("node 1 was not ready");
    await expect(started[2]).rejects.toThrow("node 1 was not ready");
    expect(begun).toEqual([0, 1]);
  });
});

describe("npm run bench -- --start-wave", () => {
  it("refuses a bad wave as the lab does, before any lab exists", () => {
    const root = join(__dirname, "..", "..");
    const result = spawnSync(
      join(root, "node_modules", ".bin", "ts-node"),
      ["--transpile-only", "bench/run.ts", "2", "--start-wave", "-3"],
      {
        cwd: root,
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    const said = `${result.stdout}${result.stderr}`;
    expect(result.status, said).toBe(1);
    expect(said).toContain(`calico-lab:calico.startWave = -3: ${ALLOWED}`);
  }, 60_000);
});
