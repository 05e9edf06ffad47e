import { createHash } from "node:crypto";
import type { ToolSet, ToolSource } from "./config/types";
import { shellQuote } from "./shell";
import { withStdin, type NodeShell } from "./transports/node-shell";

export type ToolName = keyof ToolSet;

/** Where each tool goes inside a node, and under which file name. */
export const TOOL_TARGETS: Readonly<Record<ToolName, { dir: string; file?: string }>> = {
  calicoctl: { dir: "/usr/local/bin", file: "calicoctl" },
  cnitool: { dir: "/usr/local/bin", file: "cnitool" },
  calico: { dir: "/opt/cni/bin", file: "calico" },
  calicoIpam: { dir: "/opt/cni/bin", file: "calico-ipam" },
  cniPlugins: { dir: "/opt/cni/bin" },
};

/** The cache folder of one tool from one source: a different source never reuses another's files. */
export function toolCacheDir(cacheDir: string, name: ToolName, source: ToolSource): string {
  const digest = createHash("sha256").update(JSON.stringify(source)).digest("hex").slice(0, 16);
  return `${cacheDir}/tools/${name}-${digest}`;
}

function fetchBody(name: ToolName, source: ToolSource, manifestPath: string): string[] {
  const file = TOOL_TARGETS[name].file;
  switch (source.kind) {
    case "url": {
      // Every value that comes from the settings is quoted once into a variable and only used through it.
      const base = source.url.split("/").pop() || "download";
      const start = [`url=${shellQuote(source.url)}`, `base=${shellQuote(base)}`];
      // A pinned digest wins over the checksum file, which is then not even read.
      const expected = source.sha256
        ? [`expected=${shellQuote(source.sha256)}`, `from=${shellQuote(`the sha256 pinned in the ${name} tool source`)}`]
        : source.checksumUrl
          ? [
              `from=${shellQuote(source.checksumUrl)}`,
              `sums=$(curl -fsSL "$from") || { echo "tool ${name}: cannot download the checksum file $from" >&2; exit 1; }`,
              `expected=$(printf '%s\\n' "$sums" | awk -v f="$base" '$2 == f || $2 == "*" f || $2 == "./" f || NF == 1 { print tolower($1); exit }')`,
              `[ -n "$expected" ] || { echo "tool ${name}: the checksum file $from lists no sha256 for $base" >&2; exit 1; }`,
            ]
          : [`echo "tool ${name}: $url has neither sha256 nor checksumUrl" >&2; exit 1`];
      return [
        ...start,
        `curl -fsSL -o "$work/$base" "$url" || { echo "tool ${name}: cannot download $url" >&2; exit 1; }`,
        ...expected,
        `actual=$(sha256sum "$work/$base" | cut -d ' ' -f 1)`,
        `[ "$actual" = "$expected" ] || { echo "tool ${name}: refusing $base from $url: its sha256 is $actual, but $from says $expected" >&2; exit 1; }`,
        source.archive ? `tar -xzf "$work/$base" -C "$files"` : `install -m 0755 "$work/$base" "$files/${file ?? "$base"}"`,
      ];
    }
    case "image":
      return [
        `docker image inspect ${shellQuote(source.image)} >/dev/null 2>&1 || docker pull ${shellQuote(source.image)} >&2`,
        `cid=$(docker create ${shellQuote(source.image)} /bin/true)`,
        `path=${shellQuote(source.path)}`,
        `docker cp "$cid:$path" "$files/${file ?? name}"; rc=$?; docker rm "$cid" >/dev/null; [ $rc -eq 0 ]`,
      ];
    case "go":
      // The Go toolchain checks every module against the checksum database while it builds.
      return [`GOBIN="$files" CGO_ENABLED=0 go install ${shellQuote(`${source.module}@${source.version}`)}`];
    case "manifest":
      return [
        `manifest=${shellQuote(manifestPath)}`,
        `[ -f "$manifest" ] || { echo "tool ${name}: offline manifest $manifest is missing; run npm run offline:build" >&2; exit 1; }`,
        `node -e ${shellQuote(MANIFEST_COPY)} "$manifest" ${shellQuote(source.artifact)} "$files" ${shellQuote(file ?? "")}`,
      ];
  }
}

/** Copies one artifact from the offline build's manifest and checks each file against the manifest's sha256. */
const MANIFEST_COPY = `
const fs = require("fs"), path = require("path"), crypto = require("crypto");
const [manifestPath, name, dest, fileName] = process.argv.slice(1);
const entry = (JSON.parse(fs.readFileSync(manifestPath, "utf8")).artifacts || {})[name];
if (!entry) { console.error("offline manifest " + manifestPath + " has no artifact " + name); process.exit(1); }
const files = entry.dir ? Object.entries(entry.files).map(([f, sha]) => [path.join(entry.dir, f), f, sha]) : [[entry.path, fileName || path.basename(entry.path), entry.sha256]];
for (const [src, f, sha] of files) {
  const actual = crypto.createHash("sha256").update(fs.readFileSync(src)).digest("hex");
  if (actual !== sha) { console.error(src + ": sha256 " + actual + " is not the manifest's " + sha); process.exit(1); }
  fs.copyFileSync(src, path.join(dest, f)); fs.chmodSync(path.join(dest, f), 0o755);
}`.trim();

