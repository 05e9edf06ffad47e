import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { hostCommandProvider } from "../../components/lab/host-command";
import { dockerShell } from "../../core/transports/docker";
import { withStdin } from "../../core/transports/node-shell";
import { sshShell } from "../../core/transports/ssh";

// The provider's own logic, run directly: real bash, no Docker, no engine.
const provider = hostCommandProvider as Required<typeof hostCommandProvider>;
const inputs = (create: string, triggers: unknown = null, del: string | null = null) => ({ create, delete: del, triggers });

describe("HostCommand provider", () => {
  it("create runs the script and keeps its stdout", async () => {
    const created = await provider.create(inputs("echo hello; echo world"));
    expect(created.outs.stdout).toBe("hello\nworld\n");
    expect(created.id).toMatch(/^cmd-/);
  });

  it("a failing script fails create with its exit code and the end of what it said", async () => {
    await expect(provider.create(inputs("echo started; echo 'no such container: c1' >&2; exit 3"))).rejects.toThrow(
      "create failed (exit 3):\nno such container: c1",
    );
  });

  it("any change of create, delete or triggers replaces it, deleting first; equal inputs change nothing", async () => {
    const old = { ...inputs("a", ["id-1"], "d"), stdout: "" };
    expect(await provider.diff("x", old, inputs("a", ["id-1"], "d"))).toMatchObject({ changes: false, replaces: [] });
    expect(await provider.diff("x", old, inputs("a", ["id-2"], "d"))).toEqual({
      changes: true,
      replaces: ["triggers"],
      deleteBeforeReplace: true,
    });
    expect(await provider.diff("x", old, inputs("b", ["id-1"], null))).toMatchObject({ replaces: ["create", "delete"] });
  });

  it("with an update script, a changed script runs update in place; only the triggers replace", async () => {
    const old = { ...inputs("echo a", ["id-1"], "d"), update: "echo a", stdout: "a\n" };
    const changed = { ...inputs("echo b", ["id-1"], "d"), update: "echo b" };
    expect(await provider.diff("x", old, changed)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    expect(await provider.diff("x", old, { ...changed, triggers: ["id-2"] })).toMatchObject({ replaces: ["triggers"] });
    expect((await provider.update("x", old, changed)).outs).toMatchObject({ update: "echo b", stdout: "b\n" });
    await expect(provider.update("x", old, { ...changed, update: "echo no >&2; exit 4" })).rejects.toThrow("update failed (exit 4):\nno");
  });

  it("an update that changes no script (the read alone) runs nothing and keeps the stdout", async () => {
    const old = { ...inputs("echo a"), update: "exit 9", stdout: "kept\n" };
    expect((await provider.update("x", old, { ...old, read: "true" })).outs.stdout).toBe("kept\n");
  });

  it("delete runs the delete script it was created with, and fails when that fails", async () => {
    await expect(provider.delete("x", { ...inputs("true", null, "exit 0"), stdout: "" })).resolves.toBeUndefined();
    await expect(provider.delete("x", { ...inputs("true", null, "echo busy >&2; exit 1"), stdout: "" })).rejects.toThrow(
      "delete failed (exit 1):\nbusy",
    );
    await expect(provider.delete("x", { ...inputs("true"), stdout: "" })).resolves.toBeUndefined();
  });
});

describe("HostCommand provider: refresh", () => {
  it("without a read script, refresh keeps the resource as it is", async () => {
    const props = { ...inputs("true"), stdout: "boot-1\n" };
    expect(await provider.read("cmd-1", props)).toEqual({ id: "cmd-1", props });
  });

  it("a read script that exits 0 keeps it; any other exit drops it from the state", async () => {
    const alive = { ...inputs("true"), read: "test -d /", stdout: "boot-1\n" };
    expect(await provider.read("cmd-1", alive)).toEqual({ id: "cmd-1", props: alive });
    const gone = { ...inputs("true"), read: "echo 'VM calico2: not running' >&2; exit 1", stdout: "boot-1\n" };
    expect(await provider.read("cmd-1", gone)).toEqual({ id: "", props: {} });
  });

  it("a changed read script updates it in place, keeping what create printed", async () => {
    const old = { ...inputs("a"), read: "old", stdout: "boot-1\n" };
    const news = { ...inputs("a"), read: "new" };
    expect(await provider.diff("x", old, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    expect(await provider.update("x", old, news)).toEqual({ outs: { ...news, stdout: "boot-1\n" } });
  });
});

describe("HostCommand provider: its shell", () => {
  it("runs its scripts without the user's ~/.bashrc, even started with no SHLVL (env -i, cron), when bash would read it", async () => {
    const home = mkdtempSync(join(tmpdir(), "calico-lab-home-"));
    const saved = { HOME: process.env.HOME, SHLVL: process.env.SHLVL };
    onTestFinished(() => {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      rmSync(home, { recursive: true, force: true });
    });
    writeFileSync(join(home, ".bashrc"), "export FROM_BASHRC=read\n");
    process.env.HOME = home;
    delete process.env.SHLVL;
    const created = await provider.create(inputs('echo "${FROM_BASHRC:-not read}"'));
    expect(created.outs.stdout).toBe("not read\n");
  });
});

/** Every process below `root` (its children, theirs, ...), read from /proc. */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

describe("HostCommand provider: secrets", () => {
  const KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIcalicolabsecretkeymaterial0123456789\n-----END EC PRIVATE KEY-----";

  it.each(["docker", "ssh"])(
    "a step carrying a private key into a node over %s never shows it in any process's command line",
    async (via) => {
      const dir = mkdtempSync(join(tmpdir(), "calico-lab-secret-"));
      const saved = process.env.PATH;
      onTestFinished(() => {
        process.env.PATH = saved;
        rmSync(dir, { recursive: true, force: true });
      });
      // Stand-ins for the transports' clients: each runs the node-side `sh -s` it was asked for, here.
      mkdirSync(join(dir, "bin"));
      for (const tool of ["docker", "ssh"]) writeFileSync(join(dir, "bin", tool), "#!/bin/sh\nexec sh -s\n", { mode: 0o755 });
      process.env.PATH = `${join(dir, "bin")}:${saved ?? ""}`;
      const nodeScript = [withStdin(`cat > ${dir}/key`, KEY), `touch ${dir}/started`, "sleep 3"].join("\n");
      const docker = dockerShell("calico1");
      const shell =
        via === "docker" ? docker : sshShell({ lab: "lab", host: "h1", address: "192.0.2.1", user: "root", port: 22, keyPath: "" }, docker);
      let done = false;
      const step = provider.create(inputs(shell.run(nodeScript))).finally(() => {
        done = true;
      });
      // Every command line of the step's processes, read over and over while it runs: on a loaded machine the
      // node-side `sleep` may start well after `started` was touched.
      const seen = new Set<string>();
      while (!done) {
        for (const line of descendants(process.pid).map(commandLine)) seen.add(line);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await step;
      expect(existsSync(`${dir}/started`)).toBe(true);
      expect(readFileSync(`${dir}/key`, "utf8")).toBe(`${KEY}\n`);
      expect([...seen].some((line) => line.includes("sleep 3") || line.startsWith("sleep"))).toBe(true);
      for (const line of seen) expect(line).not.toContain("calicolabsecretkeymaterial");
    },
  );
});

describe("HostCommand provider: deadline", () => {
  it("a step that outlives its own wait plus a margin fails, naming what still ran: the command and its node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "calico-lab-wedged-"));
    const saved = process.env.PATH;
    onTestFinished(() => {
      process.env.PATH = saved;
      rmSync(dir, { recursive: true, force: true });
    });
    // A wedged `docker exec`: it never answers.
    writeFileSync(join(dir, "docker"), "#!/bin/sh\nsleep 60\n", { mode: 0o755 });
    process.env.PATH = `${dir}:${saved ?? ""}`;
    const started = Date.now();
    const step = provider.create({ ...inputs(dockerShell("calico2").run("birdcl show protocols")), timeoutSeconds: 1 });
    await expect(step).rejects.toThrow(/create: no answer within 2s; killed \(still running: .*docker exec -i calico2 sh -s/);
    expect(Date.now() - started).toBeLessThan(15000);
  });
});
