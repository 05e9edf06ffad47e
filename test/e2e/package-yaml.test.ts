import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { labNameFor } from "../../core/config/keys";
import { expectLiveLab, outputsOf, ping } from "./lab-expectations";
import { cacheDir, freeUnderlay, missingPrerequisites, repoRoot, type OtherProgram } from "./live";
import { labSuite } from "./suite";

const YAML_HOST = join(cacheDir, "bin", "pulumi-language-yaml");
const missing = [
  ...missingPrerequisites(),
  ...(existsSync(YAML_HOST) ? [] : [`no Pulumi YAML language host at ${YAML_HOST}: run npm run offline:build`]),
];
if (missing.length > 0) throw new Error(`the end-to-end test cannot run:\n  ${missing.join("\n  ")}`);

/**
 * examples/yaml as a user runs it, in a folder of the suite's own: its Pulumi.yaml copied there, and the calicolab
 * plugin installed by `npm run package:install` into a Pulumi home of the suite's own (the machine's stays as it was).
 */
function yamlProgram(backend: string): OtherProgram {
  const workDir = join(backend, "program");
  const pulumiHome = join(backend, "pulumi-home");
  mkdirSync(workDir, { recursive: true });
  copyFileSync(join(repoRoot, "examples", "yaml", "Pulumi.yaml"), join(workDir, "Pulumi.yaml"));
  const env = { ...process.env, PULUMI_HOME: pulumiHome, PATH: `${join(cacheDir, "bin")}:${process.env.PATH ?? ""}` };
  execFileSync("bash", [join(repoRoot, "scripts", "package", "install.sh")], { env, stdio: ["ignore", "pipe", "pipe"] });
  // No NODE_PATH: every resource of the lab's own runs in the calicolab-steps Go plugin, none in Node.js's dynamic provider.
  return { workDir, namespace: "calico-lab-yaml-example", pulumiHome, env: {} };
}

describe.sequential("the calicolab package from Pulumi YAML (examples/yaml)", () => {
  const stackName = `e2e-yaml-${Date.now().toString(36)}`;
  const lab = labSuite(stackName, () => ({ labName: labNameFor(stackName), underlayCidr: freeUnderlay() }), { program: yamlProgram });

  it("up: the tutorial lab from YAML, live as the stack program's, its outputs the same contract", async () => {
    const started = Date.now();
    const outputs = outputsOf(await lab.stack.up({ onOutput: () => undefined }));
    console.log(`package-yaml e2e: up took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expectLiveLab(outputs, [["calico1", "calico2"]]);
    expect(outputs.bgpTopology.matches).toBe(true);
    expect(outputs.nodes.map((node) => node.container)).toEqual([`${labNameFor(stackName)}-calico1`, `${labNameFor(stackName)}-calico2`]);
    const [calico1, calico2] = outputs.nodes;
    expect(ping(calico1!, calico2!)).toMatch(/ 0% packet loss/);
  });

  it("a second up changes nothing", async () => {
    const preview = await lab.stack.preview({ diff: false });
    expect(preview.changeSummary).toEqual({ same: expect.any(Number) as number });
  });
});
