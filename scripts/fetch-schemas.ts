/**
 * Fetches the schemas the unit tests validate rendered manifests against, from the Go module proxy into
 * the cache (never into the repository):
 *   - Calico's CRDs (crd.projectcalico.org and the operator's operator.tigera.io) from the Calico module
 *     at versions.json's commit;
 *   - the Kubernetes OpenAPI v3 specs from k8s.io/kubernetes at the kind node image's Kubernetes version;
 *   - kind's v1alpha4 config types from sigs.k8s.io/kind at kind.kindVersion.
 * Idempotent: a cache that already matches the pins is left alone. Usage: npm run fetch:schemas
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import versions from "../versions.json";
import { DEFAULTS } from "../core/config/defaults";
import { defaultCacheDir } from "../core/config/keys";
import { schemaPins, type SchemaIndex } from "../test/schemas/pins";

function goModDownload(module: string, version: string): string {
  // Outside any module (a fresh temp dir), so no go.mod is read or written.
  const cwd = mkdtempSync(join(tmpdir(), "calico-lab-schemas-"));
  try {
    const out = execFileSync("go", ["mod", "download", "-json", `${module}@${version}`], {
      cwd,
      encoding: "utf8",
      env: { ...process.env, GOFLAGS: "-mod=mod", GO111MODULE: "on" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const info = JSON.parse(out) as { Dir?: string; Error?: string };
    if (info.Error || !info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? "no directory"}`);
    return info.Dir;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

function copyYaml(from: string, to: string): string[] {
  mkdirSync(to, { recursive: true });
  const files = readdirSync(from).filter((f) => f.endsWith(".yaml"));
  for (const f of files) cpSync(join(from, f), join(to, f));
  return files;
}

function main(): void {
  const pins = schemaPins(versions.calico, DEFAULTS.kind.nodeImage, DEFAULTS.kind.kindVersion);
  const root = join(defaultCacheDir(process.env, homedir()), "schemas");
  const indexPath = join(root, "index.json");
  if (existsSync(indexPath)) {
    const index = JSON.parse(readFileSync(indexPath, "utf8")) as SchemaIndex;
    if (
      index.calico.commit === pins.calico.commit &&
      index.kubernetes.version === pins.kubernetes.version &&
      index.kind?.version === pins.kind.version
    ) {
      console.log(
        `schemas for Calico ${pins.calico.version}, Kubernetes ${pins.kubernetes.version} and kind ${pins.kind.version} are in ${root}`,
      );
      return;
    }
  }

  const calicoDir = goModDownload("github.com/projectcalico/calico", pins.calico.goModuleVersion);
  const calicoOut = join(root, `calico-${pins.calico.version}`);
  rmSync(calicoOut, { recursive: true, force: true });
  const crds = [
    ...copyYaml(join(calicoDir, "libcalico-go", "config", "crd"), join(calicoOut, "crds")),
    ...copyYaml(join(calicoDir, "charts", "tigera-operator", "crds"), join(calicoOut, "crds")),
  ];

  const k8sDir = goModDownload("k8s.io/kubernetes", pins.kubernetes.version);
  const k8sOut = join(root, `kubernetes-${pins.kubernetes.version}`);
  rmSync(k8sOut, { recursive: true, force: true });
  mkdirSync(k8sOut, { recursive: true });
  cpSync(join(k8sDir, "api", "openapi-spec", "v3"), join(k8sOut, "openapi-v3"), { recursive: true });

  const kindDir = goModDownload("sigs.k8s.io/kind", pins.kind.version);
  const kindOut = join(root, `kind-${pins.kind.version}`);
  rmSync(kindOut, { recursive: true, force: true });
  mkdirSync(kindOut, { recursive: true });
  cpSync(join(kindDir, "pkg", "apis", "config", "v1alpha4", "types.go"), join(kindOut, "v1alpha4-types.go"));

  const index: SchemaIndex = {
    calico: { ...pins.calico, crds: join(calicoOut, "crds") },
    kubernetes: { version: pins.kubernetes.version, openapi: join(k8sOut, "openapi-v3") },
    kind: { version: pins.kind.version, types: join(kindOut, "v1alpha4-types.go") },
  };
  writeFileSync(indexPath, `${JSON.stringify(index, null, 2)}\n`);
  console.log(
    `fetched ${crds.length} Calico CRDs (${pins.calico.version}), the Kubernetes ${pins.kubernetes.version} OpenAPI specs and kind ${pins.kind.version}'s config types into ${root}`,
  );
}

main();
