import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  LocalWorkspace,
  PulumiCommand,
  type DestroyOptions,
  type DestroyResult,
  type EngineEvent,
  type Stack,
} from "@pulumi/pulumi/automation";
import type { LabNodeOutput } from "../../components/lab/outputs";
import { defaultCacheDir, labNameFor } from "../../core/config/keys";
import { shellJoin } from "../../core/shell";
import { shellFor } from "../../core/transports/access";
import { INTRA_BRIDGE_CHAINS } from "../../core/substrates/docker/bridge-forwarding";
import { labNodeOptions } from "../support/node-options";
import { STEPS_PACKAGE, STEPS_PROVIDER_VERSION } from "../../components/lab/step-provider";

const execFileAsync = promisify(execFile);

export const repoRoot = join(__dirname, "..", "..");
export const cacheDir = defaultCacheDir(process.env, homedir());

/** Runs a command and returns its stdout; throws with stderr when it fails. */
export function sh(argv: string[]): string {
  const [command, ...args] = argv;
  return execFileSync(command ?? "false", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** `sh` without blocking the worker, for commands that run beside something the test watches. */
export async function shAsync(argv: string[]): Promise<string> {
  const [command, ...args] = argv;
  return (await execFileAsync(command ?? "false", args, { encoding: "utf8" })).stdout;
}

export function dockerExec(container: string, ...argv: string[]): string {
  return sh(["docker", "exec", container, ...argv]);
}

/** `argv` inside a lab node, through its transport (`docker exec` for a container on this engine, else the node's access). */
export function nodeExec(node: Pick<LabNodeOutput, "container" | "access">, ...argv: string[]): string {
  if (!node.access || (node.access.transport === "docker" && !node.access.dockerHost)) return dockerExec(node.container, ...argv);
  return sh(["bash", "-c", shellFor(node.access).run(shellJoin(argv))]);
}

/** Everything Docker still holds that carries this stack's label, and host firewall rules naming its lab. */
export function leftovers(stack: string): string[] {
  const label = `label=calico-lab.stack=${stack}`;
  const lab = labNameFor(stack);
  return [
    ...sh(["docker", "ps", "-a", "--filter", label, "--format", "container {{.Names}}"]).split("\n"),
    ...sh(["docker", "network", "ls", "--filter", label, "--format", "network {{.Name}}"]).split("\n"),
    ...sh(["docker", "volume", "ls", "--filter", label, "--format", "volume {{.Name}}"]).split("\n"),
    ...INTRA_BRIDGE_CHAINS.flatMap((chain) => sh(["iptables", "-S", chain]).split("\n"))
      .filter((rule) => rule.includes(`calico-lab:${lab}-`))
      .map((rule) => `iptables ${rule}`),
  ].filter(Boolean);
}

/** Preconditions the end-to-end run needs; each message says how to get it. */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (!existsSync(join(cacheDir, "bin", "pulumi"))) missing.push(`no Pulumi CLI at ${cacheDir}/bin/pulumi: run npm run offline:build`);
  const stepsPlugin = join(cacheDir, "pulumi-home", "plugins", `resource-${STEPS_PACKAGE}-v${STEPS_PROVIDER_VERSION}`);
  if (!existsSync(stepsPlugin))
    missing.push(`no provider of the lab's steps in ${stepsPlugin}: run bash scripts/offline/steps-provider.sh`);
  try {
    sh(["docker", "info", "--format", "{{.ServerVersion}}"]);
  } catch {
    missing.push("the Docker engine does not answer: run npm run offline:build (it installs and starts dockerd)");
  }
  if (!existsSync(join(cacheDir, "artifacts", "manifest.json")))
    missing.push(`no offline artifact manifest in ${cacheDir}/artifacts: run npm run offline:build`);
  return missing;
}

/** The e2e stacks' passphrase: random, one per test process (its stacks live and die within it). */
const E2E_PASSPHRASE = randomBytes(24).toString("base64");

/**
 * A stack on a file backend in a temp dir, with the offline toolchain and a passphrase secrets provider; its
 * commands' TMPDIR is `<backendDir>/tmp`, so whoever removes the backend folder removes what they left there.
 */
/**
 * The lab's Pulumi CLI, or (`netns`) a wrapper that runs it inside that network namespace, where the program
 * and its ssh clients then run: how this machine reaches hosts on a qemu lab's bridge.
 */
async function pulumiCommandFor(backendDir: string, netns: string | undefined): Promise<PulumiCommand> {
  if (netns === undefined) return PulumiCommand.get({ root: cacheDir, skipVersionCheck: false });
  const root = join(backendDir, "pulumi-in-netns");
  mkdirSync(join(root, "bin"), { recursive: true });
  const wrapper = `#!/bin/sh\nexec ip netns exec ${netns} ${join(cacheDir, "bin", "pulumi")} "$@"\n`;
  writeFileSync(join(root, "bin", "pulumi"), wrapper, { mode: 0o755 });
  return PulumiCommand.get({ root, skipVersionCheck: false });
}

/** Where a stack's program is, when it is not this repository's own: a project folder, its config namespace, a Pulumi home of its own. */
export interface OtherProgram {
  readonly workDir: string;
  readonly namespace: string;
  readonly pulumiHome: string;
  /** More environment for its Pulumi commands. */
  readonly env?: Readonly<Record<string, string>>;
}

export async function openStack(
  stackName: string,
  backendDir: string,
  config: Record<string, unknown>,
  options: { netns?: string; program?: OtherProgram } = {},
): Promise<Stack> {
  const pulumiCommand = await pulumiCommandFor(backendDir, options.netns);
  // As scripts/lab.sh does: the Kubernetes provider leaves the inline kubeconfig it is given (the lab's admin key)
  // in a file of $TMPDIR that it never removes. Here that is a 0700 folder in the stack's backend folder, which
  // goes with the backend when the suite ends or is interrupted.
  const ownTmp = join(backendDir, "tmp");
  mkdirSync(ownTmp, { recursive: true, mode: 0o700 });
  const envVars = {
    TMPDIR: ownTmp,
    PULUMI_BACKEND_URL: `file://${backendDir}?metadata=skip`,
    PULUMI_CONFIG_PASSPHRASE: E2E_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_HOME: options.program?.pulumiHome ?? join(cacheDir, "pulumi-home"),
    PATH: `${join(cacheDir, "bin")}:${process.env.PATH ?? ""}`,
    CALICO_LAB_CACHE: cacheDir,
    // What npm run lab:up runs with (scripts/lab.sh): the labs under test are the labs users get.
    PULUMI_PARALLEL: process.env.PULUMI_PARALLEL ?? "256",
    NODE_OPTIONS: labNodeOptions(),
    ...options.program?.env,
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, workDir: options.program?.workDir ?? repoRoot },
    { pulumiCommand, envVars, pulumiHome: envVars.PULUMI_HOME, secretsProvider: "passphrase" },
  );
  // Structured settings go in leaf by leaf (`calico-lab:bgp.mode`): Pulumi.yaml types them as objects,
  // and a JSON string would fail that check.
  const namespace = options.program?.namespace ?? "calico-lab";
  await stack.setAllConfig(Object.fromEntries(configPaths(namespace, config).map(([path, value]) => [path, { value }])), true);
  return stack;
}

