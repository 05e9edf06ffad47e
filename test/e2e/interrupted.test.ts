import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { freeUnderlay, labDown, leftovers, missingPrerequisites, sh } from "./live";
import { labSuite } from "./suite";

const missing = missingPrerequisites();
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);

const pgrep = (...args: string[]) => spawnSync("pgrep", args, { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map(Number);

/** Every process of one `pulumi` run (the CLI, its language host, the program, the dynamic providers): the CLI by its --stack, then its descendants. */
function pulumiProcessTree(stackName: string): number[] {
  const pids = pgrep("-f", "--", `--stack ${stackName}`);
  for (let i = 0; i < pids.length; i++) for (const child of pgrep("-P", String(pids[i]))) if (!pids.includes(child)) pids.push(child);
  return pids.filter((pid) => pid !== process.pid);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.sequential("an up killed mid-way (SIGKILL), then cancel and destroy", () => {
  const stackName = `e2e-kill-${Date.now().toString(36)}`;
  let running: Promise<string> | undefined;
  const lab = labSuite(
    stackName,
    () => ({ imageMode: "offline", underlay: { cidr: freeUnderlay(), internal: true }, calico: { nodes: 4 } }),
    {
      teardown: async (stack, name, backend) => {
        try {
          // An up this test failed to kill is awaited first: a destroy beside it would leave its lab behind.
          await running;
          if (stack) await labDown(stack).catch(() => undefined);
          expect(leftovers(name), "nothing labelled with the stack is left").toEqual([]);
        } finally {
          await stack?.workspace.removeStack(name, { force: true }).catch(() => undefined);
          rmSync(backend, { recursive: true, force: true });
        }
      },
    },
  );

  it("strands nothing: destroy removes every container, network and rule the stack made; a later up succeeds", async () => {
    const up = lab.stack.up({ onOutput: () => undefined }).then(
      () => "finished",
      () => "killed",
    );
    running = up;
    // Kill the whole run as soon as the node containers start: the moment the state knows least.
    const label = `label=calico-lab.stack=${stackName}`;
    for (let i = 0; i < 600; i++) {
      const nodes = sh(["docker", "ps", "-a", "--filter", label, "--filter", "label=calico-lab.role=calico-node", "-q"])
        .split("\n")
        .filter(Boolean);
      if (nodes.length > 0) break;
      await sleep(200);
    }
    const pids = pulumiProcessTree(stackName);
    expect(pids.length, "found the running up").toBeGreaterThan(0);
    spawnSync("kill", ["-KILL", ...pids.map(String)]);
    expect(await up).toBe("killed");
    expect(leftovers(stackName).length, "the killed up left its lab behind").toBeGreaterThan(0);

    await lab.stack.cancel().catch(() => undefined); // the file backend may have no update to cancel
    await labDown(lab.stack);
    expect(leftovers(stackName), "nothing labelled with the stack is left").toEqual([]);

    const result = await lab.stack.up({ onOutput: () => undefined });
    expect((result.outputs.bgpTopology?.value as { matches: boolean }).matches).toBe(true);
    await labDown(lab.stack);
    expect(leftovers(stackName)).toEqual([]);
  });
});
