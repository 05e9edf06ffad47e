import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { parseCidr, planUnderlay } from "../core/addressing";
import { DEFAULTS } from "../core/config/defaults";
import { workloadMtu } from "../core/mtu";
import { labLabels } from "../core/node-runtime";
import {
  calicoctlApplyScript,
  CNI_CONF_FILE,
  routeReflectorScript,
  sessionsEstablishedScript,
  workloadAddScript,
  writeFileScript,
} from "../core/node-scripts";
import { renderBgpConfiguration, renderCniConflist, renderIpPools, renderNetworkProfile, renderRouteReflectorPeer } from "../core/render";
import { birdNodeRuntime, etcdDatastoreEnv, etcdEndpoint, etcdRuntime } from "../core/scenarios/bird";
import { calicoNodeReadySeconds, everyNodeHolds } from "../core/settle";
import { inWaves, startWaves } from "../core/start-waves";
import { dockerNetworkCreateArgv, dockerRunArgv } from "../core/substrates/docker/argv";
import { allowIntraBridgeScript, removeIntraBridgeScript } from "../core/substrates/docker/bridge-forwarding";
import { containerSpecFor } from "../core/substrates/docker/container-spec";
import { toolCacheDir, toolFetchScript, toolInstallScript, type ToolName } from "../core/tools";
import { dockerShell } from "../core/transports/docker";
import { expectedTopology, sessionCountOf } from "../core/topology";
import { pollInside } from "../components/lab/process";

/**
 * The same lab as the bird stack, brought up by the fastest honest direct script: the same docker and
 * calicoctl commands from the same scripts (network and its forwarding rule, tool fetch and in-node
 * verification, etcd, BGP settings, route reflectors with the configured cluster ID, pools and profile,
 * CNI conf, workloads), no Pulumi, each step started as soon as what it really needs is done: the
 * datastore settings run next to etcd while the Calico nodes start, and each node's chain (start, wait,
 * tools, conf, workload) runs on its own; the nodes start in the same waves as the lab's (calico.startWave,
 * route reflectors first). Down leaves the same end state as Pulumi's destroy: containers,
 * the forwarding rule and the network gone.
 */
export interface DirectLab {
  readonly up: () => Promise<number>;
  readonly down: () => Promise<number>;
  readonly containers: string[];
}

// Asynchronous, so that the benchmark's watcher samples memory and sessions while the script runs.
const execFileAsync = promisify(execFile);
const run = async (argv: string[]) => (await execFileAsync(argv[0]!, argv.slice(1), { encoding: "utf8", maxBuffer: 64 << 20 })).stdout;
const bash = (script: string) => run(["bash", "-c", script]);

