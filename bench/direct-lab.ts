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
import { dockerNetworkCreateArgv, dockerRunArgv } from "../core/substrates/docker/argv";
import { containerSpecFor } from "../core/substrates/docker/container-spec";
import { dockerShell } from "../core/transports/docker";
import { expectedTopology } from "../core/topology";

/**
 * The same lab as the bird stack, brought up by the shortest direct script: docker and calicoctl commands
 * in sequence, no Pulumi. The offline node image already holds the tools, so there is no tool step.
 */
export interface DirectLab {
  readonly up: () => Promise<number>;
  readonly down: () => Promise<number>;
  readonly containers: string[];
}

// Asynchronous, so that the benchmark's watcher samples memory and sessions while the script runs.
const execFileAsync = promisify(execFile);
const run = async (argv: string[]) => (await execFileAsync(argv[0]!, argv.slice(1), { encoding: "utf8" })).stdout;
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

export function directLab(input: { name: string; underlay: string; nodes: number; routeReflectors: string[] }): DirectLab {
  const plan = planUnderlay(parseCidr(input.underlay)!, input.nodes);
  const names = Array.from({ length: input.nodes }, (_, i) => `calico${i + 1}`);
  const network = `${input.name}-net`;
  const labels = (role: string) => labLabels(input.name, input.name, role);
  const etcdName = `${input.name}-etcd`;
  const endpoints = etcdEndpoint(plan.etcd);
  const containers = [etcdName, ...names.map((n) => `${input.name}-${n}`)];
  const mode = input.routeReflectors.length > 0 ? "routeReflectors" : "mesh";
  const expected = expectedTopology({
    asNumber: 64512,
    mode,
    routeReflectors: input.routeReflectors,
    nodes: names.map((n, i) => ({ name: n, address: plan.nodes[i]! })),
  });

  const up = async () => {
    const started = Date.now();
    await run(
      dockerNetworkCreateArgv({ name: network, subnet: plan.subnet, gateway: plan.gateway, internal: true, labels: labels("network") }),
    );
    const etcd = etcdRuntime({ name: etcdName, image: DEFAULTS.artifacts.offline.etcd, address: plan.etcd });
    await run(dockerRunArgv(containerSpecFor(etcd, { containerName: etcdName, network, labels: labels("etcd") })));
    await waitFor(["docker", "exec", etcdName, ...etcd.readiness.command], 60);
    const runtimes = names.map((nodeName, i) =>
      birdNodeRuntime({
        nodeName,
        image: DEFAULTS.artifacts.offline.node,
        address: plan.nodes[i]!,
        asNumber: 64512,
        etcdEndpoints: endpoints,
        logLevel: "info",
      }),
    );
    for (const [i, runtime] of runtimes.entries()) {
      await run(dockerRunArgv(containerSpecFor(runtime, { containerName: containers[i + 1]!, network, labels: labels("calico-node") })));
    }
    for (const [i, c] of containers.slice(1).entries()) await waitFor(["docker", "exec", c, ...runtimes[i]!.readiness.command], 180);
    const first = dockerShell(containers[1]!);
    const datastore = etcdDatastoreEnv(endpoints);
    const bgp = renderBgpConfiguration({ meshEnabled: mode === "mesh", asNumber: 64512 });
    await bash(first.run(calicoctlApplyScript(datastore, mode === "mesh" ? bgp : `${bgp}---\n${renderRouteReflectorPeer()}`)));
    if (input.routeReflectors.length > 0) await bash(first.run(routeReflectorScript(datastore, input.routeReflectors, "244.0.0.1")));
    await bash(
      first.run(
        calicoctlApplyScript(datastore, `${renderIpPools(DEFAULTS.ipPools)}---\n${renderNetworkProfile(DEFAULTS.cni.networkName)}`),
      ),
    );
    const conflist = renderCniConflist({ ...DEFAULTS.cni, mtu: workloadMtu(DEFAULTS.cni.mtu, DEFAULTS.ipPools) }, endpoints);
    for (const [i, nodeName] of names.entries()) {
      const node = dockerShell(containers[i + 1]!);
      await bash(node.run(writeFileScript(CNI_CONF_FILE, conflist)));
      await bash(node.run(workloadAddScript({ node: nodeName, namespace: `${nodeName}-wl1`, network: DEFAULTS.cni.networkName })));
    }
    const checks = names.map((n, i) =>
      dockerShell(containers[i + 1]!).run(sessionsEstablishedScript(expected.sessions.filter((s) => s.a === n || s.b === n).length)),
    );
    await waitFor(["bash", "-c", ["set -e", ...checks].join("\n")], 300);
    return (Date.now() - started) / 1000;
  };

  const down = async () => {
    const started = Date.now();
    await run(["docker", "rm", "--force", "--volumes", ...containers]);
    await run(["docker", "network", "rm", network]);
    return (Date.now() - started) / 1000;
  };

  return { up, down, containers };
}
