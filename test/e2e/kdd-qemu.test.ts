import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contains, parseCidr, planUnderlay } from "../../core/addressing";
import { labNameFor } from "../../core/config/keys";
import { peerFromProtocolName, parseBirdProtocols } from "../../core/parsers/birdc-protocols";
import { parseIpRoutes } from "../../core/parsers/ip-route";
import { KDD_ADMIN_KUBECONFIG, KDD_NODE_KUBECONFIG } from "../../core/scenarios/kdd";
import { vmForward } from "../../core/substrates/qemu/scripts";
import { expectNodeStatusesMatch, kddOutputsOf, sessionsOf, type KddOutputs } from "./kdd-expectations";
import { labStatus, POOL, workloadPingArgv, type LabOutputs } from "./lab-expectations";
import { cacheDir, sh, stepTimeline } from "./live";
import { qemuSettings, qemuLab, requireQemu, tearDownQemuLab, vmUnderlay } from "./qemu-lab";
import { labSuite } from "./suite";

// The kdd scenario on the qemu substrate: etcd, kube-apiserver and two Calico nodes, each in a VM of its own;
// the Kubernetes provider on this machine reaches the apiserver through the lab's forwarder on 127.0.0.1.
requireQemu();

const stackName = `e2e-kddvm-${Date.now().toString(36)}`;
const underlay = vmUnderlay();
// the apiserver is host .3, etcd .4, the Calico nodes .5 and .6
const { vmLab, inNode, inNodeVmAsync, readNode, leftovers } = qemuLab(stackName, underlay, [3, 4, 5, 6]);
const apiserver = { name: "apiserver", container: `${labNameFor(stackName)}-apiserver` };
const forward = vmForward(vmLab, "apiserver", 6443);
const kubectl = (...args: string[]) =>
  inNodeVmAsync(apiserver, "docker", "exec", apiserver.container, "kubectl", `--kubeconfig=${KDD_ADMIN_KUBECONFIG}`, ...args);

/** The lab's forwarder processes (lab-vm.sh names each calicolab-<lab>-<name>). */
const forwarders = () =>
  sh(["sh", "-c", `ps -eo pid=,args= | grep -F -- 'forward.mjs serve --name calicolab-${vmLab}-' | grep -v grep || true`]).trim();

