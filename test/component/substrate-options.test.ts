import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LAB_PREFLIGHTS, substrateOptionsFor } from "../../components/lab/registry";
import { loadLabConfig } from "../../core/config/load";

// What a substrate reads of this machine is read once, before its check and its factory, which both get it.
describe("a substrate's options on this machine", () => {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-substrate-options-"));
  const manifest = join(dir, "manifest.json");
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(manifest, JSON.stringify({ artifacts: { kubectl: { version: "v1.29.15", path: "/built/kubectl" } } }));
  writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\n");
  const machine = { cacheDir: dir, home: "/home/me", labName: "lab" };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("kubernetes: kubectl is the offline build's, and its check takes that kubectl", () => {
    const config = loadLabConfig({ substrate: "kubernetes", artifacts: { manifest }, kubernetes: { kubeconfig } });
    const options = substrateOptionsFor(config, machine);
    expect(options).toEqual({ config, cacheDir: dir, home: "/home/me", kubectl: "/built/kubectl" });
    expect(LAB_PREFLIGHTS.kubernetes!(options, machine)).toEqual([]);
    expect(LAB_PREFLIGHTS.kubernetes!({ ...options, kubectl: undefined }, machine).map((i) => i.allowed)).toEqual([
      "the lab's steps run kubectl exec in its Pods, and this machine has no kubectl: run npm run offline:build (it builds kubectl), or install kubectl",
    ]);
  });

  it("other substrates read nothing more of the machine", () => {
    const config = loadLabConfig({ artifacts: { manifest } });
    expect(substrateOptionsFor(config, machine)).toEqual({ config, cacheDir: dir, home: "/home/me" });
  });
});