/** What `npm run lab:down` (scripts/lab.sh) adds to `pulumi destroy`'s environment: the state written once at the end, not after every step. */
const LAB_DOWN_ENV = { PULUMI_SKIP_CHECKPOINTS: "true" } as const;

/** `pulumi destroy` as `npm run lab:down` runs it, through the Automation API (which can report its events). */
export async function labDown(stack: Stack, opts: DestroyOptions = {}): Promise<DestroyResult> {
  Object.assign(stack.workspace.envVars, LAB_DOWN_ENV);
  try {
    return await stack.destroy({ onOutput: () => undefined, ...opts });
  } finally {
    for (const name of Object.keys(LAB_DOWN_ENV)) delete stack.workspace.envVars[name];
  }
}

/**
 * The same destroy run as the CLI command `lab:down` runs, and nothing else: the Automation API's destroy
 * also runs `pulumi stack history` afterwards, which a timing of `lab:down` must not count. Throws with
 * the CLI's last 30 lines when it fails.
 */
export async function labDownByCli(stack: Stack): Promise<void> {
  const env = { ...process.env, ...stack.workspace.envVars, ...LAB_DOWN_ENV };
  const argv = ["destroy", "--stack", stack.name, "--yes", "--skip-preview", "--non-interactive"];
  await execFileAsync("pulumi", argv, { cwd: repoRoot, env, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => {
      const said = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim().split("\n").slice(-30).join("\n");
      throw new Error(`pulumi destroy of ${stack.name} failed:\n${said}`);
    },
  );
}

/** Flattens settings into Pulumi config paths: `{bgp: {routeReflectors: ["calico1"]}}` → `calico-lab:bgp.routeReflectors[0]`. */
export function configPaths(prefix: string, value: unknown, separator = ":"): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap((item, i) => configPaths(`${prefix}[${i}]`, item, ""));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, inner]) => configPaths(`${prefix}${separator}${key}`, inner, "."));
  }
  return [[prefix, String(value)]];
}

