import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localCalicoBuild } from "../../components/lab/calico-build";

// The program during `preview` (the mocks' dry run): a local Calico tree is checked, never built.
pulumi.runtime.setMocks(
  { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
  "calico-lab",
  "test",
  true,
);

const GO_MOD = `module github.com/projectcalico/calico\n\ngo 1.24.0\n\nrequire (\n\tgithub.com/projectcalico/api v0.0.0\n)\n\nreplace (\n\tgithub.com/projectcalico/api => ./api\n)\n`;

describe("artifacts.calicoSource during preview", () => {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-component-build-"));
  const tree = join(dir, "calico");
  const cacheDir = join(dir, "cache");
  const machine = { cacheDir, home: dir, labName: "lab" };
  const request = { setting: tree, offline: true, pinnedManifestPath: join(cacheDir, "artifacts", "manifest.json") };
  const path = process.env.PATH;

  beforeAll(() => {
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, "go.mod"), GO_MOD);
    // A go that only answers `go env GOVERSION`: nothing here may build.
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin", "go"), '#!/bin/sh\n[ "$1 $2" = "env GOVERSION" ] && echo go1.26.0 && exit 0\nexit 1\n');
    chmodSync(join(dir, "bin", "go"), 0o755);
    process.env.PATH = `${join(dir, "bin")}:${path}`;
  });
  afterAll(() => {
    process.env.PATH = path;
    rmSync(dir, { recursive: true, force: true });
  });

  it("builds nothing and, with no build before, leaves the node image as it is", () => {
    expect(pulumi.runtime.isDryRun()).toBe(true);
    expect(localCalicoBuild(request, machine)).toBeUndefined();
    expect(existsSync(join(cacheDir, "logs")), "no build log: calico-local.sh did not run").toBe(false);
  });

  it("shows the tree's last build, as calico-local.sh recorded it", () => {
    const key = createHash("sha256").update(realpathSync(tree)).digest("hex").slice(0, 12);
    const record = {
      source: realpathSync(tree),
      commit: null,
      dirty: null,
      version: "v3.30.0",
      digest: "0123456789ab".padEnd(64, "0"),
      image: "calico-lab/node-local:0123456789ab",
      manifest: join(cacheDir, "local", key, "manifest.json"),
      calicoNodeSha256: "f".repeat(64),
    };
    mkdirSync(join(cacheDir, "local", key), { recursive: true });
    writeFileSync(join(cacheDir, "local", key, "build.json"), JSON.stringify(record));
    expect(localCalicoBuild(request, machine)).toEqual(record);
    expect(existsSync(join(cacheDir, "logs"))).toBe(false);
  });

  it("still refuses a tree the build could not use", () => {
    writeFileSync(join(tree, "go.mod"), GO_MOD.replace("go 1.24.0", "go 9.99"));
    expect(() => localCalicoBuild(request, machine)).toThrow(/needs Go 9\.99 and this machine has Go 1\.26\.0/);
    writeFileSync(join(tree, "go.mod"), GO_MOD);
  });
});