/** Whether something accepts a connection on this machine's 127.0.0.1:port. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

describe.sequential("kdd lab on qemu VMs: etcd, kube-apiserver and two Calico VMs, the provider through the lab's forwarder", () => {
  const times: Record<string, number> = {};
  const lab = labSuite(stackName, () => qemuSettings(underlay, "kdd"), {
    teardown: (opened, name, backend) =>
      tearDownQemuLab({
        stack: opened,
        stackName: name,
        backend,
        vmLab,
        leftovers,
        times,
        alsoGone: async () => {
          expect(forwarders(), "no forwarder process").toBe("");
          expect(await listening(forward.localPort), `nothing listens on 127.0.0.1:${forward.localPort}`).toBe(false);
        },
      }),
  });
  let outputs: KddOutputs & LabOutputs;

  it("up: the mesh Established (BIRD, calicoctl on the Kubernetes datastore), BIRD routes via the peer VM, pods with pool addresses", async () => {
    const started = Date.now();
    const timeline = stepTimeline();
    const result = await lab.stack.up({ onOutput: () => undefined, onEvent: timeline.onEvent });
    times.up = (Date.now() - started) / 1000;
    console.log(`up, step by step (seconds from its start):\n${timeline.report()}`);
    outputs = kddOutputsOf(result) as KddOutputs & LabOutputs;
    expect(outputs.nodes.map((n) => n.name)).toEqual(["calico1", "calico2"]);
    expect(outputs.bgpTopology.matches, outputs.bgpTopology.problems.join("; ")).toBe(true);
    // the forwarder runs, in the lab's namespace, listening on this machine's 127.0.0.1
    expect(forwarders()).toContain(`calicolab-${vmLab}-${forward.name}`);
    expect(await listening(forward.localPort)).toBe(true);
    // the stack's kubeconfig keeps the apiserver's lab address: the forwarder is this machine's alone
    expect(outputs.kubeconfig).toContain(`server: https://${planUnderlay(parseCidr(underlay)!, 2).apiserver}:6443`);

    const pool = parseCidr(POOL)!;
    const [a, b] = outputs.nodes;
    for (const [node, peer] of [
      [a!, b!],
      [b!, a!],
    ] as const) {
      const seen = readNode(node, {
        protocols: ["node", "birdcl -s /var/run/calico/bird.ctl show protocols"],
        routes: ["node", "ip -4 route show proto bird"],
        calicoctl: ["node", `env DATASTORE_TYPE=kubernetes KUBECONFIG=${KDD_NODE_KUBECONFIG} calicoctl node status`],
        workload: ["node", `ip netns exec ${node.workloads[0]?.namespace ?? "none"} ip -4 -o addr show dev eth0`],
      });
      const sessions = parseBirdProtocols(seen.protocols!).filter((p) => p.protocol === "BGP");
      expect(sessions.map((p) => peerFromProtocolName(p.name)?.address)).toEqual([peer.underlayIp]);
      expect(sessions[0]?.info, `${node.name} sees ${peer.name}`).toMatch(/^Established/);
      expect(seen.calicoctl!.match(/Established/g)?.length, seen.calicoctl).toBe(sessionsOf(outputs, node.name));
      // the workload: an address of the pool, in a block the node owns, on eth0 of its namespace
      expect(node.workloads).toHaveLength(1);
      const ip = node.workloads[0]!.ip.split("/")[0]!;
      expect(contains(pool, ip), `${ip} in ${POOL}`).toBe(true);
      expect(node.blocks.some((block) => contains(parseCidr(block)!, ip))).toBe(true);
      expect(seen.workload).toContain(`inet ${ip}/`);
      // BIRD routes the peer's block via the peer VM's address, as the outputs say
      const peerIp = peer.workloads[0]!.ip.split("/")[0]!;
      const route = parseIpRoutes(seen.routes!).find((r) => r.via && contains(parseCidr(r.prefix)!, peerIp));
      expect(route?.via, `${node.name} has a BIRD route to ${peer.name}'s block`).toBe(peer.underlayIp);
      expect(outputs.bgpTopology.observed.routes[node.name]).toEqual(
        expect.arrayContaining([{ prefix: route?.prefix, via: peer.underlayIp, viaNode: peer.name, protocol: "bird" }]),
      );
    }
    times.checks = (Date.now() - started) / 1000 - times.up;
  });

  it("the apiserver holds the Nodes, the pool and each Pod, annotated by the CNI plugin with its workload's address", async () => {
    const started = Date.now();
    const [nodes, pools, pods] = [
      await kubectl("get", "nodes", "-o", "name"),
      await kubectl("get", "ippools.crd.projectcalico.org", "-o", "jsonpath={.items[*].spec.cidr}"),
      await kubectl("get", "pods", "-o", "json"),
    ];
    expect(nodes.trim().split("\n").sort()).toEqual(["node/calico1", "node/calico2"]);
    expect(pools).toBe(POOL);
    const items = (
      JSON.parse(pods) as { items: Array<{ metadata: { name: string; annotations?: Record<string, string> }; spec: { nodeName: string } }> }
    ).items;
    for (const node of outputs.nodes) {
      const workload = node.workloads[0]!;
      const pod = items.find((item) => item.metadata.name === workload.name);
      expect(pod?.spec.nodeName, workload.name).toBe(node.name);
      expect(pod?.metadata.annotations?.["cni.projectcalico.org/podIP"], workload.name).toBe(workload.ip);
    }
    await expectNodeStatusesMatch(outputs, kubectl);
    times.kubernetes = (Date.now() - started) / 1000;
  });

  it("a pod in one VM reaches a pod in the other; lab:status on the outputs matches the live lab", async () => {
    const started = Date.now();
    const [a, b] = outputs.nodes;
    expect(inNode(a!, ...workloadPingArgv(a!, b!, 3))).toMatch(/3 received/);
    expect(inNode(b!, ...workloadPingArgv(b!, a!, 3))).toMatch(/3 received/);
    const seen = await labStatus(outputs);
    expect(seen.code, seen.text).toBe(0);
    expect(seen.status.nodes.map((node) => [node.name, node.up, node.blocks])).toEqual(
      outputs.nodes.map((node) => [node.name, true, node.blocks]),
    );
    times.pingAndStatus = (Date.now() - started) / 1000;
  });

  it("a forwarder killed by hand: refresh starts it again on the same port, and a refresh through it changes nothing", async () => {
    const started = Date.now();
    const pidfile = join(cacheDir, "vm", "labs", vmLab, "forwards", `${forward.name}.pid`);
    const pid = readFileSync(pidfile, "utf8").trim();
    sh(["kill", pid]);
    for (let i = 0; i < 50 && (await listening(forward.localPort)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await listening(forward.localPort), "the forwarder is gone").toBe(false);
    // The Kubernetes provider is configured before any refresh step and finds its cluster unreachable: this
    // refresh's reads of its objects fail, but the forwarder step's read starts the forwarder again.
    const first = await lab.stack.refresh({ onOutput: () => undefined }).then(
      () => "",
      (error: unknown) => String(error),
    );
    console.log(
      `refresh with the forwarder gone: ${first ? `failed: ${first.split("\n").find((line) => line.includes("unreachable")) ?? first.slice(0, 300)}` : "passed"}`,
    );
    if (first) expect(first).toContain("unreachable cluster");
    expect(readFileSync(pidfile, "utf8").trim(), "a new forwarder").not.toBe(pid);
    expect(await listening(forward.localPort)).toBe(true);
    // every object read back through it, nothing gone (a Pod's outputs may gain what the CNI plugin annotated since)
    const again = await lab.stack.refresh({ onOutput: () => undefined });
    expect(Object.entries(again.summary.resourceChanges ?? {}).filter(([op, n]) => op !== "same" && op !== "update" && n > 0)).toEqual([]);
    times.forwarderHealed = (Date.now() - started) / 1000;
  });

  it("a second up changes nothing; the state holds no private key in plain text", async () => {
    const started = Date.now();
    const changes = (await lab.stack.up({ onOutput: () => undefined })).summary.resourceChanges ?? {};
    times.secondUp = (Date.now() - started) / 1000;
    expect(Object.entries(changes).filter(([op, n]) => op !== "same" && n > 0)).toEqual([]);
    const state = readFileSync(join(lab.backend, ".pulumi", "stacks", "calico-lab", `${stackName}.json`), "utf8");
    expect(state).not.toMatch(/client-key-data: [A-Za-z0-9+/=]{20}/);
  });
});
