import { describe, expect, it } from "vitest";
import {
  compareGoBuild,
  formatGoBuildMismatch,
  parseGoBuildExpectations,
  recordedCommit,
  type GoBuildExpectation,
} from "../../core/go-build-check";
import { parseGoVersionM, type GoBuildInfo } from "../../core/parsers/go-version-m";
import versions from "../../versions.json";
import { fixture as readFixture } from "../support/fixtures";

// `go version -m` of six binaries of the offline build as they are in the cache (calico-node,
// kubectl, cnitool, the bridge plugin, the Pulumi CLI and the Node.js language host).
const fixture = readFixture("go-version-m.txt");
const infos = parseGoVersionM(fixture);
const info = (file: string): GoBuildInfo => {
  const found = infos.find((i) => i.file === file);
  if (!found) throw new Error(`no ${file} in the fixture`);
  return found;
};
const CALICO_NODE = "artifacts/calico/v3.28.5/calico-node";
const KUBECTL = "artifacts/kubernetes/v1.29.15/kubectl";
const BRIDGE = "artifacts/cni/v1.7.1/bin/bridge";
const LANGHOST = "bin/pulumi-language-nodejs";
const only = (line: string): GoBuildExpectation => {
  const [e, ...rest] = parseGoBuildExpectations(line);
  if (!e || rest.length) throw new Error("one expectation expected");
  return e;
};
const common = "go=go1.26.8 setting=CGO_ENABLED=0 setting=-trimpath=true";
// The expectation calico-binaries.sh --check writes for calico-node, from versions.json.
const calicoNode = (pins = versions.calico, kube = versions.kubernetes.version) =>
  only(
    `calico-node ${CALICO_NODE} path=github.com/projectcalico/calico/node/cmd/calico-node ` +
      `mod=github.com/projectcalico/calico@${pins.goModuleVersion} commit=${pins.commit} ` +
      `dep=github.com/projectcalico/api@${pins.apiGoModuleVersion} dep=k8s.io/kubernetes@${kube} ${common}`,
  );

describe("parseGoVersionM", () => {
  it("reads every binary of a multi-file `go version -m` output", () => {
    expect(infos.map((i) => [i.file, i.goVersion, i.path])).toEqual([
      [CALICO_NODE, "go1.26.8", "github.com/projectcalico/calico/node/cmd/calico-node"],
      [KUBECTL, "go1.26.8", "k8s.io/kubernetes/cmd/kubectl"],
      ["artifacts/cnitool/v1.3.0/cnitool", "go1.26.8", "github.com/containernetworking/cni/cnitool"],
      [BRIDGE, "go1.26.8", "github.com/containernetworking/plugins/plugins/main/bridge"],
      ["bin/pulumi", "go1.26.8", "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"],
      [LANGHOST, "go1.26.8", "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"],
    ]);
  });

  it("reads modules, replaces (of dependencies and of the main module) and build settings", () => {
    const node = info(CALICO_NODE);
    expect(node.main).toEqual({ path: "github.com/projectcalico/calico", version: "v1.11.0-cni-plugin.0.20250813170300-a0db560f0520" });
    expect(node.deps.get("github.com/projectcalico/api")).toEqual({
      path: "github.com/projectcalico/api",
      version: "v0.0.0-00010101000000-000000000000",
      replace: { path: "github.com/projectcalico/api", version: "v0.0.0-20231218190037-9183ab93f33e" },
    });
    expect(node.deps.get("github.com/sirupsen/logrus")).toEqual({ path: "github.com/sirupsen/logrus", version: "v1.9.3" });
    expect(node.deps.size).toBe(123);
    expect(node.settings.get("CGO_ENABLED")).toBe("0");
    expect(node.settings.get("-trimpath")).toBe("true");
    expect(node.settings.get("DefaultGODEBUG")).toMatch(/^containermaxprocs=0,/);
    expect(info(KUBECTL).main).toEqual({
      path: "k8s.io/kubernetes",
      version: "v1.29.15",
      replace: { path: "k8s.io/kubernetes", version: "v1.29.15" },
    });
    expect(info(LANGHOST).deps.get("golang.org/x/text")?.replace).toEqual({ path: "golang.org/x/text", version: "v0.3.6" });
  });

  it("refuses text that is not `go version -m` output, naming the line", () => {
    expect(() => parseGoVersionM("\tpath\tx\n")).toThrow("line 'path\tx' before any 'FILE: goVERSION' header");
    expect(() => parseGoVersionM("a: go1.26.8\n\tweird\tline\n")).toThrow("unexpected line 'weird\tline' in a");
  });
});

describe("recordedCommit", () => {
  it("is the commit of the main module's pseudo-version, or vcs.revision, or nothing for a tagged module", () => {
    expect(recordedCommit(info(CALICO_NODE))).toBe("a0db560f0520");
    expect(recordedCommit(info(BRIDGE))).toBeUndefined();
    const vcs = parseGoVersionM(
      "x: go1.26.8\n\tpath\tm/cmd\n\tmod\tm\t(devel)\t\n\tbuild\tvcs.revision=0123456789abcdef0123456789abcdef01234567\n",
    );
    expect(recordedCommit(vcs[0]!)).toBe("0123456789abcdef0123456789abcdef01234567");
  });
});

