import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { run } from "../../components/lab/process";
import { everyNodeHolds, type NodeCheck } from "../../core/settle";
import { shellQuote } from "../../core/shell";
import { pipeScript } from "../../core/transports/node-shell";

/** "Nodes" that are folders on this machine: a trip into one is an `sh -s` there, and is counted in its `trips` file. */
function folderNodes(names: readonly string[]) {
  const base = mkdtempSync(join(tmpdir(), "calico-lab-settle-"));
  onTestFinished(() => rmSync(base, { recursive: true, force: true }));
  const dir = (name: string) => join(base, name);
  for (const name of names) {
    mkdirSync(dir(name));
    writeFileSync(join(base, `${name}.trips`), "");
  }
  const node = (name: string, check: string): NodeCheck => ({
    shell: {
      run: (script) => pipeScript(`echo trip >> ${shellQuote(`${dir(name)}.trips`)} && cd ${shellQuote(dir(name))} && sh -s`, script),
      copyDir: () => "false",
    },
    check,
  });
  return {
    base,
    dir,
    node,
    trips: (name: string) =>
      readFileSync(join(base, `${name}.trips`), "utf8")
        .split("\n")
        .filter(Boolean).length,
  };
}

const later = (ms: number, file: string) => setTimeout(() => writeFileSync(file, ""), ms);
const hostBash = (script: string) => run(["/bin/bash", "--norc", "-c", script]);

describe("every node holds: one loop inside each node, side by side, then all checked together", () => {
  it("passes once every node's check holds, with two trips into each node whatever the wait", async () => {
    const lab = folderNodes(["n1", "n2", "n3"]);
    const nodes = ["n1", "n2", "n3"].map((n) => lab.node(n, "[ -e ready ]"));
    later(300, join(lab.dir("n1"), "ready"));
    later(1200, join(lab.dir("n2"), "ready"));
    later(600, join(lab.dir("n3"), "ready"));
    const started = Date.now();
    const result = await hostBash(everyNodeHolds(nodes, 20));
    expect(result.code).toBe(0);
    // Not before the last node held, and within a few of its quarter-second polls after it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(["n1", "n2", "n3"].map(lab.trips)).toEqual([2, 2, 2]);
  });

  it("fails when a check held once but not when all are checked together", async () => {
    const lab = folderNodes(["n1", "n2"]);
    const nodes = [lab.node("n1", "true"), lab.node("n2", "[ -e once ] && rm once")];
    writeFileSync(join(lab.dir("n2"), "once"), "");
    expect((await hostBash(everyNodeHolds(nodes, 20))).code).toBe(1);
    expect([lab.trips("n1"), lab.trips("n2")]).toEqual([2, 2]);
  });

  it("a node that cannot be reached fails it, but only once the others' loops have ended", async () => {
    const lab = folderNodes(["n2"]);
    const unreachable: NodeCheck = { shell: { run: () => "false", copyDir: () => "false" }, check: "true" };
    later(1000, join(lab.dir("n2"), "ready"));
    const started = Date.now();
    const result = await hostBash(everyNodeHolds([unreachable, lab.node("n2", "[ -e ready ]")], 20));
    expect(result.code).toBe(1);
    // A caller that tried again at once would have started a second loop in n2 while the first still ran.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(lab.trips("n2")).toBe(1);
  });

  it("gives up once the time is over, in every node", async () => {
    const lab = folderNodes(["n1"]);
    const started = Date.now();
    expect((await hostBash(everyNodeHolds([lab.node("n1", "false")], 1))).code).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lab.trips("n1")).toBe(1);
  });
});