/**
 * Fetches one tool into the host cache once (download, image copy, Go build or offline manifest),
 * verifies it, and records SHA256SUMS of its files, which each node checks again after the copy.
 */
export function toolFetchScript(name: ToolName, source: ToolSource, cacheDir: string, manifestPath: string): string {
  const dir = toolCacheDir(cacheDir, name, source);
  return [
    "set -euo pipefail",
    `dir=${shellQuote(dir)}`,
    `if [ ! -f "$dir/SHA256SUMS" ]; then`,
    `  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT`,
    `  files="$work/files"; mkdir -p "$files"`,
    ...fetchBody(name, source, manifestPath).map((line) => `  ${line}`),
    `  (cd "$files" && sha256sum -- * > ../SHA256SUMS)`,
    `  mkdir -p "$(dirname "$dir")"; rm -rf "$dir"; mv "$work" "$dir"; trap - EXIT`,
    "fi",
    `cat "$dir/SHA256SUMS"`,
  ].join("\n");
}

/** Node-side: checks the files of one tool in its node directory against the sums the host recorded. */
export function toolVerifyScript(name: ToolName, sums: string, quiet: boolean): string {
  return sumsCheckScript(TOOL_TARGETS[name].dir, sums, quiet);
}

/**
 * Node-side: checks the files in `dir` against `sums` (lines of `sha256sum`: the sum, two spaces, the
 * file; none may be missing). With openssl in the node (the offline node image) each file's SHA-256 comes
 * from `openssl dgst`, which uses the CPU's SHA instructions where it has them: 3-4 times less CPU than
 * coreutils' `sha256sum` for the 210 MB of a Calico node's tools, which every node checks while the
 * calico-nodes start. Without openssl, `sha256sum -c`.
 */
export function sumsCheckScript(dir: string, sums: string, quiet: boolean): string {
  const check = [
    `cd ${shellQuote(dir)} && if command -v openssl >/dev/null 2>&1; then`,
    "  sums=$(cat)",
    '  [ -n "$sums" ] || { echo "no sums to check" >&2; exit 1; }',
    // One openssl for every file (one per file costs more in starting it than in hashing small plugins).
    `  got=$(openssl dgst -sha256 -r $(printf '%s\\n' "$sums" | cut -d' ' -f3-) 2>/dev/null | sed 's/ \\*/  /')`,
    '  [ "$got" = "$sums" ] || {',
    "    printf '%s\\n' \"$sums\" | while read -r sum file; do",
    '      printf \'%s\\n\' "$got" | grep -xF "$sum  $file" >/dev/null || echo "$file: FAILED" >&2',
    "    done",
    "    exit 1",
    "  }",
    `else sha256sum -c --quiet -; fi${quiet ? " >/dev/null 2>&1" : ""}`,
  ].join("\n");
  const verified = withStdin(check, sums);
  return quiet ? verified : `set -eu\n${verified}`;
}

/**
 * Verifies each fetched tool inside a node against the recorded sums, and copies it in first unless the
 * node already holds exactly those files (the offline node image ships them). Host-side: the node is
 * reached through its NodeShell. One trip into the node checks every tool (it prints the names of those
 * that fail); only those are copied and checked again. A trip is cheap into a container here and costs
 * a second or more into a VM under TCG.
 */
export function toolInstallScript(shell: NodeShell, tools: ReadonlyArray<{ name: ToolName; cacheDir: string; sums: string }>): string {
  const check = tools.map(({ name, sums }) => `(\n${toolVerifyScript(name, sums, true)}\n) || echo ${name}`).join("\n");
  const lines = ["set -euo pipefail", "missing=$(", shell.run(check), ")"];
  for (const { name, cacheDir, sums } of tools) {
    lines.push(
      `if ! printf '%s\\n' "$missing" | grep -x ${name} >/dev/null`,
      "then",
      `  echo "${name}: already in the node, verified"`,
      "else",
      shell.copyDir(`${cacheDir}/files`, TOOL_TARGETS[name].dir),
      shell.run(toolVerifyScript(name, sums, false)),
      `  echo "${name}: copied into the node, verified"`,
      "fi",
    );
  }
  return lines.join("\n");
}

/** Tools whose source needs a toolchain this machine lacks (a `go` source without Go on PATH), as setting issues. */
export function toolchainIssues(
  tools: Readonly<Record<ToolName, ToolSource>>,
  settingPrefix: string,
  has: { readonly go: boolean },
): Array<{ setting: string; value: unknown; allowed: string }> {
  return (Object.entries(tools) as Array<[ToolName, ToolSource]>).flatMap(([name, source]) =>
    source.kind === "go" && !has.go
      ? [
          {
            setting: `${settingPrefix}.${name}`,
            value: `go install ${source.module}@${source.version}`,
            allowed:
              "this source builds the tool with the Go toolchain, which is not on PATH here; install Go (1.21 or later: what cnitool v1.3.0's go.mod asks), or give a url or image source for it",
          },
        ]
      : [],
  );
}
