import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { calicoSourceIssues, parseCalicoBuild, type CalicoBuild } from "../../core/config/calico-source";
import { ConfigError } from "../../core/config/errors";
import type { Machine } from "./machine";

/** scripts/offline/calico-local.sh of this checkout. */
const CALICO_LOCAL_SCRIPT = join(__dirname, "..", "..", "scripts", "offline", "calico-local.sh");

export interface CalicoSourceRequest {
  /** artifacts.calicoSource as set. */
  readonly setting: string;
  /** The settings run the offline images, which the local build layers on. */
  readonly offline: boolean;
  /** The offline build's manifest, named when there is none. */
  readonly pinnedManifestPath: string;
}

/**
 * artifacts.calicoSource: checks the tree, then (on `up`) builds it with scripts/offline/calico-local.sh before any
 * of the lab's resources is declared, so the node image's tag (a digest of the build) is known. `preview` builds
 * nothing: it says what `up` would build, and shows the tree's last build, when there is one.
 */
export function localCalicoBuild(request: CalicoSourceRequest, machine: Machine): CalicoBuild | undefined {
  const { setting } = request;
  if (!setting) return undefined;
  const tree = resolve(setting.replace(/^~(?=\/|$)/, machine.home));
  checkTree(setting, tree);
  if (!request.offline) {
    throw new pulumi.RunError(
      `calico-lab:artifacts.calicoSource = ${JSON.stringify(setting)}: the local build layers on the offline node image, and imageMode auto found no offline build at ${request.pinnedManifestPath}: run npm run offline:build`,
    );
  }
  if (!pulumi.runtime.isDryRun()) return build(setting, tree, machine.cacheDir);
  const last = lastBuild(tree, machine.cacheDir);
  void pulumi.log.info(
    `up builds Calico from ${tree} first (go build, then the node image)${last ? `; its last build is ${last.image}, shown here: a changed tree replaces the nodes on up` : ""}`,
  );
  return last;
}

/** The tree's go.mod and this machine's Go: what would make the build fail, said before it starts. */
function checkTree(setting: string, tree: string): void {
  let goMod: string | undefined;
  try {
    goMod = readFileSync(join(tree, "go.mod"), "utf8");
  } catch {
    goMod = undefined;
  }
  const go = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
  const goVersion = go.status === 0 ? go.stdout.trim().replace(/^go/, "") : undefined;
  const issues = calicoSourceIssues(setting, { goMod, goVersion });
  if (issues.length > 0) throw new pulumi.RunError(new ConfigError(issues).message);
}

/** The record calico-local.sh left of the tree's last build (its folder is keyed on the tree's real path), if any. */
function lastBuild(tree: string, cacheDir: string): CalicoBuild | undefined {
  const key = createHash("sha256").update(realpathSync(tree)).digest("hex").slice(0, 12);
  const record = join(cacheDir, "local", key, "build.json");
  return existsSync(record) ? parseCalicoBuild(readFileSync(record, "utf8"), record) : undefined;
}

/** Runs the build (Go's build cache makes an unchanged tree quick); its log goes to the cache's logs folder. */
function build(setting: string, tree: string, cacheDir: string): CalicoBuild {
  const log = join(cacheDir, "logs", "calico-local.log");
  mkdirSync(join(cacheDir, "logs"), { recursive: true });
  const built = spawnSync("bash", [CALICO_LOCAL_SCRIPT, tree], {
    encoding: "utf8",
    env: { ...process.env, CALICO_LAB_CACHE: cacheDir },
    maxBuffer: 64 * 1024 * 1024,
  });
  writeFileSync(log, `${built.stderr}${built.stdout}`);
  if (built.status !== 0) {
    const tail = built.stderr.trim().split("\n").slice(-15).join("\n");
    throw new pulumi.RunError(`calico-lab:artifacts.calicoSource = ${JSON.stringify(setting)}: the build failed (log ${log}):\n${tail}`);
  }
  const record = built.stdout.trim().split("\n").at(-1) ?? "";
  const result = parseCalicoBuild(readFileSync(record, "utf8"), record);
  // calico-local.sh's last line: the tree, the image and how long the build took.
  void pulumi.log.info(built.stderr.trim().split("\n").at(-1) ?? result.image);
  return result;
}
