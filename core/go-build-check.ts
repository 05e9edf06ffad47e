import { effectiveModule, type GoBuildInfo } from "./parsers/go-version-m";

/**
 * What one binary must have been built from, in the words of the offline build's checks
 * (scripts/offline/*.sh --check): one line per binary, `NAME FILE TOKEN...`, each token one of
 *   go=go1.26.8                      the toolchain
 *   path=PKG                         the main package
 *   mod=MODULE@VERSION               the main module (after its replace, if any)
 *   commit=HASH                      the commit: vcs.revision when Go recorded one, otherwise the
 *                                    commit of the main module's pseudo-version (at least 12 digits)
 *   dep=MODULE@VERSION               a dependency, as used (MODULE=OTHER@VERSION: replaced by OTHER)
 *   setting=KEY=VALUE                a `build` line, e.g. setting=CGO_ENABLED=0
 */
export interface GoBuildExpectation {
  readonly name: string;
  readonly file: string;
  readonly goVersion?: string;
  readonly path?: string;
  readonly main?: string;
  readonly commit?: string;
  readonly deps: readonly { readonly module: string; readonly want: string }[];
  readonly settings: readonly { readonly key: string; readonly value: string }[];
}

/** One difference between what was pinned and what the binary says it was built from. */
export interface GoBuildMismatch {
  readonly binary: string;
  readonly file: string;
  readonly field: string;
  readonly expected: string;
  readonly found: string;
}

function splitOnce(text: string, sep: string, what: string): [string, string] {
  const at = text.indexOf(sep);
  if (at <= 0 || at === text.length - 1) throw new Error(`${what}: '${text}' is not of the form A${sep}B`);
  return [text.slice(0, at), text.slice(at + sep.length)];
}

/** Parses the expectation lines (blank lines and `#` comments skipped); throws naming the bad line and token. */
export function parseGoBuildExpectations(text: string): GoBuildExpectation[] {
  const out: GoBuildExpectation[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [name, file, ...tokens] = line.split(/\s+/);
    if (!name || !file) throw new Error(`expectation '${line}': needs NAME FILE TOKEN...`);
    const e: {
      -readonly [K in keyof GoBuildExpectation]: GoBuildExpectation[K];
    } = { name, file, deps: [], settings: [] };
    const deps: { module: string; want: string }[] = [];
    const settings: { key: string; value: string }[] = [];
    for (const token of tokens) {
      const what = `expectation for ${name}`;
      const [key, value] = splitOnce(token, "=", what);
      if (key === "go") e.goVersion = value;
      else if (key === "path") e.path = value;
      else if (key === "mod") e.main = value;
      else if (key === "commit") {
        if (!/^[0-9a-f]{12,40}$/.test(value)) throw new Error(`${what}: commit '${value}' is not 12 to 40 hex digits`);
        e.commit = value;
      } else if (key === "dep") {
        const [module, version] = splitOnce(value, "@", what);
        if (module.includes("=")) {
          const [from, to] = splitOnce(module, "=", what);
          deps.push({ module: from, want: `${to}@${version}` });
        } else deps.push({ module, want: value });
      } else if (key === "setting") {
        const [k, v] = splitOnce(value, "=", what);
        settings.push({ key: k, value: v });
      } else throw new Error(`${what}: unknown token '${token}' (go=, path=, mod=, commit=, dep=, setting=)`);
    }
    out.push({ ...e, deps, settings });
  }
  return out;
}

/** The commit a binary records: vcs.revision, or the 12 digits ending its main module's pseudo-version. */
export function recordedCommit(info: GoBuildInfo): string | undefined {
  const revision = info.settings.get("vcs.revision");
  if (revision) return revision;
  if (!info.main) return undefined;
  return /[.-]\d{14}-([0-9a-f]{12})(?:\+incompatible)?$/.exec(effectiveModule(info.main).version)?.[1];
}

/** Compares one binary's build info with its expectation; every difference is one mismatch. */
export function compareGoBuild(info: GoBuildInfo | undefined, want: GoBuildExpectation): GoBuildMismatch[] {
  const out: GoBuildMismatch[] = [];
  const differ = (field: string, expected: string, found: string | undefined) => {
    if (found !== expected) out.push({ binary: want.name, file: want.file, field, expected, found: found ?? "(none)" });
  };
  if (!info) {
    differ("Go build info", "present", "none (missing file, or not a Go binary)");
    return out;
  }
  if (want.goVersion !== undefined) differ("Go version", want.goVersion, info.goVersion);
  if (want.path !== undefined) differ("main package", want.path, info.path);
  if (want.main !== undefined) {
    const m = info.main && effectiveModule(info.main);
    differ("main module", want.main, m && `${m.path}@${m.version}`);
  }
  if (want.commit !== undefined) {
    const found = recordedCommit(info);
    const same = found !== undefined && found.length >= 12 && (want.commit.startsWith(found) || found.startsWith(want.commit));
    if (!same) differ("commit", want.commit, found);
  }
  for (const dep of want.deps) {
    const d = info.deps.get(dep.module);
    const m = d && effectiveModule(d);
    differ(`dependency ${dep.module}`, dep.want, m && `${m.path}@${m.version}`);
  }
  for (const s of want.settings) differ(`build setting ${s.key}`, s.value, info.settings.get(s.key));
  return out;
}

/** The one line a check prints for a mismatch: binary, file, field, expected and found value. */
export function formatGoBuildMismatch(m: GoBuildMismatch): string {
  return `WRONG BUILD: ${m.binary} (${m.file}): ${m.field}: expected ${m.expected}, found ${m.found}`;
}

/** The one line a check prints for a binary that matched. */
export function formatGoBuildOk(info: GoBuildInfo, want: GoBuildExpectation): string {
  const m = info.main && effectiveModule(info.main);
  const commit = want.commit !== undefined ? ` commit ${recordedCommit(info) ?? "?"}` : "";
  const n = want.deps.length;
  const checked = n ? ` (${n} ${n === 1 ? "dependency" : "dependencies"} checked)` : "";
  return `ok      ${want.name} ${info.goVersion} ${m ? `${m.path}@${m.version}` : info.path}${commit}${checked}`;
}
