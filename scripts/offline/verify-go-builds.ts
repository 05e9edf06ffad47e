// Verifies Go binaries against what they must have been built from: reads expectation lines
// (core/go-build-check.ts: `NAME FILE TOKEN...`) on stdin, runs `go version -m` on the files once,
// prints `ok ...` per matching binary and `WRONG BUILD: ...` per difference; exits 1 on any.
// Called by scripts/offline/*.sh --check (go_builds_check in lib.sh).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { compareGoBuild, formatGoBuildMismatch, formatGoBuildOk, parseGoBuildExpectations } from "../../core/go-build-check";
import { parseGoVersionM } from "../../core/parsers/go-version-m";

const expectations = parseGoBuildExpectations(readFileSync(0, "utf8"));
const files = [...new Set(expectations.map((e) => e.file).filter((f) => existsSync(f)))];
const run = files.length ? spawnSync("go", ["version", "-m", ...files], { encoding: "utf8" }) : undefined;
if (run?.error) throw run.error;
// Only the files asked about (and present) count.
const infos = new Map(
  parseGoVersionM(run?.stdout ?? "")
    .filter((i) => files.includes(i.file))
    .map((i) => [i.file, i]),
);
let bad = 0;
for (const want of expectations) {
  const info = infos.get(want.file);
  const mismatches = compareGoBuild(info, want);
  for (const m of mismatches) console.error(formatGoBuildMismatch(m));
  if (info && mismatches.length === 0) console.log(formatGoBuildOk(info, want));
  bad += mismatches.length;
}
process.exit(bad ? 1 : 0);
