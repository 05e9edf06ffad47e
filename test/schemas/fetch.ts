/**
 * Fetches the schemas the unit tests validate rendered manifests against, from the Go module proxy into
 * the cache (never into the repository):
 *   - Calico's CRDs (crd.projectcalico.org and the operator's operator.tigera.io) from the Calico module
 *     at versions.json's commit;
 *   - the Kubernetes OpenAPI v3 specs from k8s.io/kubernetes at the kind node image's Kubernetes version;
 *   - kind's v1alpha4 config types from sigs.k8s.io/kind at kind.kindVersion.
 * Idempotent: a cache that already matches the pins is left alone. Safe to run from several processes at
 * once: each part is built in a private directory and renamed into place, and index.json (which readers
 * check first) is written last, atomically.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import versions from "../../versions.json";
import { DEFAULTS } from "../../core/config/defaults";
import { defaultCacheDir } from "../../core/config/keys";
import { schemaPins, type SchemaIndex, type SchemaPins } from "./pins";

/** Where the schemas live: `<cache>/schemas`, the cache being $CALICO_LAB_CACHE, $XDG_CACHE_HOME/calico-lab or ~/.cache/calico-lab. */
export function schemaRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultCacheDir(env, homedir()), "schemas");
}

export function currentPins(): SchemaPins {
  return schemaPins(versions.calico, DEFAULTS.kind.nodeImage, DEFAULTS.kind.kindVersion);
}

export function describePins(pins: SchemaPins): string {
  return `Calico ${pins.calico.version}, Kubernetes ${pins.kubernetes.version} and kind ${pins.kind.version}`;
}

/** The index in `root` when it matches the pins and every path it names exists; undefined otherwise. */
export function readIndex(root: string, pins: SchemaPins): SchemaIndex | undefined {
  const path = join(root, "index.json");
  if (!existsSync(path)) return undefined;
  let index: SchemaIndex;
  try {
    index = JSON.parse(readFileSync(path, "utf8")) as SchemaIndex;
  } catch {
    return undefined;
  }
  const matches =
    index.calico?.commit === pins.calico.commit &&
    index.kubernetes?.version === pins.kubernetes.version &&
    index.kind?.version === pins.kind.version &&
    [index.calico.crds, index.kubernetes.openapi, index.kind.types, index.kind.defaultImage].every(
      (p) => typeof p === "string" && existsSync(p),
    );
  return matches ? index : undefined;
}

function goModDownload(module: string, version: string): string {
  // Outside any module (a fresh temp dir), so no go.mod is read or written.
  const cwd = mkdtempSync(join(tmpdir(), "calico-lab-schemas-"));
  try {
    let out: string;
    try {
      out = execFileSync("go", ["mod", "download", "-json", `${module}@${version}`], {
        cwd,
        encoding: "utf8",
        env: { ...process.env, GOFLAGS: "-mod=mod", GO111MODULE: "on" },
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (e.code === "ENOENT") throw new Error("the `go` command is not on PATH (install Go 1.22 or later; it reads the Go module proxy)");
      const said = [e.stdout, e.stderr].map((s) => (s ?? "").trim()).filter(Boolean);
      let detail = said.join("\n");
      try {
        detail = (JSON.parse(e.stdout ?? "") as { Error?: string }).Error ?? detail;
      } catch {
        // not JSON: keep what go printed
      }
      throw new Error(`go mod download ${module}@${version} failed: ${detail || e.message}`);
    }
    const info = JSON.parse(out) as { Dir?: string; Error?: string };
    if (info.Error || !info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? "no directory"}`);
    return info.Dir;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** Builds `root/name` through a private directory, so no reader or concurrent fetch sees a half-made one. */
/** Fills root/name once (staged, then renamed into place); a folder that lacks one of `files` is made again. */
function buildInto(root: string, name: string, fill: (dir: string) => void, files: readonly string[] = []): string {
  const target = join(root, name);
  if (existsSync(join(target, ".complete")) && files.every((file) => existsSync(join(target, file)))) return target;
  const staging = mkdtempSync(join(root, `.staging-${name}-`));
  try {
    fill(staging);
    writeFileSync(join(staging, ".complete"), "");
    rmSync(target, { recursive: true, force: true });
    try {
      renameSync(staging, target);
    } catch (error) {
      if (!existsSync(join(target, ".complete"))) throw error; // else another process finished it first
    }
    return target;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function copyYaml(from: string, to: string): number {
  mkdirSync(to, { recursive: true });
  const files = readdirSync(from).filter((f) => f.endsWith(".yaml"));
  for (const f of files) cpSync(join(from, f), join(to, f));
  return files.length;
}

export interface FetchResult {
  readonly index: SchemaIndex;
  /** False when the cache already held them. */
  readonly fetched: boolean;
}

/** Makes sure `root` holds the schemas for the current pins, fetching what is missing; throws saying why when it cannot. */
export function fetchSchemas(root: string = schemaRoot(), log: (line: string) => void = () => {}): FetchResult {
  const pins = currentPins();
  const cached = readIndex(root, pins);
  if (cached) return { index: cached, fetched: false };
  mkdirSync(root, { recursive: true });

  log(`fetching Calico ${pins.calico.version}'s CRDs (github.com/projectcalico/calico@${pins.calico.goModuleVersion})`);
  const calicoDir = goModDownload("github.com/projectcalico/calico", pins.calico.goModuleVersion);
  const calicoOut = buildInto(root, `calico-${pins.calico.version}`, (dir) => {
    copyYaml(join(calicoDir, "libcalico-go", "config", "crd"), join(dir, "crds"));
    copyYaml(join(calicoDir, "charts", "tigera-operator", "crds"), join(dir, "crds"));
  });

  log(`fetching the Kubernetes ${pins.kubernetes.version} OpenAPI specs (k8s.io/kubernetes@${pins.kubernetes.version})`);
  const k8sDir = goModDownload("k8s.io/kubernetes", pins.kubernetes.version);
  const k8sOut = buildInto(root, `kubernetes-${pins.kubernetes.version}`, (dir) =>
    cpSync(join(k8sDir, "api", "openapi-spec", "v3"), join(dir, "openapi-v3"), { recursive: true }),
  );

  log(`fetching kind ${pins.kind.version}'s config types (sigs.k8s.io/kind@${pins.kind.version})`);
  const kindDir = goModDownload("sigs.k8s.io/kind", pins.kind.version);
  const kindOut = buildInto(
    root,
    `kind-${pins.kind.version}`,
    (dir) => {
      cpSync(join(kindDir, "pkg", "apis", "config", "v1alpha4", "types.go"), join(dir, "v1alpha4-types.go"));
      cpSync(join(kindDir, "pkg", "apis", "config", "defaults", "image.go"), join(dir, "defaults-image.go"));
    },
    ["v1alpha4-types.go", "defaults-image.go"],
  );

  const index: SchemaIndex = {
    calico: { ...pins.calico, crds: join(calicoOut, "crds") },
    kubernetes: { version: pins.kubernetes.version, openapi: join(k8sOut, "openapi-v3") },
    kind: { version: pins.kind.version, types: join(kindOut, "v1alpha4-types.go"), defaultImage: join(kindOut, "defaults-image.go") },
  };
  const staged = join(root, `.index-${process.pid}.json`);
  writeFileSync(staged, `${JSON.stringify(index, null, 2)}\n`);
  renameSync(staged, join(root, "index.json"));
  return { index, fetched: true };
}
