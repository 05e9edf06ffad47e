import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import versions from "../../versions.json";
import { allowIntraBridgeScript, removeIntraBridgeScript } from "../../core/bridge-forwarding";
import { dockerNetworkCreateArgv, dockerRunArgv, type ContainerSpec } from "../../core/docker-argv";
import { etcdContainerSpec, etcdEndpoint } from "../../core/node-spec";
import { parseCnitoolAdd } from "../../core/parsers/cnitool-result";
import * as kdd from "../../core/scenarios/kdd";

/**
 * The kdd recipe (core/scenarios/kdd) live on Docker, without Pulumi: the plain docker CLI is the transport
 * (`docker exec NODE sh -c SCRIPT`). On an internal network of its own: etcd, a bare kube-apiserver, two
 * calico-node containers in the Kubernetes datastore mode, the mesh Established, one pod workload per node
 * wired by cnitool, and a ping across nodes. Everything it creates carries the label calico-lab.e2e.run=<run>
 * and is removed in afterAll, with the firewall rule for the lab's bridge. Traffic goes only to containers
 * and namespaces it created.
 *   npx vitest run --project e2e test/e2e/kdd-docker.test.ts     (needs npm run offline:build)
 * Settings: KDD_E2E_SUBNET (default 172.31.250.0/24).
 */

