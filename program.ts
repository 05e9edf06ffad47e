import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CalicoLab } from "./components/lab/calico-lab";
import { LAB_SCENARIOS, LAB_SUBSTRATES } from "./components/lab/registry";
import { calicoSourceIssues, parseCalicoBuild, type CalicoBuild } from "./core/config/calico-source";
import { ConfigError, type ConfigIssue } from "./core/config/errors";
import { imageSetOf, resolveImageMode } from "./core/config/image-mode";
import { defaultCacheDir, labNameFor, manifestPathFor } from "./core/config/keys";
import { dockerKernelIssues, parseNetworkInspect, underlayOverlapIssues, type ExistingNetwork } from "./core/substrates/docker/preflight";
import { QEMU_COMMANDS, qemuHostIssues, VM_BASE_FILES } from "./core/substrates/qemu/preflight";
import { sshLocalIssues } from "./core/substrates/ssh/preflight";
import type { LabConfig } from "./core/config/types";
import { toolchainIssues } from "./core/tools";
import versions from "./versions.json";

/**
 * The program, once index.ts has declared the provider of the lab's steps: the machine's checks, the lab (a scenario
 * on a substrate, or a kind cluster) with every step on that provider, and the stack's outputs.
 */
export async function runProgram(loaded: LabConfig, steps: pulumi.ProviderResource): Promise<Record<string, unknown>> {
  const stack = pulumi.getStack();
  const cacheDir = defaultCacheDir(process.env, homedir());
  const pinnedManifestPath = manifestPathFor(loaded.artifacts.manifest, process.env, cacheDir);
  const resolved = { ...loaded, imageMode: resolveImageMode(loaded, { offlineBuildPresent: existsSync(pinnedManifestPath) }) };

  /**
   * artifacts.calicoSource: checks the tree, then builds it (scripts/offline/calico-local.sh: Go's build cache makes an
   * unchanged tree a few seconds) before any of the lab's resources is declared, in preview as in up, so the node image's tag (a digest
   * of the build) is known and a changed build shows as the nodes' replacement in the preview itself.
   */
  function localCalicoBuild(): CalicoBuild | undefined {
    const setting = loaded.artifacts.calicoSource;
    if (!setting || loaded.substrate === "kind") return undefined;
    const tree = resolve(setting.replace(/^~(?=\/|$)/, homedir()));
    let goMod: string | undefined;
    try {
      goMod = readFileSync(join(tree, "go.mod"), "utf8");
    } catch {
      goMod = undefined;
    }
    const go = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
    const goVersion = go.status === 0 ? go.stdout.trim().replace(/^go/, "") : undefined;
    const issues = calicoSourceIssues(setting, { goMod, goVersion });
    if (issues.length > 0) throw new pulumi.RunError(new ConfigError(issues).message);
    if (resolved.imageMode !== "offline") {
      throw new pulumi.RunError(
        `calico-lab:artifacts.calicoSource = ${JSON.stringify(setting)}: the local build layers on the offline node image, and imageMode auto found no offline build at ${pinnedManifestPath}: run npm run offline:build`,
      );
    }
    const log = join(cacheDir, "logs", "calico-local.log");
    mkdirSync(join(cacheDir, "logs"), { recursive: true });
    const built = spawnSync("bash", [join(__dirname, "scripts", "offline", "calico-local.sh"), tree], {
      encoding: "utf8",
      env: { ...process.env, CALICO_LAB_CACHE: cacheDir },
      maxBuffer: 64 * 1024 * 1024,
    });
    writeFileSync(log, `${built.stderr}${built.stdout}`);
    if (built.status !== 0) {
      const tail = built.stderr.trim().split("\n").slice(-15).join("\n");
      throw new pulumi.RunError(`calico-lab:artifacts.calicoSource = ${JSON.stringify(setting)}: the build failed (log ${log}):\n${tail}`);
    }
    const record = built.stdout.trim().split("\n").at(-1) ?? "";
    const build = parseCalicoBuild(readFileSync(record, "utf8"), record);
    // calico-local.sh's last line: the tree, the image and how long the build took.
    void pulumi.log.info(built.stderr.trim().split("\n").at(-1) ?? build.image);
    return build;
  }

  const calicoBuild = localCalicoBuild();
  /** With a local build, the node image and the calico tools are that build's; everything else stays the offline build's. */
  const manifestPath = calicoBuild?.manifest ?? pinnedManifestPath;
  const config = calicoBuild
    ? { ...resolved, artifacts: { ...resolved.artifacts, offline: { ...resolved.artifacts.offline, node: calicoBuild.image } } }
    : resolved;
  const onPath = (command: string) => spawnSync("sh", ["-c", 'command -v "$1"', "sh", command]).status === 0;
  const readable = (path: string) => {
    try {
      accessSync(path, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  };

  /** This machine's Docker networks; none when the engine does not answer (creating the network then says why). */
  function existingNetworks(): ExistingNetwork[] {
    const ids = spawnSync("docker", ["network", "ls", "-q"], { encoding: "utf8" });
    if (ids.status !== 0) return [];
    const format = '{{.Name}}|{{index .Labels "calico-lab.stack"}}|{{range .IPAM.Config}}{{.Subnet}} {{end}}';
    const inspected = spawnSync("docker", ["network", "inspect", "--format", format, ...ids.stdout.split("\n").filter(Boolean)], {
      encoding: "utf8",
    });
    return inspected.status === 0 ? parseNetworkInspect(inspected.stdout) : [];
  }

  /** What this machine lacks for the chosen substrate, named before anything is created. */
  function substrateIssues(): ConfigIssue[] {
    switch (config.substrate) {
      // Docker nodes share this machine's kernel: what it lacks, no node has. Two labs must not share addresses.
      case "docker":
        return [
          ...dockerKernelIssues(config, { ipip: existsSync("/sys/module/ipip") }),
          ...underlayOverlapIssues(config.underlay.cidr, `${labNameFor(stack)}-underlay-net`, existingNetworks()),
        ];
      case "qemu": {
        const baseDir = `${cacheDir}/vm/base`;
        return qemuHostIssues({
          baseDir,
          baseFiles: Object.fromEntries(VM_BASE_FILES.map((file) => [file, existsSync(`${baseDir}/${file}`)])),
          tun: existsSync("/dev/net/tun"),
          commands: Object.fromEntries(Object.keys(QEMU_COMMANDS).map((command) => [command, onPath(command)])),
          root: process.getuid?.() === 0,
        });
      }
      case "ssh":
        return sshLocalIssues(config.ssh, { sshClient: onPath("ssh"), agent: !!process.env.SSH_AUTH_SOCK, readable, home: homedir() });
      default:
        return [];
    }
  }

  /** kdd outside kind, and etcd.tls, run offline images: auto found no build, so say what to run. */
  function checkResolvedImages(): void {
    if (config.scenario === "kdd" && config.substrate !== "kind" && config.imageMode === "online") {
      throw new pulumi.RunError(
        `scenario kdd on ${config.substrate} needs the offline build's kube-apiserver image, and imageMode auto found no offline build at ${manifestPath}: run npm run offline:build`,
      );
    }
    if (config.etcd.tls && !imageSetOf(config).etcdRunsScripts) {
      throw new pulumi.RunError(
        `etcd.tls needs the offline build's etcd image (openssl makes the certificates inside the etcd node), and imageMode auto found no offline build at ${manifestPath}: run npm run offline:build`,
      );
    }
  }

  /**
   * kdd manages its Kubernetes objects, and kind its cluster's, with the Kubernetes provider plugin. Where the
   * engine may not download plugins (the offline toolchain), it must be installed already: say how.
   */
  function checkKubernetesPlugin(): void {
    if (config.scenario !== "kdd" && config.substrate !== "kind") return;
    if (!/^(1|true)$/i.test(process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION ?? "")) return;
    const version = (JSON.parse(readFileSync(require.resolve("@pulumi/kubernetes/package.json"), "utf8")) as { version: string }).version;
    const plugin = join(
      process.env.PULUMI_HOME ?? join(homedir(), ".pulumi"),
      "plugins",
      `resource-kubernetes-v${version}`,
      "pulumi-resource-kubernetes",
    );
    if (!existsSync(plugin)) {
      throw new pulumi.RunError(
        `scenario ${config.scenario} on ${config.substrate} manages its Kubernetes objects with the Kubernetes provider plugin ${version}, which is not installed at ${plugin} (and plugin downloads are off): run bash scripts/offline/kubernetes-provider.sh (npm run lab:up does it for kdd and kind stacks)`,
      );
    }
  }

  function preflight(): void {
    checkResolvedImages();
    checkKubernetesPlugin();
    // Tools fetched here need their toolchain, whatever the substrate.
    const issues = [
      ...substrateIssues(),
      ...toolchainIssues(imageSetOf(config).tools, `artifacts.${config.imageMode}.tools`, { go: onPath("go") }),
    ];
    if (issues.length > 0) throw new pulumi.RunError(new ConfigError(issues).message);
  }

  async function makeLab() {
    // kind is a whole cluster with its own lab (and Pulumi's Kubernetes and command SDKs, loaded only for it);
    // every other substrate composes a scenario through the seam.
    if (config.substrate === "kind") {
      const { KindLab } = await import("./components/substrates/kind/kind-lab");
      const { runKindPreflight } = await import("./components/substrates/kind/preflight");
      return new KindLab(labNameFor(stack), { config, cacheDir, manifestPath, preflight: runKindPreflight }, { providers: [steps] });
    }
    preflight();
    const loadScenario = LAB_SCENARIOS[config.scenario];
    const makeSubstrate = LAB_SUBSTRATES[config.substrate];
    if (!loadScenario || !makeSubstrate) {
      throw new pulumi.RunError(`scenario ${config.scenario} on substrate ${config.substrate} is not built yet`);
    }
    const scenario = await loadScenario();
    const substrate = makeSubstrate({ config, cacheDir, home: homedir() });
    return new CalicoLab(labNameFor(stack), { config, stack, cacheDir, manifestPath, scenario, substrate }, { providers: [steps] });
  }

  const lab = await makeLab();
  /** Which Calico each node runs: the local build (its tree, commit, dirty flag, digest) or the pinned release. */
  const calico = calicoBuild
    ? {
        source: calicoBuild.source,
        commit: calicoBuild.commit,
        dirty: calicoBuild.dirty,
        version: calicoBuild.version,
        digest: calicoBuild.digest,
        calicoNodeSha256: calicoBuild.calicoNodeSha256,
        image: calicoBuild.image,
      }
    : { source: "release", commit: versions.calico.commit, dirty: false, version: versions.calico.version, image: imageSetOf(config).node };
  return {
    scenario: config.scenario,
    imageMode: config.imageMode,
    etcd: lab.etcd,
    calico,
    nodes: lab.nodes.apply((all) => all.map((node) => ({ ...node, calico }))),
    ipPools: lab.ipPools,
    cniConfig: lab.cniConfig,
    bgpTopology: lab.bgpTopology,
    diagram: lab.diagram,
    // kdd and kind: the admin kubeconfig of the lab's apiserver (a secret: `pulumi stack output kubeconfig
    // --show-secrets`). Absent on bird rather than undefined, which Pulumi warns of on every up and preview.
    ...(lab.kubeconfig ? { kubeconfig: lab.kubeconfig } : {}),
  };
}
