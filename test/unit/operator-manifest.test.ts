import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import versions from "../../versions.json";
import { loadLabConfig } from "../../core/config/load";
import { operatorManifestFetchScript, operatorManifestPath, operatorManifestPin } from "../../core/substrates/kind/operator-manifest";

const MANIFEST = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tigera-operator\n";
const SHA = createHash("sha256").update(MANIFEST).digest("hex");

describe("the tigera operator manifest, pinned by its sha256", () => {
  it("takes versions.json's digest for the pinned Calico, the setting's for any, and none for another Calico without one", () => {
    const pinned = versions.kind.operatorManifest;
    expect(operatorManifestPin(pinned.calico, "")).toEqual({
      url: `https://raw.githubusercontent.com/projectcalico/calico/${pinned.calico}/manifests/tigera-operator.yaml`,
      sha256: pinned.sha256,
    });
    expect(operatorManifestPin("v3.29.1", SHA)?.sha256).toBe(SHA);
    expect(operatorManifestPin("v3.29.1", "")).toBeUndefined();
  });

  it("refuses a digest that is not one, naming the setting", () => {
    expect(() => loadLabConfig({ scenario: "kdd", substrate: "kind", kind: { operatorManifestSha256: "$(id)" } })).toThrow(
      'calico-lab:kind.operatorManifestSha256 = "$(id)": allowed is empty or 64 lowercase hex digits',
    );
    expect(loadLabConfig({ scenario: "kdd", substrate: "kind", kind: { operatorManifestSha256: SHA } }).kind.operatorManifestSha256).toBe(
      SHA,
    );
  });

  describe("the fetch", () => {
    const dirs: string[] = [];
    afterEach(() => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });
    /** Runs the script with a stand-in curl that writes `served` and logs each call. */
    function fetch(served: string, sha256: string) {
      const dir = mkdtempSync(join(tmpdir(), "operator-manifest-"));
      dirs.push(dir);
      mkdirSync(join(dir, "bin"));
      writeFileSync(join(dir, "served"), served);
      const curl = `#!/bin/sh\necho "$@" >> ${dir}/curl.log\nwhile [ "$1" != "-o" ]; do shift; done\ncp ${dir}/served "$2"\n`;
      writeFileSync(join(dir, "bin", "curl"), curl, { mode: 0o755 });
      const pin = { url: "https://example.invalid/tigera-operator.yaml", sha256 };
      const run = () =>
        spawnSync("bash", ["-c", operatorManifestFetchScript(join(dir, "cache"), pin)], {
          encoding: "utf8",
          env: { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH}` },
        });
      const calls = () => (existsSync(join(dir, "curl.log")) ? readFileSync(join(dir, "curl.log"), "utf8").trim().split("\n").length : 0);
      return { dir, pin, run, calls, path: operatorManifestPath(join(dir, "cache"), pin) };
    }

    it("keeps a manifest whose digest is the pinned one, prints its path, and reads the cache the next time", () => {
      const f = fetch(MANIFEST, SHA);
      const first = f.run();
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toBe(`${f.path}\n`);
      expect(readFileSync(f.path, "utf8")).toBe(MANIFEST);
      expect(f.run().stdout).toBe(`${f.path}\n`);
      expect(f.calls()).toBe(1);
    });

    it("refuses a manifest with another digest, naming where it came from and both digests, and keeps nothing", () => {
      const f = fetch(`${MANIFEST}# changed\n`, SHA);
      const result = f.run();
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        "refusing the tigera operator manifest from https://example.invalid/tigera-operator.yaml: its sha256 is ",
      );
      expect(result.stderr).toContain(`pinned is ${SHA}`);
      expect(existsSync(f.path)).toBe(false);
      expect(spawnSync("sh", ["-c", `ls ${f.dir}/cache/kind`], { encoding: "utf8" }).stdout).toBe("");
    });

    it("refuses a copy changed in the cache, and fetches it again next time", () => {
      const f = fetch(MANIFEST, SHA);
      expect(f.run().status).toBe(0);
      writeFileSync(f.path, "tampered\n");
      expect(f.run().status).toBe(1);
      expect(existsSync(f.path)).toBe(false);
      expect(f.run().stdout).toBe(`${f.path}\n`);
      expect(f.calls()).toBe(2);
    });
  });
});