const SUBNET = process.env.KDD_E2E_SUBNET ?? "172.31.250.0/24";
const prefix = SUBNET.split("/")[0]!.split(".").slice(0, 3).join(".");
const run = `kdd-e2e-${Date.now().toString(36)}`;
const labels = { "calico-lab.e2e": "kdd", "calico-lab.e2e.run": run };
const network = `calicolab-${run}`;
const etcdAddress = `${prefix}.4`;
const apiserverAddress = `${prefix}.3`;
const etcd = etcdEndpoint(etcdAddress);
const nodes = [
  { name: "calico1", container: `${run}-calico1`, address: `${prefix}.5` },
  { name: "calico2", container: `${run}-calico2`, address: `${prefix}.6` },
];
const apiserver = `${run}-apiserver`;
const pool = {
  name: "kdd-pool",
  cidr: "10.231.0.0/16",
  blockSize: 26,
  ipipMode: "Never",
  vxlanMode: "Never",
  natOutgoing: false,
  disabled: false,
} as const;
const cni = { cniVersion: "0.3.1", networkName: "test-calico", mtu: 1500, logLevel: "info" };
const workloads = nodes.map((n) => ({
  node: n,
  workload: { pod: { name: `${n.name}-wl1`, nodeName: n.name }, netns: `${n.name}-wl1`, network: cni.networkName },
}));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(argv: readonly string[]): Ran {
  const [command, ...args] = argv;
  const r = spawnSync(command ?? "false", args, { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function must(argv: readonly string[]): string {
  const r = exec(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The transport: a node-side script run inside a container. */
function inNode(container: string, script: string): Ran {
  return exec(["docker", "exec", container, "sh", "-c", script]);
}

function inNodeMust(container: string, script: string): string {
  const r = inNode(container, script);
  if (r.code !== 0) throw new Error(`in ${container}: exited ${r.code}: ${r.stderr}${r.stdout}\nscript:\n${script}`);
  return r.stdout;
}

async function waitFor(what: string, probe: () => boolean, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return (Date.now() - started) / 1000;
}

function ipv4ToNumber(address: string): number {
  return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function overlaps(a: string, b: string): boolean {
  const range = (cidr: string): [number, number] => {
    const [address = "", bits = "32"] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(ipv4ToNumber(address) / size) * size;
    return [start, start + size - 1];
  };
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}

function dockerRun(spec: ContainerSpec): void {
  must(dockerRunArgv(spec));
}

const images = {
  etcd: versions.offlineImages.etcd,
  node: versions.offlineImages.node,
  apiserver: versions.offlineImages.kubeApiserver,
};
const missing = Object.values(images).filter((image) => exec(["docker", "image", "inspect", image]).code !== 0);

let networkId = "";
let kubeconfig = "";
const timings: Record<string, number> = {};
const addresses = new Map<string, string>();

describe.skipIf(missing.length > 0)(
  `kdd on Docker: bare kube-apiserver, two Calico nodes${missing.length > 0 ? ` (skipped: no image ${missing.join(", ")}; run npm run offline:build)` : ""}`,
  () => {
    beforeAll(() => {
      const used = must(["docker", "network", "ls", "-q"])
        .split("\n")
        .filter(Boolean)
        .flatMap((id) => must(["docker", "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", id]).trim().split(" "))
        .filter((cidr) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr));
      const clash = used.filter((cidr) => overlaps(cidr, SUBNET));
      if (clash.length > 0) throw new Error(`KDD_E2E_SUBNET ${SUBNET} overlaps Docker networks' ${clash.join(", ")}: set another`);
      if (overlaps(SUBNET, "192.168.4.0/24")) throw new Error(`KDD_E2E_SUBNET ${SUBNET} overlaps the lab default 192.168.4.0/24`);
      must(dockerNetworkCreateArgv({ name: network, subnet: SUBNET, gateway: `${prefix}.1`, internal: true, labels }));
      networkId = must(["docker", "network", "inspect", "-f", "{{.Id}}", network]).trim();
      must(["bash", "-c", allowIntraBridgeScript(networkId, network)]);
    });

    afterAll(() => {
      const containers = must(["docker", "ps", "-aq", "--filter", `label=calico-lab.e2e.run=${run}`])
        .split("\n")
        .filter(Boolean);
      if (containers.length > 0) exec(["docker", "rm", "-f", ...containers]);
      if (networkId !== "") exec(["bash", "-c", removeIntraBridgeScript(networkId, network)]);
      exec(["docker", "network", "rm", network]);
      const left = [
        ...must(["docker", "ps", "-aq", "--filter", `label=calico-lab.e2e.run=${run}`]).split("\n"),
        ...must(["docker", "network", "ls", "-q", "--filter", `label=calico-lab.e2e.run=${run}`]).split("\n"),
        ...must(["iptables", "-S", "DOCKER-USER"])
          .split("\n")
          .filter((rule) => rule.includes(`calico-lab:${network}`)),
      ].filter(Boolean);
      console.log(`kdd e2e ${run}: timings ${JSON.stringify(timings)}; left behind: ${JSON.stringify(left)}`);
      expect(left, "nothing of the run is left").toEqual([]);
    });

    it("kube-apiserver over etcd makes its certificates and serves the admin client", async () => {
      dockerRun(etcdContainerSpec({ name: `${run}-etcd`, image: images.etcd, network, address: etcdAddress, labels }));
      await waitFor(
        "etcd",
        () => exec(["docker", "exec", `${run}-etcd`, "etcdctl", `--endpoints=${etcd}`, "endpoint", "health"]).code === 0,
      );
      const spec = kdd.kubeApiserverContainerSpec({
        name: apiserver,
        image: images.apiserver,
        network,
        labels,
        address: apiserverAddress,
        etcdEndpoints: etcd,
      });
      expect(dockerRunArgv(spec)).not.toContain("--privileged");
      dockerRun(spec);
      timings.apiserverReady = await waitFor(
        "kube-apiserver /readyz",
        () => inNode(apiserver, kdd.apiserverReadyScript()).code === 0,
        90_000,
      );
      kubeconfig = inNodeMust(apiserver, kdd.readKubeconfigScript());
      expect(kubeconfig).toContain(`server: https://${apiserverAddress}:6443`);
      const version = JSON.parse(inNodeMust(apiserver, "kubectl version -o json")) as { serverVersion: { gitVersion: string } };
      expect(version.serverVersion.gitVersion).toBe(versions.kubernetes.version);
      // The serving certificate names the lab address (kubectl verified it against the lab's CA just now).
      expect(inNodeMust(apiserver, `openssl x509 -in ${kdd.KDD_PKI_DIR}/apiserver.crt -noout -ext subjectAltName`)).toContain(
        `IP Address:${apiserverAddress}`,
      );
    });

    it("Calico's CRDs, the IPPool and the BGP configuration apply as CRDs", () => {
      inNodeMust(apiserver, kdd.applyCrdsScript());
      const crds = inNodeMust(apiserver, "kubectl get crd -o name")
        .split("\n")
        .filter((n) => n.endsWith(".crd.projectcalico.org"));
      expect(crds.length).toBe(Number(inNodeMust(apiserver, `ls ${kdd.KDD_CRD_DIR} | wc -l`).trim()));
      inNodeMust(
        apiserver,
        kdd.kubectlApplyScript(
          `${kdd.renderKddIpPools([pool])}---\n${kdd.renderKddBgpConfiguration({ meshEnabled: true, asNumber: 64512 })}`,
        ),
      );
      expect(inNodeMust(apiserver, "kubectl get ippools.crd.projectcalico.org -o jsonpath='{.items[*].spec.cidr}'")).toBe(pool.cidr);
    });

    it("Node objects, calico-node in kdd mode: startup, Felix ready, BGP mesh Established", async () => {
      inNodeMust(apiserver, kdd.createNodesScript(nodes.map((n) => ({ name: n.name }))));
      for (const n of nodes) {
        const spec = kdd.calicoNodeKddContainerSpec({
          containerName: n.container,
          nodeName: n.name,
          image: images.node,
          network,
          address: n.address,
          asNumber: 64512,
          logLevel: "info",
          labels,
        });
        expect(dockerRunArgv(spec)).not.toContain("--privileged");
        dockerRun(spec);
        inNodeMust(n.container, kdd.writeNodeKubeconfigScript(kubeconfig));
        inNodeMust(n.container, kdd.writeConflistScript(kdd.renderKddCniConflist(cni)));
      }
      const started = Date.now();
      for (const n of nodes) {
        await waitFor(`${n.name}: calico-node startup`, () =>
          must(["docker", "logs", n.container]).includes("Calico node started successfully"),
        );
      }
      for (const n of nodes) await waitFor(`${n.name}: BGP Established`, () => inNode(n.container, kdd.bgpEstablishedScript(1)).code === 0);
      timings.meshEstablished = (Date.now() - started) / 1000;
      for (const n of nodes) await waitFor(`${n.name}: felix ready`, () => inNode(n.container, "calico-node -felix-ready").code === 0);
      const protocols = inNodeMust(nodes[0]!.container, "birdcl -s /var/run/calico/bird.ctl show protocols");
      expect(protocols).toMatch(new RegExp(`Mesh_${nodes[1]!.address.replace(/\./g, "_")}\\s+BGP\\s+master\\s+up\\s+\\S+\\s+Established`));
      const status = inNodeMust(
        nodes[0]!.container,
        `DATASTORE_TYPE=kubernetes KUBECONFIG=${kdd.KDD_NODE_KUBECONFIG} calicoctl node status`,
      );
      expect(status).toMatch(
        new RegExp(`\\| ${nodes[1]!.address.replace(/\./g, "\\.")} +\\| node-to-node mesh \\| up +\\| [^|]+\\| Established`),
      );
      // calico-node wrote its BGP address on its Node object itself.
      const annotation = inNodeMust(
        apiserver,
        `kubectl get node calico1 -o 'jsonpath={.metadata.annotations.projectcalico\\.org/IPv4Address}'`,
      );
      expect(annotation).toBe(`${nodes[0]!.address}/24`);
    });

    it("pods wired by cnitool without a kubelet get addresses from the pool, and their annotations say so", () => {
      for (const { node, workload } of workloads) {
        inNodeMust(apiserver, kdd.createPodScript(workload.pod));
        const result = parseCnitoolAdd(inNodeMust(node.container, kdd.kddWorkloadAddScript(workload)));
        const address = result.addresses[0]!;
        expect(address).toMatch(/^10\.231\.\d+\.\d+\/32$/);
        expect(inNodeMust(apiserver, kdd.podIpScript(workload.pod))).toBe(address);
        addresses.set(node.name, address.split("/")[0]!);
      }
    });

    it("BIRD routes the other node's block; workloads ping each other across nodes", async () => {
      const [a, b] = workloads;
      // The /26 block of the pool that holds calico2's workload, learned by BIRD via calico2's underlay address
      // (`ip route show proto bird` leaves the proto out of its lines).
      const target = addresses.get("calico2")!;
      const viaB = new RegExp(`^(10\\.231\\.\\d+\\.\\d+/26) via ${b!.node.address.replace(/\./g, "\\.")} dev eth0\\s*$`, "gm");
      const learned = () =>
        [...inNodeMust(a!.node.container, "ip -4 route show proto bird").matchAll(viaB)].some((m) => overlaps(m[1]!, `${target}/32`));
      await waitFor("calico1 routes calico2's block", learned, 60_000).catch((e: Error) => {
        throw new Error(`${e.message}; calico1's BIRD routes:\n${inNodeMust(a!.node.container, "ip -4 route show proto bird")}`);
      });
      const ping = (from: (typeof workloads)[number], to: string) =>
        inNode(from.node.container, `ip netns exec ${from.workload.netns} ping -c 3 -W 2 ${to}`);
      const ab = ping(a!, addresses.get("calico2")!);
      const ba = ping(b!, addresses.get("calico1")!);
      expect(ab.stdout).toMatch(/3 received/);
      expect(ba.stdout).toMatch(/3 received/);
    });

    it("a workload without a Pod object is refused by the plugin", () => {
      const node = nodes[0]!;
      const noArgs = inNode(
        node.container,
        `ip netns add nopod && CNI_PATH=/opt/cni/bin NETCONFPATH=/etc/cni/net.d cnitool add ${cni.networkName} /var/run/netns/nopod`,
      );
      const noPod = inNode(
        node.container,
        kdd.kddWorkloadAddScript({ pod: { name: "no-such-pod", nodeName: node.name }, netns: "nopod2", network: cni.networkName }),
      );
      console.log(`without CNI_ARGS: exit ${noArgs.code}: ${noArgs.stderr.trim()} ${noArgs.stdout.trim()}`);
      console.log(`with CNI_ARGS naming a missing pod: exit ${noPod.code}: ${noPod.stderr.trim()} ${noPod.stdout.trim()}`);
      expect(noArgs.code).not.toBe(0);
      expect(`${noArgs.stderr}${noArgs.stdout}`).toContain("malformed WorkloadEndpoint name - unable to determine Pod name");
      expect(noPod.code).not.toBe(0);
      expect(`${noPod.stderr}${noPod.stdout}`).toContain('pods "no-such-pod" not found');
      inNode(node.container, "ip netns del nopod; ip netns del nopod2; true");
    });

    it("teardown of workloads: cnitool del releases the address, a pod delete is immediate without a kubelet", () => {
      for (const { node, workload } of workloads) {
        inNodeMust(node.container, kdd.kddWorkloadDelScript(workload));
        inNodeMust(apiserver, kdd.deletePodScript(workload.pod));
        const gone = inNode(apiserver, `kubectl get pod -n default ${workload.pod.name}`);
        expect(gone.stderr).toContain("NotFound");
        expect(inNode(node.container, `ip netns list | grep -w ${workload.netns}`).code).not.toBe(0);
      }
      const handles = inNodeMust(apiserver, "kubectl get ipamhandles.crd.projectcalico.org -o name").trim();
      expect(handles).toBe("");
    });
  },
);
