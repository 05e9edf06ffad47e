import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { artifactMatches, missingArtifactMessage, requireArtifact } from "../../core/substrates/kind/offline-artifact";

const dir = mkdtempSync(join(tmpdir(), "calico-lab-offline-artifact-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const manifestOf = (artifacts: Record<string, unknown>) => {
  const path = join(dir, `manifest-${Object.keys(artifacts).join("-") || "empty"}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ artifacts }));
  return path;
};
const VPP = { artifact: "calico-vpp", what: "Calico/VPP v3.28.0", version: "v3.28.0", commit: "abc" };
const MANIFEST = { artifact: "calico-manifest", what: "Calico manifest v3.28.5", version: "v3.28.5", withPath: true };

describe("the offline build's artifacts a kind lab needs", () => {
  it("the message names the artifact, the manifest path, what was found and the build command that makes it", () => {
    expect(missingArtifactMessage("/c/manifest.json", VPP, undefined, "--kind --calico-vpp")).toBe(
      "the offline build has no Calico/VPP v3.28.0 for kind (calico-vpp in /c/manifest.json: missing): run bash scripts/offline/build.sh --kind --calico-vpp",
    );
    expect(missingArtifactMessage("/c/manifest.json", MANIFEST, { version: "v3.27.0" }, "--kind")).toBe(
      "the offline build has no Calico manifest v3.28.5 for kind (calico-manifest in /c/manifest.json: version v3.27.0): run bash scripts/offline/build.sh --kind",
    );
    expect(missingArtifactMessage("/c/manifest.json", MANIFEST, {}, "--kind")).toContain(
      "(calico-manifest in /c/manifest.json: version none)",
    );
    expect(missingArtifactMessage("/c/manifest.json", MANIFEST, { version: "" }, "--kind")).toContain(": version none)");
  });

  it("an entry matches with the pinned version, the pinned commit when one is wanted, and its file when one is wanted", () => {
    expect(artifactMatches(undefined, VPP)).toBe(false);
    expect(artifactMatches({ version: "v3.28.0", commit: "abc" }, VPP)).toBe(true);
    expect(artifactMatches({ version: "v3.28.0", commit: "def" }, VPP)).toBe(false);
    expect(artifactMatches({ version: "v3.27.0", commit: "abc" }, VPP)).toBe(false);
    expect(artifactMatches({ version: "v3.28.5" }, MANIFEST)).toBe(false);
    expect(artifactMatches({ version: "v3.28.5", path: "/c/calico.yaml" }, MANIFEST)).toBe(true);
    expect(artifactMatches({ version: "v3.28.5", path: "/c/calico.yaml" }, { ...MANIFEST, withPath: false })).toBe(true);
  });

  it("requireArtifact gives the entry, or throws the message for a missing manifest, a missing entry or another version", () => {
    const good = manifestOf({ "calico-vpp": { version: "v3.28.0", commit: "abc" } });
    expect(requireArtifact(good, VPP, "--calico-vpp")).toEqual({ version: "v3.28.0", commit: "abc" });
    const nowhere = join(dir, "none.json");
    expect(() => requireArtifact(nowhere, VPP, "--calico-vpp")).toThrow(`(calico-vpp in ${nowhere}: missing)`);
    const other = manifestOf({ "calico-manifest": { version: "v3.28.5", path: "/c/calico.yaml" } });
    expect(() => requireArtifact(other, VPP, "--calico-vpp")).toThrow(`(calico-vpp in ${other}: missing)`);
    const old = manifestOf({ "calico-vpp": { version: "v3.27.0", commit: "abc" } });
    expect(() => requireArtifact(old, VPP, "--kind --calico-vpp")).toThrow(
      `the offline build has no Calico/VPP v3.28.0 for kind (calico-vpp in ${old}: version v3.27.0): run bash scripts/offline/build.sh --kind --calico-vpp`,
    );
  });
});
