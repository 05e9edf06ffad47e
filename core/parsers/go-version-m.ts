/** A module as `go version -m` lists it: path, version and, when a replace directive applied, what replaced it. */
export interface GoModule {
  readonly path: string;
  readonly version: string;
  readonly replace?: { readonly path: string; readonly version: string };
}

/** What Go recorded in one binary (`go version -m FILE`). */
export interface GoBuildInfo {
  readonly file: string;
  /** The toolchain that built it, e.g. `go1.26.8`. */
  readonly goVersion: string;
  /** The main package's import path. */
  readonly path: string;
  /** The main module (absent for a binary built from a package of no module). */
  readonly main?: GoModule;
  /** The dependencies, by module path. */
  readonly deps: ReadonlyMap<string, GoModule>;
  /** The `build` lines: -trimpath, CGO_ENABLED, GOOS, vcs.revision... */
  readonly settings: ReadonlyMap<string, string>;
}

/**
 * Parses the output of `go version -m FILE...` (one or more binaries, one block each: a `FILE: goX`
 * header, then tab-indented `path`, `mod`, `dep`, `=>` and `build` lines). A `=>` line is the replace
 * of the module line above it. Throws, naming the line, on a block it does not understand.
 */
export function parseGoVersionM(output: string): GoBuildInfo[] {
  const result: GoBuildInfo[] = [];
  interface Draft {
    file: string;
    goVersion: string;
    path: string;
    main?: GoModule;
    deps: Map<string, GoModule>;
    settings: Map<string, string>;
  }
  let current: Draft | undefined;
  let last: { kind: "mod" | "dep"; module: GoModule } | undefined;
  const done = () => {
    if (current) result.push(current);
  };
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    if (!line.startsWith("\t")) {
      const header = /^(.*): (go\S+)$/.exec(line);
      if (!header) throw new Error(`go version -m: unexpected line '${line}'`);
      done();
      current = { file: header[1] ?? "", goVersion: header[2] ?? "", path: "", deps: new Map(), settings: new Map() };
      last = undefined;
      continue;
    }
    if (!current) throw new Error(`go version -m: line '${line.trim()}' before any 'FILE: goVERSION' header`);
    const [kind = "", ...rest] = line.slice(1).split("\t");
    if (kind === "path") current.path = rest[0] ?? "";
    else if (kind === "mod" || kind === "dep") {
      const module: GoModule = { path: rest[0] ?? "", version: rest[1] ?? "" };
      if (kind === "mod") current.main = module;
      else current.deps.set(module.path, module);
      last = { kind, module };
    } else if (kind === "=>") {
      if (!last) throw new Error(`go version -m: replace '${line.trim()}' follows no module line in ${current.file}`);
      const replaced: GoModule = { ...last.module, replace: { path: rest[0] ?? "", version: rest[1] ?? "" } };
      if (last.kind === "mod") current.main = replaced;
      else current.deps.set(replaced.path, replaced);
      last = undefined;
    } else if (kind === "build") {
      const setting = rest.join("\t");
      const eq = setting.indexOf("=", setting.startsWith("-") ? 1 : 0);
      if (eq < 0) current.settings.set(setting, "");
      else current.settings.set(setting.slice(0, eq), setting.slice(eq + 1));
    } else throw new Error(`go version -m: unexpected line '${line.trim()}' in ${current.file}`);
  }
  done();
  return result;
}

/** The module a binary really used: the replacement's path and version when there is one. */
export function effectiveModule(module: GoModule): { path: string; version: string } {
  return module.replace ?? { path: module.path, version: module.version };
}