describe("compareGoBuild", () => {
  it("the cached binaries match the pins of versions.json", () => {
    expect(compareGoBuild(info(CALICO_NODE), calicoNode())).toEqual([]);
    const staging = `v0.${versions.kubernetes.version.slice(3)}`;
    const kubectl = only(
      `kubectl ${KUBECTL} path=k8s.io/kubernetes/cmd/kubectl mod=k8s.io/kubernetes@${versions.kubernetes.version} ` +
        `dep=k8s.io/api@${staging} dep=k8s.io/client-go@${staging} ${common}`,
    );
    expect(compareGoBuild(info(KUBECTL), kubectl)).toEqual([]);
    const bridge = only(
      `bridge ${BRIDGE} path=github.com/containernetworking/plugins/plugins/main/bridge ` +
        `mod=github.com/containernetworking/plugins@${versions.cniPlugins.version} ${common}`,
    );
    expect(compareGoBuild(info(BRIDGE), bridge)).toEqual([]);
    const langhost = only(
      `pulumi-language-nodejs ${LANGHOST} mod=github.com/pulumi/pulumi/sdk/v3@v3.68.0 dep=golang.org/x/text=golang.org/x/text@v0.3.6 ${common}`,
    );
    expect(compareGoBuild(info(LANGHOST), langhost)).toEqual([]);
  });

  it("a changed pin (commit, module, api, kubernetes) fails, naming binary, field, expected and found", () => {
    const moved = {
      ...versions.calico,
      commit: "019fcb9c0b0e4d2ad3b0c6b3f0f5d6a2e1e2f3a4",
      goModuleVersion: "v1.11.0-cni-plugin.0.20250905000000-019fcb9c0b0e",
      apiGoModuleVersion: "v0.0.0-20240101000000-aaaaaaaaaaaa",
    };
    const mismatches = compareGoBuild(info(CALICO_NODE), calicoNode(moved, "v1.29.16"));
    expect(mismatches.map(formatGoBuildMismatch)).toEqual([
      `WRONG BUILD: calico-node (${CALICO_NODE}): main module: expected github.com/projectcalico/calico@v1.11.0-cni-plugin.0.20250905000000-019fcb9c0b0e, found github.com/projectcalico/calico@v1.11.0-cni-plugin.0.20250813170300-a0db560f0520`,
      `WRONG BUILD: calico-node (${CALICO_NODE}): commit: expected 019fcb9c0b0e4d2ad3b0c6b3f0f5d6a2e1e2f3a4, found a0db560f0520`,
      `WRONG BUILD: calico-node (${CALICO_NODE}): dependency github.com/projectcalico/api: expected github.com/projectcalico/api@v0.0.0-20240101000000-aaaaaaaaaaaa, found github.com/projectcalico/api@v0.0.0-20231218190037-9183ab93f33e`,
      `WRONG BUILD: calico-node (${CALICO_NODE}): dependency k8s.io/kubernetes: expected k8s.io/kubernetes@v1.29.16, found k8s.io/kubernetes@v1.29.15`,
    ]);
  });

  it("a stale binary (built from another version, another Go, with cgo) fails against the same pins", () => {
    const stale = parseGoVersionM(
      fixture
        .split(/\n(?=\S)/)
        .find((block) => block.startsWith(BRIDGE))!
        .replace("go1.26.8", "go1.25.3")
        .replace("plugins\tv1.7.1", "plugins\tv1.7.0")
        .replace("CGO_ENABLED=0", "CGO_ENABLED=1"),
    )[0];
    const want = only(`bridge ${BRIDGE} mod=github.com/containernetworking/plugins@v1.7.1 ${common}`);
    expect(compareGoBuild(stale, want).map((m) => [m.field, m.expected, m.found])).toEqual([
      ["Go version", "go1.26.8", "go1.25.3"],
      ["main module", "github.com/containernetworking/plugins@v1.7.1", "github.com/containernetworking/plugins@v1.7.0"],
      ["build setting CGO_ENABLED", "0", "1"],
    ]);
  });

  it("a missing binary, a missing dependency or setting is a mismatch too", () => {
    const want = only(`bridge ${BRIDGE} dep=k8s.io/api@v0.29.15 setting=GOEXPERIMENT=none`);
    expect(compareGoBuild(undefined, want).map(formatGoBuildMismatch)).toEqual([
      `WRONG BUILD: bridge (${BRIDGE}): Go build info: expected present, found none (missing file, or not a Go binary)`,
    ]);
    expect(compareGoBuild(info(BRIDGE), want).map((m) => m.found)).toEqual(["(none)", "(none)"]);
  });
});

describe("parseGoBuildExpectations", () => {
  it("skips blank lines and comments; refuses unknown tokens and bad commits, naming them", () => {
    expect(parseGoBuildExpectations("# a comment\n\n")).toEqual([]);
    expect(() => parseGoBuildExpectations("x /x version=1")).toThrow("expectation for x: unknown token 'version=1'");
    expect(() => parseGoBuildExpectations("x /x commit=zz")).toThrow("expectation for x: commit 'zz' is not 12 to 40 hex digits");
    expect(() => parseGoBuildExpectations("x /x dep=golang.org/x/text")).toThrow("'golang.org/x/text' is not of the form A@B");
    expect(() => parseGoBuildExpectations("x")).toThrow("expectation 'x': needs NAME FILE TOKEN...");
  });
});
