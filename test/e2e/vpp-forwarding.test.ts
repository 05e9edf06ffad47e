import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import versions from "../../versions.json";
import { freeUnderlay } from "./live";

// The VPP forwarding lab (seed 003; docs/vpp.md) by its script, without Pulumi yet: etcd and two node-vpp
// containers on an internal network, a workload-to-workload ping through both VPPs (counters, trace), no
// kernel path, a VPP restart, and a node leaving that takes its block out of the other VPP's FIB. Needs the
// opt-in part `build.sh --vpp` (the node-vpp image): without that image the suite is skipped, saying so.
const repo = join(__dirname, "..", "..");
const image = versions.vpp.nodeImage;
const hasImage = spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status === 0;
if (!hasImage) console.log(`vpp-forwarding: skipped: no image ${image} (run scripts/offline/build.sh --vpp)`);

describe.skipIf(!hasImage)("VPP forwarding lab (vpp-smoke.sh)", () => {
  it("forwards a workload ping through VPP and keeps VPP's FIB equal to BIRD's routes", async () => {
    const subnet = freeUnderlay();
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn("bash", [join(repo, "scripts", "offline", "vpp-smoke.sh")], {
        env: { ...process.env, VPP_SMOKE_SUBNET: subnet },
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.on("close", (c) => resolve({ code: c, out }));
    });
    console.log(out);
    expect(out).toMatch(/PASS wl1 \(\S+, node1\) pings wl2 \(\S+, node2\): 5 received/);
    expect(out).toMatch(/PASS node2's trace: .* out host-v-wl2/);
    expect(out).toMatch(/PASS with node2's VPP stopped, wl1 does not reach wl2 \(no kernel path\)/);
    expect(out).toMatch(/PASS wl1 reaches wl2 again after node2's VPP restarted/);
    expect(out).toMatch(/PASS node2 stopped: \S+ left node1's VPP FIB/);
    expect(out).not.toMatch(/^FAIL /m);
    expect(code).toBe(0);
  });
});
