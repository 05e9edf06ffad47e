import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The shared shell functions of the offline build (scripts/offline/lib.sh), run under bash with a
// cache of their own in a temporary folder and, for go_builds_check, a stand-in `go` that prints
// real `go version -m` output (test/fixtures/go-version-m.txt).
const repo = join(__dirname, "..", "..");
const lib = join(repo, "scripts", "offline", "lib.sh");
const dir = mkdtempSync(join(tmpdir(), "calico-lab-offline-lib-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, "bin");
mkdirSync(bin);
writeFileSync(
  join(bin, "go"),
  `#!/bin/bash\n[[ $1 == version && $2 == -m ]] || exit 2\ncat ${join(repo, "test", "fixtures", "go-version-m.txt")}\n`,
);
chmodSync(join(bin, "go"), 0o755);

function bash(script: string, stdin = "") {
  // --norc: the build scripts run from a terminal, never with Node's socket stdin that makes bash read ~/.bashrc.
  const r = spawnSync("/bin/bash", ["--norc", "-c", `source ${lib}\n${script}`], {
    cwd: dir,
    input: stdin,
    encoding: "utf8",
    env: { ...process.env, CALICO_LAB_CACHE: join(dir, "cache"), PATH: `${bin}:${process.env.PATH ?? ""}` },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("lib.sh stamps", () => {
  it("stamp_ok: the same recipe and every output present; stamp_set writes the recipe", () => {
    const r = bash(`
      f=$CALICO_LAB_CACHE/x.stamp; touch $CALICO_LAB_CACHE/out
      stamp_ok "$f" "a=1 go=go1.26.8" && echo "ok before set"
      stamp_set "$f" "a=1 go=go1.26.8"; cat "$f"
      stamp_ok "$f" "a=1 go=go1.26.8" "$CALICO_LAB_CACHE/out" && echo "ok same"
      stamp_ok "$f" "a=2 go=go1.26.8" "$CALICO_LAB_CACHE/out" || echo "changed recipe: build"
      stamp_ok "$f" "a=1 go=go1.26.8" "$CALICO_LAB_CACHE/gone" || echo "missing output: build"`);
    expect(r.stdout).toBe("a=1 go=go1.26.8\nok same\nchanged recipe: build\nmissing output: build\n");
  });

  it("stamp_check: ok for the current recipe; otherwise names the part, the file and the differing fields", () => {
    const r = bash(`
      f=$CALICO_LAB_CACHE/calico.stamp
      stamp_set "$f" "calico=v1 api=v2 go=go1.26.8 cgo=0"
      # (lib.sh sets -e: a failing check is tested in a condition, as the scripts do)
      stamp_check calico "$f" "calico=v1 api=v2 go=go1.26.8 cgo=0" && echo "rc=$?"
      stamp_check calico "$f" "calico=v1 api=v3 go=go1.26.8 cgo=0" || echo "rc=$?"
      stamp_check cnitool "$CALICO_LAB_CACHE/none" "cni=v1.3.0" || echo "rc=$?"`);
    const cache = join(dir, "cache");
    expect(r.stdout).toBe(`ok      calico stamp ${cache}/calico.stamp\nrc=0\nrc=1\nrc=1\n`);
    expect(r.stderr).toBe(
      `WRONG STAMP: calico (${cache}/calico.stamp): expected api=v3, found api=v2 (offline:build rebuilds it)\n` +
        `WRONG STAMP: cnitool (${cache}/none): expected 'cni=v1.3.0', found no stamp\n`,
    );
  });
});

describe("lib.sh go_builds_check (scripts/offline/verify-go-builds.ts)", () => {
  // The fixture names its binaries by these relative paths; they must exist (content is the stand-in's).
  for (const f of ["artifacts/calico/v3.28.5/calico-node", "artifacts/cni/v1.7.1/bin/bridge"]) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), "");
  }
  const pins = JSON.parse(readFileSync(join(repo, "versions.json"), "utf8")) as {
    calico: { commit: string; goModuleVersion: string };
    cniPlugins: { version: string };
  };
  const lines = (cni: string, commit: string) =>
    `calico-node artifacts/calico/v3.28.5/calico-node mod=github.com/projectcalico/calico@${pins.calico.goModuleVersion} commit=${commit} setting=CGO_ENABLED=0\n` +
    `bridge artifacts/cni/v1.7.1/bin/bridge go=go1.26.8 mod=github.com/containernetworking/plugins@${cni}\n` +
    `cnitool artifacts/cnitool/v1.3.0/cnitool mod=github.com/containernetworking/cni@v1.3.0\n`;

  it("passes on matching binaries, and fails one line per mismatch on a changed pin or a missing file", () => {
    const r = bash("go_builds_check || echo rc=$? >&2", lines(pins.cniPlugins.version, pins.calico.commit));
    expect(r.stdout).toBe(
      `ok      calico-node go1.26.8 github.com/projectcalico/calico@${pins.calico.goModuleVersion} commit a0db560f0520\n` +
        `ok      bridge go1.26.8 github.com/containernetworking/plugins@${pins.cniPlugins.version}\n`,
    );
    // cnitool is in the stand-in's output but not on disk here: a missing binary is a failure.
    expect(r.stderr).toBe(
      "WRONG BUILD: cnitool (artifacts/cnitool/v1.3.0/cnitool): Go build info: expected present, found none (missing file, or not a Go binary)\nrc=1\n",
    );
    const moved = bash("go_builds_check", lines("v1.7.2", "019fcb9c0b0e4d2ad3b0c6b3f0f5d6a2e1e2f3a4"));
    expect(moved.stderr.split("\n").slice(0, 2)).toEqual([
      "WRONG BUILD: calico-node (artifacts/calico/v3.28.5/calico-node): commit: expected 019fcb9c0b0e4d2ad3b0c6b3f0f5d6a2e1e2f3a4, found a0db560f0520",
      `WRONG BUILD: bridge (artifacts/cni/v1.7.1/bin/bridge): main module: expected github.com/containernetworking/plugins@v1.7.2, found github.com/containernetworking/plugins@${pins.cniPlugins.version}`,
    ]);
  });
});

describe("lib.sh apt_install: an index update that failed is named when the install then fails", () => {
  const apt = join(bin, "apt-get");
  writeFileSync(
    apt,
    '#!/bin/bash\ncase "$1" in update) [ -z "$FAIL_UPDATE" ] || { echo "E: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease  Temporary failure resolving" >&2; exit 100; } ;;\n  install) [ -z "$FAIL_INSTALL" ] || { echo "E: Unable to locate package docker.io" >&2; exit 100; }; echo installed "$@" ;; esac\n',
  );
  chmodSync(apt, 0o755);
  const withEnv = (env: Record<string, string>, script: string) =>
    bash(
      Object.entries(env)
        .map(([k, v]) => `export ${k}=${v}\n`)
        .join("") + script,
    );

  it("keeps going past a failed update when the install works", () => {
    const r = withEnv({ FAIL_UPDATE: "1" }, "apt_install docker.io && echo done");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("done");
  });

  it("a failed install says what the install said, and what the failed update said before it", () => {
    const r = withEnv({ FAIL_UPDATE: "1", FAIL_INSTALL: "1" }, "apt_install docker.io");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("apt-get install docker.io failed");
    expect(r.stderr).toContain("Unable to locate package docker.io");
    expect(r.stderr).toContain("apt-get update had failed before it");
    expect(r.stderr).toContain("Temporary failure resolving");
  });
});

describe("lib.sh vpp_settings: the VPP pins and settings of the vpp and calico-vpp parts", () => {
  const vpp = (JSON.parse(readFileSync(join(repo, "versions.json"), "utf8")) as { vpp: Record<string, string> }).vpp;
  const show =
    'vpp_settings && printf "%s\\n" "$BUILDER_IMAGE" "$VPP_VERSION" "$VPP_TARBALL_NAME" "$VPP_SHA256" "$VPP_MARCH" "$VPP_TARBALL" "$VPP_OPT"';

  it("pins from versions.json; the vendored tarball next to the repo and a release build unless set", () => {
    const r = bash(`unset CALICO_LAB_VPP_TARBALL CALICO_LAB_VPP_OPT\n${show}`);
    expect(r.stdout.split("\n")).toEqual([
      vpp.builderImage,
      vpp.version,
      vpp.tarball,
      vpp.sha256,
      vpp.march,
      `${repo}/../shared/vendor/${vpp.tarball}`,
      "release",
      "",
    ]);
  });

  it("CALICO_LAB_VPP_TARBALL and CALICO_LAB_VPP_OPT choose the tarball and the build type", () => {
    const r = bash(`CALICO_LAB_VPP_TARBALL=/src/vpp.tar.gz CALICO_LAB_VPP_OPT=quick\n${show}`);
    expect(r.stdout.split("\n").slice(5)).toEqual(["/src/vpp.tar.gz", "quick", ""]);
  });
});