async function waitFor(argv: string[], seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      await run(argv);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out: ${argv.join(" ")}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

export function directLab(input: {
  name: string;
  underlay: string;
  nodes: number;
  routeReflectors: string[];
  cacheDir: string;
  manifestPath: string;
  /** How many Calico nodes start at once (calico.startWave, resolved), route reflectors first, as the lab starts them. */
  startWave: number;
}): DirectLab {
  const plan = planUnderlay(parseCidr(input.underlay)!, input.nodes);
  const names = Array.from({ length: input.nodes }, (_, i) => `calico${i + 1}`);
  const network = `${input.name}-net`;
  const labels = (role: string) => labLabels(input.name, input.name, role);
  const etcdName = `${input.name}-etcd`;
  const endpoints = etcdEndpoint(plan.etcd);
  const containers = [etcdName, ...names.map((n) => `${input.name}-${n}`)];
  const mode = input.routeReflectors.length > 0 ? "routeReflectors" : "mesh";
  const expected = expectedTopology({
    asNumber: DEFAULTS.bgp.asNumber,
    mode,
    routeReflectors: input.routeReflectors,
    nodes: names.map((n, i) => ({ name: n, address: plan.nodes[i]! })),
  });
  const tools = DEFAULTS.artifacts.offline.tools;
  const toolNames = Object.keys(tools) as ToolName[];
  let networkId = "";

  const up = async () => {
    const started = Date.now();
    // The tools are fetched (from the host cache) and checksummed while the network and etcd come up.
    const fetched = Promise.all(
      toolNames.map(async (tool) => ({
        name: tool,
        cacheDir: toolCacheDir(input.cacheDir, tool, tools[tool]),
        sums: await bash(toolFetchScript(tool, tools[tool], input.cacheDir, input.manifestPath)),
      })),
    );
    networkId = (
      await run(
        dockerNetworkCreateArgv({ name: network, subnet: plan.subnet, gateway: plan.gateway, internal: true, labels: labels("network") }),
      )
    ).trim();
    const forwarding = bash(allowIntraBridgeScript(networkId, network));
    const etcd = etcdRuntime({ name: etcdName, image: DEFAULTS.artifacts.offline.etcd, address: plan.etcd });
    await run(dockerRunArgv(containerSpecFor(etcd, { containerName: etcdName, network, labels: labels("etcd") })));
    await waitFor(["docker", "exec", etcdName, ...pollInside(etcd.readiness.command, 60)], 60);

    const runtimes = names.map((nodeName, i) =>
      birdNodeRuntime({
        nodeName,
        image: DEFAULTS.artifacts.offline.node,
        address: plan.nodes[i]!,
        asNumber: DEFAULTS.bgp.asNumber,
        etcdEndpoints: endpoints,
        logLevel: DEFAULTS.calico.logLevel,
        readyTimeoutSeconds: calicoNodeReadySeconds(input.nodes),
      }),
    );
    // Each node's start and readiness, on its own, in the lab's start waves: a wave starts once the one before is ready.
    const ready = inWaves(startWaves(names, input.routeReflectors, input.startWave), async (i) => {
      const runtime = runtimes[i]!;
      const container = containers[i + 1]!;
      await run(dockerRunArgv(containerSpecFor(runtime, { containerName: container, network, labels: labels("calico-node") })));
      const { command, timeoutSeconds } = runtime.readiness;
      await waitFor(["docker", "exec", container, ...pollInside(command, timeoutSeconds)], timeoutSeconds);
    });

    // The datastore settings, with calicoctl in etcd's node, while the Calico nodes start.
    const datastore = etcdDatastoreEnv(endpoints);
    const inEtcd = dockerShell(etcdName);
    const client = fetched.then((all) =>
      bash(
        toolInstallScript(
          inEtcd,
          all.filter((t) => t.name === "calicoctl"),
        ),
      ),
    );
    const bgp = renderBgpConfiguration({ meshEnabled: mode === "mesh", asNumber: DEFAULTS.bgp.asNumber });
    const bgpApplied = client.then(() =>
      bash(inEtcd.run(calicoctlApplyScript(datastore, mode === "mesh" ? bgp : `${bgp}---\n${renderRouteReflectorPeer()}`))),
    );
    const poolsApplied = client.then(() =>
      bash(
        inEtcd.run(
          calicoctlApplyScript(datastore, `${renderIpPools(DEFAULTS.ipPools)}---\n${renderNetworkProfile(DEFAULTS.cni.networkName)}`),
        ),
      ),
    );
    const reflectorsMarked =
      input.routeReflectors.length > 0
        ? Promise.all([bgpApplied, ...input.routeReflectors.map((r) => ready[names.indexOf(r)])]).then(() =>
            bash(inEtcd.run(routeReflectorScript(datastore, input.routeReflectors, DEFAULTS.bgp.routeReflectorClusterId))),
          )
        : Promise.resolve("");

    // Each node's chain: tools verified (copied when missing), conf, then its workloads once the pools exist.
    const conflist = renderCniConflist({ ...DEFAULTS.cni, mtu: workloadMtu(DEFAULTS.cni.mtu, DEFAULTS.ipPools) }, endpoints);
    const chains = names.map(async (nodeName, i) => {
      const node = dockerShell(containers[i + 1]!);
      await ready[i];
      await bash(toolInstallScript(node, await fetched));
      await bash(node.run(writeFileScript(CNI_CONF_FILE, conflist)));
      await poolsApplied;
      for (let w = 1; w <= DEFAULTS.workloads.perNode; w++) {
        await bash(node.run(workloadAddScript({ node: nodeName, namespace: `${nodeName}-wl${w}`, network: DEFAULTS.cni.networkName })));
      }
    });
    await Promise.all([forwarding, bgpApplied, reflectorsMarked, ...chains]);

    const checks = names.map((n, i) => ({
      shell: dockerShell(containers[i + 1]!),
      check: sessionsEstablishedScript(sessionCountOf(expected, n)),
    }));
    // Tried again until the deadline, as the lab's own wait is, should the last check catch a session flapping.
    await waitFor(["bash", "-c", everyNodeHolds(checks, 300)], 300);
    return (Date.now() - started) / 1000;
  };

  const down = async () => {
    const started = Date.now();
    await run(["docker", "rm", "--force", "--volumes", ...containers]);
    if (networkId) await bash(removeIntraBridgeScript(networkId, network));
    await run(["docker", "network", "rm", network]);
    return (Date.now() - started) / 1000;
  };

  return { up, down, containers };
}
