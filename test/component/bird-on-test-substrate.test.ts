import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostCommandProvider } from "../../components/lab/host-command";
import { loadLabConfig } from "../../core/config/load";
import { toolCacheDir, type ToolName } from "../../core/tools";
import { chrootSubstrate } from "../support/chroot-substrate";
import { captureGraph, HOST_COMMAND_TYPE, valueOf } from "./harness";

// The bird scenario on a substrate with no Docker: the engine is mocked, but every host step the lab
// registers runs for real (bash, chroot, the node-side scripts) and the probe reads the stand-in BIRD.
const PROTOCOL: Record<string, string> = { calico1: "Mesh_192_168_4_5", calico2: "Mesh_192_168_4_6" };
const peersOf = (node: string) =>
  Object.keys(PROTOCOL)
    .filter((n) => n !== node && node !== "etcd")
    .map((n) => PROTOCOL[n] ?? "");

const canChroot = spawnSync("unshare", ["--mount", "--fork", "true"]).status === 0;
const base = mkdtempSync(join(tmpdir(), "calico-lab-chroot-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const provider = hostCommandProvider as Required<typeof hostCommandProvider>;
pulumi.runtime.setMocks(
  {
    async newResource(args) {
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === HOST_COMMAND_TYPE) {
        const created = await provider.create(args.inputs as never);
        return { id: created.id, state: created.outs };
      }
      if (args.type.endsWith(":LiveProbe")) {
        const commands = args.inputs.commands as Record<string, string[]>;
        state.readings = Object.fromEntries(
          Object.entries(commands).map(([key, argv]) => {
            const result = spawnSync(argv[0] ?? "", argv.slice(1), { encoding: "utf8" });
            return [key, result.status === 0 ? { stdout: result.stdout } : { stdout: result.stdout, error: result.stderr }];
          }),
        );
      }
      if (args.type.includes("Docker")) throw new Error(`the test substrate made a Docker resource: ${args.type}`);
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
  },
  "calico-lab",
  "test",
  false,
);

describe.skipIf(!canChroot)("the bird scenario on a test-only substrate (chroot nodes, no Docker)", () => {
  const cache = join(base, "cache");
  const config = loadLabConfig({ imageMode: "offline", calico: { nodes: 2 } });
  let built: Awaited<ReturnType<typeof bringUp>>;

  async function bringUp() {
    // The offline tools, already "fetched": each cache folder holds files and their sums, as the fetch step leaves them.
    for (const [tool, source] of Object.entries(config.artifacts.offline.tools)) {
      const dir = toolCacheDir(cache, tool as ToolName, source);
      mkdirSync(join(dir, "files"), { recursive: true });
      writeFileSync(join(dir, "files", `${tool}-stand-in`), `#!/bin/sh\necho ${tool}\n`);
      spawnSync("sh", ["-c", `cd ${dir}/files && sha256sum -- * > ../SHA256SUMS`]);
    }
    const mocks = captureGraph();
    const { CalicoLab } = await import("../../components/lab/calico-lab");
    const { nodePlatform } = await import("../../components/lab/node-platform");
    const { birdScenario } = await import("../../components/scenarios/bird");
    const lab = new CalicoLab(
      "t",
      {
        platform: nodePlatform({
          config,
          stack: "test",
          cacheDir: cache,
          manifestPath: join(cache, "manifest.json"),
          scenario: birdScenario,
          substrate: chrootSubstrate(join(base, "nodes"), peersOf),
        }),
      },
      { transformations: [mocks.capture] },
    );
    const outputs = {
      nodes: await valueOf(lab.nodes),
      bgpTopology: await valueOf(lab.bgpTopology),
      cniConfig: await valueOf(lab.cniConfig),
    };
    await Promise.all(mocks.pending);
    return { registered: mocks.registered, outputs };
  }

  beforeAll(async () => {
    built = await bringUp();
  }, 60000);

  const calls = (node: string) => readFileSync(join(base, "nodes", node, "var/log/calls"), "utf8");

  it("makes no Docker resource and reaches every node through its own shell", () => {
    expect(built.registered.filter((r) => /Docker/.test(r.type))).toEqual([]);
    expect(existsSync(join(base, "nodes", "calico1", ".usr-local-bin", "calicoctl-stand-in"))).toBe(true);
    expect(existsSync(join(base, "nodes", "calico2", "opt", "cni", "bin", "cniPlugins-stand-in"))).toBe(true);
  });

  it("installs calicoctl, and only calicoctl, into etcd's node and applies BGP settings, pools and the network's profile there", () => {
    expect(existsSync(join(base, "nodes", "etcd", ".usr-local-bin", "calicoctl-stand-in"))).toBe(true);
    expect(existsSync(join(base, "nodes", "etcd", "opt", "cni", "bin", "cniPlugins-stand-in"))).toBe(false);
    const first = calls("etcd");
    expect(first).toContain(
      "calicoctl apply -f - DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=http://192.168.4.4:2379\napiVersion: projectcalico.org/v3\nkind: BGPConfiguration",
    );
    expect(first).toContain("kind: IPPool\nmetadata:\n  name: my.ippool-1");
    expect(first).toContain("kind: Profile\nmetadata:\n  name: test-calico");
    for (const node of ["calico1", "calico2"]) expect(calls(node)).not.toContain("calicoctl");
  });

  it("writes the rendered conflist into every node and plumbs each workload in its own namespace", () => {
    for (const node of ["calico1", "calico2"]) {
      expect(readFileSync(join(base, "nodes", node, "etc/cni/net.d/10-calico.conflist"), "utf8")).toBe(built.outputs.cniConfig.conflist);
      expect(calls(node)).toContain(`cnitool add test-calico /var/run/netns/${node}-wl1 NETCONFPATH=/etc/cni/net.d CNI_PATH=/opt/cni/bin`);
    }
    expect(built.outputs.nodes.map((n) => n.workloads)).toEqual([
      [{ name: "calico1-wl1", ip: "10.1.2.1/32", namespace: "calico1-wl1" }],
      [{ name: "calico2-wl1", ip: "10.1.3.1/32", namespace: "calico2-wl1" }],
    ]);
  });

  it("reads the BGP status from the nodes' BIRD and finds the expected mesh", () => {
    expect(built.outputs.bgpTopology).toMatchObject({ mode: "mesh", matches: true, problems: [] });
  });
});
