import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import versions from "../../versions.json";

// `npm run offline:check` on the real cache: it passes on what the offline build made, changes
// nothing (image IDs, stamps, binaries, manifest, build contexts and wrapper modules are the same
// before and after), and fails, naming binary, field, expected and found value, when a pin moves
// (a throwaway copy of the scripts with another versions.json; the cache is only read).
const repo = join(__dirname, "..", "..");
const cache = process.env.CALICO_LAB_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "calico-lab");
const images = Object.values(versions.offlineImages);

/** Every file under these folders (not following links) with its size and modification time. */
function files(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) files(p, out);
    else {
      const s = statSync(p, { throwIfNoEntry: false });
      out.push(`${p} ${s?.size ?? "?"} ${s?.mtimeMs ?? "?"}`);
    }
  }
  return out;
}

function snapshot(): string[] {
  const ids = spawnSync("docker", ["image", "inspect", "--format", "{{.Id}} {{json .Config.Labels}}", ...images], { encoding: "utf8" });
  const watched = ["artifacts", "stamps", "bin", "src", "wrappers", "build/etcd", "build/node", "build/kube-apiserver"];
  return [ids.stdout, ...watched.flatMap((d) => files(join(cache, d))), ...files(join(cache, "pulumi-home", "plugins"))];
}

function run(script: string, ...args: string[]) {
  const started = Date.now();
  const r = spawnSync("bash", [script, ...args], { encoding: "utf8", env: { ...process.env, CALICO_LAB_CACHE: cache } });
  console.log(`${script} ${args.join(" ")}: exit ${r.status} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("offline:check on the warm cache", () => {
  it("passes, verifying every Go binary with go version -m, and changes nothing", () => {
    const before = snapshot();
    const r = run(join(repo, "scripts", "offline", "build.sh"), "--check");
    expect(r.stderr).not.toMatch(/WRONG|MISSING|OUT OF DATE/);
    expect(r.code).toBe(0);
    for (const bin of [
      "calico-node",
      "calicoctl",
      "calico-ipam",
      "cnitool",
      "bridge",
      "vrf",
      "kube-apiserver",
      "kubectl",
      "pulumi",
      "pulumi-language-nodejs",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^ok {6}${bin} go1\\.\\S+ \\S+@v`, "m"));
    }
    expect(r.stdout).toContain(`commit ${versions.calico.commit.slice(0, 12)}`);
    expect(r.stdout).toMatch(/^ok {6}pulumi-resource-pulumi-nodejs: the same bytes as /m);
    expect(snapshot()).toEqual(before);
  });

  describe("with a moved pin in a throwaway copy of the scripts", () => {
    const copy = mkdtempSync(join(tmpdir(), "calico-lab-offline-check-"));
    afterAll(() => rmSync(copy, { recursive: true, force: true }));
    cpSync(join(repo, "scripts", "offline"), join(copy, "scripts", "offline"), { recursive: true });
    for (const shared of ["core", "node_modules", "tsconfig.json", "package.json"]) symlinkSync(join(repo, shared), join(copy, shared));
    const moved = structuredClone(versions);
    moved.calico.apiGoModuleVersion = "v0.0.0-20240101000000-0123456789ab";
    moved.cniPlugins.version = "v1.7.2";
    writeFileSync(join(copy, "versions.json"), JSON.stringify(moved, null, 2));

    it("fails, naming the binary, the field, the expected and the found value; the cache is unchanged", () => {
      const before = snapshot();
      const r = run(join(copy, "scripts", "offline", "calico-binaries.sh"), "--check");
      expect(r.code).toBe(1);
      const calicoOut = join(cache, "artifacts", "calico", versions.calico.version);
      expect(r.stderr).toContain(
        `WRONG BUILD: calico-node (${calicoOut}/calico-node): dependency github.com/projectcalico/api: ` +
          `expected github.com/projectcalico/api@v0.0.0-20240101000000-0123456789ab, found github.com/projectcalico/api@${versions.calico.apiGoModuleVersion}`,
      );
      expect(r.stderr).toContain(
        `WRONG STAMP: calico (${calicoOut}/.stamp): expected api=v0.0.0-20240101000000-0123456789ab, found api=${versions.calico.apiGoModuleVersion}`,
      );
      // The CNI plugins' folder is keyed by version: the moved pin's folder does not exist.
      expect(r.stderr).toContain(
        `WRONG BUILD: bridge (${join(cache, "artifacts", "cni", "v1.7.2", "bin", "bridge")}): Go build info: expected present, found none`,
      );
      expect(r.stdout).not.toMatch(/^ok {6}calico-node /m);
      expect(snapshot()).toEqual(before);
      expect(readFileSync(join(repo, "versions.json"), "utf8")).toContain(versions.calico.apiGoModuleVersion);
    });
  });
});
