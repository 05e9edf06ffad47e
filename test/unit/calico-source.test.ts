import { describe, expect, it } from "vitest";
import { calicoSourceIssues, parseCalicoBuild } from "../../core/config/calico-source";
import { ConfigError, formatIssue } from "../../core/config/errors";
import { loadLabConfig } from "../../core/config/load";

const GO_MOD = `module github.com/projectcalico/calico

go 1.23.8

require (
\tgithub.com/BurntSushi/toml v1.3.2
\tgithub.com/projectcalico/api v0.0.0-00010101000000-000000000000
)

replace (
\tgithub.com/projectcalico/api => ./api

\tk8s.io/api => k8s.io/api v0.29.15
)
`;

const issuesOf = (goMod: string | undefined, goVersion: string | null = "1.26.8") =>
  calicoSourceIssues("/src/calico", { goMod, goVersion: goVersion ?? undefined }).map(formatIssue);

describe("artifacts.calicoSource: the tree", () => {
  it("accepts a tree whose go.mod is Calico's, and the empty default", () => {
    expect(issuesOf(GO_MOD)).toEqual([]);
    expect(issuesOf(GO_MOD, "1.23.8")).toEqual([]);
    expect(calicoSourceIssues("", { goMod: undefined, goVersion: undefined })).toEqual([]);
    expect(loadLabConfig({}).artifacts.calicoSource).toBe("");
  });

  it("refuses a folder without go.mod, or another module, naming the setting and the value", () => {
    expect(issuesOf(undefined)).toEqual([
      'calico-lab:artifacts.calicoSource = "/src/calico": there is no go.mod there; allowed is a Calico source tree: a folder whose go.mod is module github.com/projectcalico/calico (a git checkout of projectcalico/calico, or a copy of the module), or empty for the pinned release',
    ]);
    expect(issuesOf("module example.com/other\n\ngo 1.22\n")[0]).toMatch(
      /^calico-lab:artifacts\.calicoSource = "\/src\/calico": its go.mod is module example.com\/other, not github.com\/projectcalico\/calico; allowed is/,
    );
  });

  it("refuses a go.mod the build cannot use: no api replace, no require block, a Go newer than this machine's, no go", () => {
    const prefix = 'calico-lab:artifacts.calicoSource = "/src/calico": the build cannot use it: ';
    expect(issuesOf(GO_MOD.replace("\tgithub.com/projectcalico/api => ./api\n", ""))).toEqual([
      `${prefix}its go.mod has no \`github.com/projectcalico/api => ./api\` replace, which the lab's wrapper module rewrites`,
    ]);
    expect(issuesOf(GO_MOD.replace("require (", "require("))).toEqual([`${prefix}its go.mod has no require ( ... ) block to build with`]);
    expect(issuesOf(GO_MOD.replace(/require \([^)]*\)/, "require github.com/x/y v1.0.0"))).toEqual([
      `${prefix}its go.mod has no require ( ... ) block to build with`,
    ]);
    expect(issuesOf(GO_MOD.replace("go 1.23.8", "go 1.27"))).toEqual([
      `${prefix}its go.mod needs Go 1.27 and this machine has Go 1.26.8 (the build uses GOTOOLCHAIN=local)`,
    ]);
    expect(issuesOf(GO_MOD, null)).toEqual([`${prefix}building it needs Go, and there is no go on PATH`]);
    expect(issuesOf(GO_MOD.replace("go 1.23.8\n", ""))).toEqual([`${prefix}its go.mod has no go directive`]);
  });
});

describe("artifacts.calicoSource: where it runs", () => {
  const refused = (raw: Record<string, unknown>): string[] => {
    try {
      loadLabConfig(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).issues.map(formatIssue);
    }
    throw new Error("expected the settings to be rejected");
  };

  it("runs on the docker substrate, offline or auto", () => {
    for (const imageMode of ["offline", "auto"]) {
      expect(loadLabConfig({ imageMode, artifacts: { calicoSource: "/src/calico" } }).artifacts.calicoSource).toBe("/src/calico");
    }
    expect(loadLabConfig({ scenario: "kdd", artifacts: { calicoSource: "/src/calico" } }).artifacts.calicoSource).toBe("/src/calico");
  });

  it("is refused online and on the other substrates", () => {
    expect(refused({ imageMode: "online", artifacts: { calicoSource: "/src/calico" } })).toEqual([
      'calico-lab:artifacts.calicoSource = "/src/calico": a build from a local tree layers on the offline node image and runs offline; allowed with imageMode offline or auto, not online: empty it, or set imageMode offline',
    ]);
    expect(refused({ substrate: "qemu", artifacts: { calicoSource: "/src/calico" } })).toEqual([
      'calico-lab:artifacts.calicoSource = "/src/calico": a build from a local tree runs on the docker substrate (its node image lives in this machine\'s engine), not on qemu: empty it, or set substrate docker',
    ]);
    expect(refused({ artifacts: { calicoSource: 3 } })[0]).toMatch(/allowed is the path of a Calico source tree/);
  });
});

describe("the build record", () => {
  const record = {
    source: "/src/calico",
    commit: null,
    dirty: null,
    version: "v3.28.5",
    digest: "a".repeat(64),
    image: "calico-lab/node-local:aaaaaaaaaaaa",
    manifest: "/cache/local/x/manifest.json",
    calicoNodeSha256: "b".repeat(64),
  };

  it("is read back as written", () => {
    expect(parseCalicoBuild(JSON.stringify(record), "build.json")).toEqual(record);
  });

  it("without an image is refused, naming the file", () => {
    expect(() => parseCalicoBuild(JSON.stringify({ ...record, image: "" }), "/x/build.json")).toThrow(
      "/x/build.json: not a calico-local build record (no image)",
    );
  });
});
