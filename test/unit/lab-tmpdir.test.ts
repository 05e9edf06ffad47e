import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";

// scripts/lab.sh as a whole under bash, with stand-ins for `pulumi` and `docker`. The stand-in pulumi does what
// the Kubernetes provider does with an inline kubeconfig on up and refresh: writes it to $TMPDIR/kubeconfig<digits>
// (0600) and never removes it. It logs the file's path, and the mode of the folder it wrote into.
const LAB_SH = join(__dirname, "..", "..", "scripts", "lab.sh");

const PULUMI = `#!/bin/bash
case "$1 $2" in
  "stack ls") echo '[{"name": "bird"}, {"name": "kdd-docker"}]'; exit 0 ;;
  "stack export" | "stack init") exit 0 ;;
esac
case "$1" in
  up | refresh | preview | destroy)
    file="\${TMPDIR:-/tmp}/kubeconfig$RANDOM$RANDOM"
    (umask 077; printf 'users:\\n- user:\\n    client-key-data: c2VjcmV0\\n' >"$file")
    echo "$file $(stat -c %a "$(dirname "$file")")" >>"$STANDIN_LOG"
    [ -z "\${STANDIN_HANG:-}" ] || { touch "$STANDIN_HANG"; sleep 30; }
    exit "\${STANDIN_EXIT:-0}" ;;
esac
`;

function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-labtmp-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, "bin");
  // What the run would otherwise write into: the machine's temporary folder as lab.sh finds it.
  const outerTmp = join(dir, "outer-tmp");
  const cache = join(dir, "cache");
  for (const d of [bin, outerTmp, cache]) mkdirSync(d);
  writeFileSync(join(bin, "pulumi"), PULUMI);
  writeFileSync(join(bin, "docker"), "#!/bin/bash\nexit 0\n");
  chmodSync(join(bin, "pulumi"), 0o755);
  chmodSync(join(bin, "docker"), 0o755);
  const log = join(dir, "standin.log");
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PULUMI_")));
  const env = (extra: Record<string, string> = {}) => ({
    ...clean,
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    TMPDIR: outerTmp,
    CALICO_LAB_CACHE: cache,
    PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "test",
    STANDIN_LOG: log,
    ...extra,
  });
  /** The files the stand-in wrote and the mode of the folder each went into. */
  const written = () =>
    (existsSync(log) ? readFileSync(log, "utf8") : "")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [file = "", mode = ""] = line.split(" ");
        return { file, mode };
      });
  /** What is left afterwards: in the outer temporary folder, and of the runs' folders in the cache. */
  const left = () => ({
    outer: readdirSync(outerTmp),
    runs: existsSync(join(cache, "tmp")) ? readdirSync(join(cache, "tmp")) : [],
  });
  return { cache, env, written, left };
}

function expectTakenAway(box: ReturnType<typeof sandbox>, runs: number): void {
  const written = box.written();
  expect(written).toHaveLength(runs);
  for (const { file, mode } of written) {
    // in a 0700 folder of the run's own, in the cache, not in the machine's temporary folder...
    expect(file).toMatch(new RegExp(`^${box.cache}/tmp/run-\\d+\\.[A-Za-z0-9]+/kubeconfig\\d+$`));
    expect(mode).toBe("700");
    // ...and gone with that folder when the run ended
    expect(existsSync(file), file).toBe(false);
  }
  expect(box.left()).toEqual({ outer: [], runs: [] });
}

function lab(box: ReturnType<typeof sandbox>, action: string, stack: string, extra: Record<string, string> = {}) {
  return spawnSync("/bin/bash", [LAB_SH, action, stack], { encoding: "utf8", env: box.env(extra) });
}

describe("lab.sh: what the Kubernetes provider leaves in TMPDIR goes with the run", () => {
  it("refresh of a kdd stack and up: nothing left in the machine's temporary folder, the run's own folder removed", () => {
    const box = sandbox();
    const refresh = lab(box, "refresh", "kdd-docker");
    expect(refresh.status, refresh.stderr).toBe(0);
    const up = lab(box, "up", "bird");
    expect(up.status, up.stderr).toBe(0);
    expectTakenAway(box, 2);
  });

  it("a failing pulumi: the folder goes all the same, and the run fails with pulumi's exit", () => {
    const box = sandbox();
    const failed = lab(box, "refresh", "kdd-docker", { STANDIN_EXIT: "3" });
    expect(failed.status).toBe(3);
    expectTakenAway(box, 1);
  });

  it.each(["SIGINT", "SIGTERM"] as const)(
    "interrupted (%s to the run's process group: Ctrl-C, a supervisor stopping it): the folder goes",
    async (signal) => {
      const box = sandbox();
      const hang = join(box.cache, "hanging");
      const run = spawn("/bin/bash", [LAB_SH, "refresh", "kdd-docker"], {
        env: box.env({ STANDIN_HANG: hang }),
        detached: true,
        stdio: "ignore",
      });
      const ended = new Promise<number | null>((resolve) => run.on("exit", (code) => resolve(code)));
      const deadline = Date.now() + 30000;
      while (!existsSync(hang) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(existsSync(hang), "the stand-in pulumi started").toBe(true);
      process.kill(-run.pid!, signal);
      expect(await ended).toBe(signal === "SIGINT" ? 130 : 143);
      expectTakenAway(box, 1);
    },
  );

  it("a run's folder left behind by a run killed outright goes at the next run; a live run's stays", () => {
    const box = sandbox();
    const runs = join(box.cache, "tmp");
    mkdirSync(join(runs, "run-999999999.dead01"), { recursive: true });
    writeFileSync(join(runs, "run-999999999.dead01", "kubeconfig123"), "client-key-data: c2VjcmV0\n");
    // this test's own process stands in for a run still going
    const live = join(runs, `run-${process.pid}.live01`);
    mkdirSync(live);
    const refresh = lab(box, "refresh", "kdd-docker");
    expect(refresh.status, refresh.stderr).toBe(0);
    expect(box.left().runs).toEqual([`run-${process.pid}.live01`]);
  });
});