/**
 * A /24 for the lab's underlay that no Docker network on this machine uses yet. Vitest's workers (two Docker
 * suites at once) draw from ranges of their own, so two labs starting together never pick the same one.
 */
export function freeUnderlay(): string {
  const worker = Math.max(0, Number(process.env.VITEST_POOL_ID ?? "1") - 1) % 2;
  const used = sh([
    "docker",
    "network",
    "inspect",
    "--format",
    "{{range .IPAM.Config}}{{.Subnet}} {{end}}",
    ...sh(["docker", "network", "ls", "-q"]).split("\n").filter(Boolean),
  ]);
  for (let attempt = 0; attempt < 100; attempt++) {
    const third = 100 + worker * 75 + Math.floor(Math.random() * 75);
    const cidr = `192.168.${third}.0/24`;
    if (!used.includes(`192.168.${third}.`)) return cidr;
  }
  throw new Error("no free 192.168.x.0/24 for the lab underlay");
}

/**
 * Per-step timings of an update: pass `onEvent` to up/destroy, then `report()` lists each resource step
 * that took time (custom resources only), as seconds from the start of the update to its start and end.
 */
export function stepTimeline(): { onEvent: (event: EngineEvent) => void; report: () => string } {
  const t0 = Date.now();
  const steps = new Map<string, { op: string; start: number; end?: number }>();
  const nameOf = (urn: string) => urn.split("::").pop() ?? urn;
  return {
    onEvent: (event) => {
      const pre = event.resourcePreEvent?.metadata;
      if (pre && pre.op !== "same" && !pre.type.startsWith("calicolab:") && pre.type !== "pulumi:pulumi:Stack") {
        steps.set(pre.urn, { op: pre.op, start: (Date.now() - t0) / 1000 });
      }
      const done = event.resOutputsEvent?.metadata;
      const step = done ? steps.get(done.urn) : undefined;
      if (step) step.end = (Date.now() - t0) / 1000;
    },
    report: () =>
      [...steps.entries()]
        .sort(([, a], [, b]) => a.start - b.start)
        .map(([urn, s]) => `${s.start.toFixed(1).padStart(6)} → ${s.end?.toFixed(1).padStart(6) ?? "     ?"}  ${s.op} ${nameOf(urn)}`)
        .join("\n"),
  };
}
