import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { parseCidr, planUnderlay } from "../core/addressing";
import { DEFAULTS } from "../core/config/defaults";
import { dockerNetworkCreateArgv, dockerRunArgv } from "../core/docker-argv";
import { calicoctlApplyScript, CNI_CONF_FILE, sessionsEstablishedCheck, workloadAddScript, writeFileScript } from "../core/lab-scripts";
import {
  CALICO_NODE_READINESS,
  calicoNodeContainerSpec,
  ETCD_READINESS,
  etcdContainerSpec,
  etcdEndpoint,
  labLabels,
} from "../core/node-spec";
import { renderBgpConfiguration, renderCniConflist, renderIpPools, renderRouteReflectorPeer } from "../core/render";
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
    await run(
      dockerRunArgv(
        etcdContainerSpec({ name: etcdName, image: DEFAULTS.artifacts.offline.etcd, network, address: plan.etcd, labels: labels("etcd") }),
      ),
    );
    await waitFor(["docker", "exec", etcdName, ...ETCD_READINESS], 60);
    for (const [i, nodeName] of names.entries()) {
      await run(
        dockerRunArgv(
          calicoNodeContainerSpec({
            containerName: containers[i + 1]!,
            nodeName,
            image: DEFAULTS.artifacts.offline.node,
            network,
            address: plan.nodes[i]!,
            asNumber: 64512,
            etcdEndpoints: endpoints,
            logLevel: "info",
            labels: labels("calico-node"),
          }),
        ),
      );
    }
    for (const c of containers.slice(1)) await waitFor(["docker", "exec", c, ...CALICO_NODE_READINESS], 180);
    const first = containers[1]!;
    const bgp = renderBgpConfiguration({ meshEnabled: mode === "mesh", asNumber: 64512 });
    await bash(calicoctlApplyScript(first, endpoints, mode === "mesh" ? bgp : `${bgp}---\n${renderRouteReflectorPeer()}`));
    for (const rr of input.routeReflectors) {
      await bash(
        `docker exec -e DATASTORE_TYPE=etcdv3 -e ETCD_ENDPOINTS=${endpoints} ${first} calicoctl patch node ${rr} --patch '{"spec":{"bgp":{"routeReflectorClusterID":"244.0.0.1"}}}'`,
      );
      await bash(
        `docker exec -e DATASTORE_TYPE=etcdv3 -e ETCD_ENDPOINTS=${endpoints} ${first} calicoctl label nodes ${rr} route-reflector=true --overwrite`,
      );
    }
    await bash(calicoctlApplyScript(first, endpoints, renderIpPools(DEFAULTS.ipPools)));
    const conflist = renderCniConflist(DEFAULTS.cni, endpoints);
    for (const [i, nodeName] of names.entries()) {
      await bash(writeFileScript(containers[i + 1]!, CNI_CONF_FILE, conflist));
      await bash(
        workloadAddScript({
          node: nodeName,
          container: containers[i + 1]!,
          namespace: "wl1",
          containerId: `${input.name}-${nodeName}-wl1`,
          network: DEFAULTS.cni.networkName,
        }),
      );
    }
    const perNode = names.map((n, i) => ({
      container: containers[i + 1]!,
      sessions: expected.sessions.filter((s) => s.a === n || s.b === n).length,
    }));
    await waitFor(sessionsEstablishedCheck(perNode), 300);
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
