/**
 * `npm run bench -- --kind [--runs N]`: the kdd lab on kind (the `kdd` stack's settings, offline build) through
 * Pulumi, next to the same cluster made by hand the fastest honest way: `kind create cluster` from the kind config
 * the lab renders, `kind load docker-image` of the same Calico images, `kubectl apply` of the same Calico manifest,
 * pools and BGP configuration, then calico-kube-controllers, as the lab orders them; done when calico-node is Ready
 * on every node and every BGP session is Established (the same watcher on both sides). Destroy is `kind delete
 * cluster`. N runs, alternating which side goes first; medians (min-max) and the ratio Pulumi/by hand.
 */
import { execFile, spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import versions from "../versions.json";
import { labNameFor } from "../core/config/keys";
import { loadLabConfig } from "../core/config/load";
import type { LabConfig } from "../core/config/types";
import { shellJoin, shellQuote } from "../core/shell";
import { offlineCalicoImageList, readOfflineCalicoManifest } from "../core/substrates/kind/calico-manifest";
import { onEngine, ownEngine, type KindEngine } from "../core/substrates/kind/engine";
import { kindRoles } from "../core/substrates/kind/names";
import {
  renderKindBgpConfiguration,
  renderKindConfig,
  renderKindIpPools,
  renderKindRouteReflectorPeer,
} from "../core/substrates/kind/render";
import { BIRDCL_SHIM, kindDeleteScript, kindLoadImagesScript } from "../core/substrates/kind/scripts";
import type { NodeShell } from "../core/transports/node-shell";
import { cacheDir, repoRoot } from "../test/e2e/live";
import * as measure from "./measure";

/** The `kdd` stack's settings (stacks/Pulumi.kdd.yaml), from the offline build. */
function kddSettings(): Record<string, unknown> {
  const file = parse(readFileSync(join(repoRoot, "stacks", "Pulumi.kdd.yaml"), "utf8")) as { config?: Record<string, unknown> };
  const settings = Object.fromEntries(Object.entries(file.config ?? {}).map(([key, value]) => [key.replace(/^calico-lab:/, ""), value]));
  return { ...settings, imageMode: "offline" };
}

/** kind's roles (control-plane, worker, ...) and each node's sessions once the lab has converged. */
function sessionsOf(config: LabConfig): measure.NodeSessions[] {
  return measure.nodeSessions(kindRoles(config.kind.workers), config.bgp.mode === "routeReflectors" ? config.bgp.routeReflectors : []);
}

/**
 * The cluster's nodes on the kind engine. BIRD's client is calico-node's, reached through the node's runtime as the
 * lab's own birdcl does (BIRDCL_SHIM); here as a shell function, so that the by-hand cluster gets nothing the lab's
 * has not. One check a second in each node: each is a `crictl exec`.
 */
function kindProbe(cluster: string, engine: KindEngine): measure.Probe {
  const base = measure.dockerProbe(cluster, { ...(engine.dockerHost ? { dockerHost: engine.dockerHost } : {}), insideEverySeconds: 1 });
  const withBirdcl = (shell: NodeShell): NodeShell => ({
    ...shell,
    run: (script, options) => shell.run(`birdcl() { sh -c ${shellQuote(BIRDCL_SHIM)} birdcl "$@" </dev/null; }\n${script}`, options),
  });
  return { ...base, shellOf: (role) => withBirdcl(base.shellOf(role)) };
}

const execFileAsync = promisify(execFile);
const run = async (argv: readonly string[]) => (await execFileAsync(argv[0]!, argv.slice(1), { maxBuffer: 64 << 20 })).stdout;

/**
 * The same cluster by hand: the lab's own rendering and images, the commands a user would type, each started as
 * soon as what it needs is done; with --timeline it prints when each step ended (seconds from the start).
 */
async function byHand(config: LabConfig, cluster: string, engine: KindEngine, options: { timeline: boolean }): Promise<measure.Figures> {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-bench-kind-"));
  const onKind = (script: string) => run(["bash", "-c", onEngine(engine, script)]);
  // kubectl of the offline build (the nodes' own version) on this machine, with the kubeconfig kind writes: the way the
  // lab's Kubernetes provider reaches the API server.
  const kubeconfig = join(dir, "kubeconfig");
  const kubectl = (...args: string[]) =>
    run([join(cacheDir, "artifacts", "kind", "kubernetes", versions.kubernetes.version, "kubectl"), `--kubeconfig=${kubeconfig}`, ...args]);
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const steps: string[] = [];
  const started = Date.now();
  const mark = (step: string) => steps.push(`    ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${step}`);
  const watcher = measure.watch(kindProbe(cluster, engine), sessionsOf(config), started);
  let made = false;
  try {
    const kindConfig = file(
      "kind.yaml",
      renderKindConfig({
        name: cluster,
        workers: config.kind.workers,
        nodeImage: versions.kind.nodeImage,
        podSubnet: config.ipPools[0]!.cidr,
        serviceSubnet: config.kind.serviceSubnet,
        ...(engine.apiServerAddress ? { apiServerAddress: engine.apiServerAddress } : {}),
      }),
    );
    made = true;
    // kind's kubeconfig into a folder of the bench's, never ~/.kube/config.
    await onKind(shellJoin(["kind", "create", "cluster", "--name", cluster, "--kubeconfig", kubeconfig, "--config", kindConfig]));
    mark("kind create cluster");
    await onKind(kindLoadImagesScript(cluster, offlineCalicoImageList()));
    mark("kind load docker-image");
    const manifest = readOfflineCalicoManifest(join(cacheDir, "artifacts", "manifest.json"));
    await kubectl("apply", "-f", file("calico.yaml", manifest.install));
    mark("kubectl apply calico.yaml");
    // The pools' kinds exist once their CRDs are established.
    await kubectl(
      "wait",
      "--for=condition=established",
      "--timeout=120s",
      "crd/ippools.crd.projectcalico.org",
      "crd/bgpconfigurations.crd.projectcalico.org",
    );
    const meshEnabled = config.bgp.mode !== "routeReflectors";
    const bgp = renderKindBgpConfiguration({ asNumber: config.bgp.asNumber, meshEnabled });
    const pools = [meshEnabled ? bgp : `${bgp}---\n${renderKindRouteReflectorPeer()}`, renderKindIpPools(config.ipPools)].join("---\n");
    await kubectl("apply", "-f", file("pools.yaml", pools));
    mark("kubectl apply BGP configuration and pools");
    await kubectl("apply", "-f", file("controllers.yaml", manifest.controllers));
    mark("kubectl apply calico-kube-controllers");
    await kubectl("-n", "kube-system", "rollout", "status", "daemonset/calico-node", "--timeout=600s");
    mark("calico-node Ready on every node");
    const seen = await measure.waitEstablished(watcher, cluster);
    const up = (Date.now() - started) / 1000;
    mark("every BGP session Established");
    if (options.timeline) console.log(`  ${cluster} by hand:\n${steps.join("\n")}`);
    const destroyStarted = Date.now();
    await onKind(kindDeleteScript(cluster));
    made = false;
    return { ...seen, toolMiB: 0, up, destroy: (Date.now() - destroyStarted) / 1000 };
  } finally {
    await watcher.stop();
    if (made) await onKind(kindDeleteScript(cluster)).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The kind engine of the offline build, started when it is not running (as lab:up does). */
function startEngine(): void {
  const started = spawnSync("bash", [join(repoRoot, "scripts", "offline", "docker-v28.sh"), "start"], { encoding: "utf8" });
  if (started.status !== 0) throw new Error(`the kind engine did not start: ${started.stderr}`);
}

export async function kindBench(runs: number, options: { timeline: boolean }): Promise<void> {
  const settings = kddSettings();
  const config = loadLabConfig(settings);
  const engine = ownEngine(cacheDir);
  readOfflineCalicoManifest(join(cacheDir, "artifacts", "manifest.json")); // the kind parts are built, or say so now
  startEngine();
  const benchStarted = Date.now();
  const run36 = Date.now().toString(36);
  const p: measure.Figures[] = [];
  const h: measure.Figures[] = [];
  for (let r = 0; r < runs; r++) {
    const pulumiStack = `bench-kind-${run36}-p${r}`;
    const handCluster = labNameFor(`bench-kind-${run36}-h${r}`);
    const viaPulumi = () =>
      measure.throughPulumi(pulumiStack, settings, kindProbe(labNameFor(pulumiStack), engine), sessionsOf(config), options);
    const viaHand = () => byHand(config, handCluster, engine, options);
    if (r % 2 === 0) {
      p.push(await viaPulumi());
      h.push(await viaHand());
    } else {
      h.push(await viaHand());
      p.push(await viaPulumi());
    }
    const [lp, lh] = [p.at(-1)!, h.at(-1)!];
    console.log(
      `  kind run ${r + 1}: Pulumi ${lp.established.toFixed(1)} s Established, ${lp.up!.toFixed(1)} s up, ${lp.destroy.toFixed(1)} s destroy; ` +
        `by hand ${lh.established.toFixed(1)} s Established, ${lh.up!.toFixed(1)} s done, ${lh.destroy.toFixed(1)} s delete`,
    );
  }
  const ratio = (key: "established" | "up" | "destroy" | "peakMiB") =>
    measure.fig(
      p.map((x, i) => (x[key] ?? 0) / (h[i]![key] ?? 1)),
      2,
    );
  const of = (xs: measure.Figures[], key: "established" | "up" | "destroy" | "peakMiB" | "toolMiB", digits = 1) =>
    measure.fig(
      xs.map((x) => x[key] ?? 0),
      digits,
    );
  const nodes = config.kind.workers + 1;
  const row = [
    `kdd on kind, ${nodes} nodes`,
    of(p, "established"),
    of(h, "established"),
    ratio("established"),
    of(p, "up"),
    of(h, "up"),
    ratio("up"),
    of(p, "destroy"),
    of(h, "destroy"),
    ratio("destroy"),
    of(p, "peakMiB", 0),
    of(h, "peakMiB", 0),
    ratio("peakMiB"),
    of(p, "toolMiB", 0),
    String(p[0]?.resources ?? 0),
  ];
  console.log(`| ${row.join(" | ")} |`);
  const minutes = (Date.now() - benchStarted) / 60000;
  const header = [
    "",
    `## ${measure.machine()}, kind: Pulumi against by hand, ${runs} run(s): median (min-max)`,
    "",
    "| lab | up to Established, Pulumi (s) | by hand (s) | ratio | up returned, Pulumi (s) | by hand done (s) | ratio | destroy, Pulumi (s) | kind delete (s) | ratio | peak node memory, Pulumi (MiB) | by hand (MiB) | ratio | Pulumi's processes (MiB) | resources |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const footer = ["", `Whole kind bench: ${minutes.toFixed(1)} min; ${measure.samplerSummary()}.`];
  appendFileSync(join(__dirname, "results.md"), `${[...header, `| ${row.join(" | ")} |`, ...footer].join("\n")}\n`);
}
