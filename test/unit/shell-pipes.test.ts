import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// Under `set -o pipefail` a pipeline fails when its writer dies of SIGPIPE (exit 141), which happens whenever
// the reader at its end stops reading before the writer is done: `head`, `grep -q`, `grep -m`. Whether it
// happens depends on timing (how the writer's output is split into writes), so such a pipeline fails now and
// then: CI's kind-binaries step did, on `coredns -version | head -1`. Our scripts (and the scripts our code
// generates, which run with pipefail too) read a pipe to its end: `sed -n 1p`, `grep ... >/dev/null`.
const repo = join(__dirname, "..", "..");
const EARLY_EXIT_READER = /(?<!\|)\|(?!\|)\s*(head\b|grep\s+(-[A-Za-z]*[qm]\b|--quiet|--max-count))/;

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === "node_modules") return [];
    if (statSync(path).isDirectory()) return filesUnder(path, pattern);
    return pattern.test(entry) ? [path] : [];
  });
}

describe("pipelines read to the end (no SIGPIPE under pipefail)", () => {
  it("the failure is real: a writer still writing when head has gone fails the pipeline", () => {
    const run = (reader: string) =>
      spawnSync("/bin/bash", ["--norc", "-c", `set -o pipefail; { echo a; sleep 0.2; echo b; } | ${reader}`]).status;
    expect(run("head -1")).toBe(141);
    expect(run("grep -q a")).toBe(141);
    expect(run("sed -n 1p")).toBe(0);
    expect(run("grep a >/dev/null")).toBe(0);
  });

  it("no script of ours, nor any script our code writes, ends a pipeline with head, grep -q or grep -m", () => {
    const files = [
      ...filesUnder(join(repo, "scripts"), /\.sh$/),
      join(repo, ".ci", "run"),
      ...filesUnder(join(repo, "core"), /\.ts$/),
      ...filesUnder(join(repo, "components"), /\.ts$/),
    ];
    const found = files.flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, index) => (EARLY_EXIT_READER.test(line) ? [`${relative(repo, file)}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });
});
