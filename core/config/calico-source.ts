/**
 * `artifacts.calicoSource`: a local Calico tree the lab builds calico-node, calicoctl, the calico CNI plugins and
 * the node image from (scripts/offline/calico-local.sh). Pure: the program reads the tree's go.mod and the build
 * record; these functions judge them.
 */
import type { ConfigIssue } from "./errors";

const SETTING = "artifacts.calicoSource";
const CALICO_MODULE = "github.com/projectcalico/calico";

/** What the program found at the path. */
export interface CalicoSourceFacts {
  /** The text of `<path>/go.mod`; undefined when there is no such file (or no such folder). */
  readonly goMod: string | undefined;
  /** This machine's Go version (`go env GOVERSION` without `go`, e.g. 1.26.8); undefined when there is no go. */
  readonly goVersion: string | undefined;
}

/** `1.23.8` → [1, 23, 8]; compares Go versions part by part. */
function newerThan(a: string, b: string): boolean {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x > y;
  }
  return false;
}

/** Why the tree at `path` cannot be built by the lab, one issue per reason; none when it can. */
export function calicoSourceIssues(path: string, facts: CalicoSourceFacts): ConfigIssue[] {
  if (path === "") return [];
  const issue = (allowed: string): ConfigIssue[] => [{ setting: SETTING, value: path, allowed }];
  const allowed = `allowed is a Calico source tree: a folder whose go.mod is module ${CALICO_MODULE} (a git checkout of projectcalico/calico, or a copy of the module), or empty for the pinned release`;
  if (facts.goMod === undefined) return issue(`there is no go.mod there; ${allowed}`);
  const module = /^module\s+(\S+)\s*$/m.exec(facts.goMod)?.[1];
  if (module !== CALICO_MODULE) return issue(`its go.mod is module ${module ?? "(none)"}, not ${CALICO_MODULE}; ${allowed}`);
  const problems: string[] = [];
  if (!/^\s*github\.com\/projectcalico\/api\s+=>\s+\.\/api\s*$/m.test(facts.goMod)) {
    problems.push("its go.mod has no `github.com/projectcalico/api => ./api` replace, which the lab's wrapper module rewrites");
  }
  if (!/^require \($/m.test(facts.goMod)) problems.push("its go.mod has no require ( ... ) block to build with");
  const goLine = /^go\s+(\d+(?:\.\d+)*)\s*$/m.exec(facts.goMod)?.[1];
  if (!goLine) problems.push("its go.mod has no go directive");
  else if (facts.goVersion === undefined) problems.push("building it needs Go, and there is no go on PATH");
  else if (newerThan(goLine, facts.goVersion)) {
    problems.push(`its go.mod needs Go ${goLine} and this machine has Go ${facts.goVersion} (the build uses GOTOOLCHAIN=local)`);
  }
  return problems.map((problem) => ({ setting: SETTING, value: path, allowed: `the build cannot use it: ${problem}` }));
}

/** What scripts/offline/calico-local.sh writes after a build (build.json). */
export interface CalicoBuild {
  /** The tree's real path. */
  readonly source: string;
  /** The tree's git commit; null when it is not a git checkout. */
  readonly commit: string | null;
  /** Whether tracked files differ from the commit; null when it is not a git checkout. */
  readonly dirty: boolean | null;
  /** The version string the binaries carry (calico-node -v). */
  readonly version: string;
  /** Digest of the build: the binaries, the confd templates and the image they layer on. */
  readonly digest: string;
  /** The node image, tagged by that digest. */
  readonly image: string;
  /** The manifest (offline manifest format) whose calico entries are this build's. */
  readonly manifest: string;
  /** sha256 of calico-node. */
  readonly calicoNodeSha256: string;
}

/** Reads build.json's text; throws naming the file when it is not a build record. */
export function parseCalicoBuild(text: string, file: string): CalicoBuild {
  const record = JSON.parse(text) as Partial<CalicoBuild>;
  for (const key of ["source", "version", "digest", "image", "manifest", "calicoNodeSha256"] as const) {
    if (typeof record[key] !== "string" || record[key] === "") throw new Error(`${file}: not a calico-local build record (no ${key})`);
  }
  return record as CalicoBuild;
}
