import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { addressAt, parseCidr } from "../../core/addressing";
import { vmNamespace } from "../../core/substrates/qemu/scripts";
import { destroyAndForget, outputsOf, POOL, workloadPingArgv, type LabOutputs } from "./lab-expectations";
import { cacheDir, labDown, sh } from "./live";
import { labVm, requireQemu, vmUnderlay } from "./qemu-lab";
import { labSuite } from "./suite";

// The bird scenario on the ssh substrate, against two of the lab's own VMs standing in for hosts the user has
// (issue 30, finding 11): each host's firewall chains, devices, routes and sysctls are read before up, and
// must be the same again after destroy. The VMs are made here with lab-vm.sh, outside the stack (the user's
// hosts outlive the lab), and Pulumi runs inside their namespace so that its ssh clients reach them.
requireQemu();

const execFileAsync = promisify(execFile);
const run = Date.now().toString(36);
const stackName = `e2e-sshh-${run}`;
/** lab-vm.sh's lab of the VMs: a name of 1-21 characters, the namespace calicolab-<it>. */
const hostsLab = `sshh-${run}`.slice(0, 21);
const netns = vmNamespace(hostsLab);
const underlay = vmUnderlay();
const plan = parseCidr(underlay)!;
const HOSTS = [
  { name: "calico1", address: addressAt(plan, 5) },
  { name: "calico2", address: addressAt(plan, 6) },
] as const;

const inHost = async (host: string, script: string): Promise<string> => {
  const child = execFileAsync("bash", [labVm, "ssh", hostsLab, host, "sh", "-s"], { encoding: "utf8", maxBuffer: 16 << 20 });
  child.child.stdin?.end(script);
  return (await child).stdout;
};

/**
 * What a Calico node changes on its host, read from the host: every iptables rule and chain (legacy and nft,
 * counters left out), ipsets, the links and tunl0's addresses and state, the routes, the sysctls Calico and
 * the lab write (globally and per device).
 */
const PICTURE = [
  "for t in iptables-legacy-save iptables-nft-save ip6tables-legacy-save ip6tables-nft-save; do",
  '  command -v "$t" >/dev/null 2>&1 || continue',
  "  echo \"== $t\"; \"$t\" 2>/dev/null | grep -v '^#' | sed 's/ \\[[0-9]*:[0-9]*\\]$//'",
  "done",
  "echo '== ipsets'; ipset list -n 2>/dev/null",
  "echo '== links'; ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//'",
  // Not `ip link show dev tunl0` alone: as root, it loads the ipip module (and so makes tunl0).
  "echo '== tunl0'; if [ -e /sys/class/net/tunl0 ]; then ip -o addr show dev tunl0; ip -o link show dev tunl0 | grep -o '<[^>]*>\\|mtu [0-9]*'; fi",
  "echo '== routes'; ip -4 route; ip -6 route",
  "echo '== sysctls'; sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding",
  "sysctl -a 2>/dev/null | grep -E '^net\\.ipv4\\.conf\\.[^.]+\\.(forwarding|rp_filter|proxy_arp|route_localnet) '",
].join("\n");

async function pictures(): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h.name, await inHost(h.name, PICTURE)] as const)));
}

describe.sequential("bird lab on ssh hosts (two of the lab's VMs): destroy gives the hosts back as they were", () => {
  // The hosts' namespace first: Pulumi runs inside it from the stack's opening on (the suite's teardown removes it).
  beforeAll(() => void sh(["bash", labVm, "net-up", hostsLab, underlay]));
  const lab = labSuite(
    stackName,
    () => ({
      substrate: "ssh",
      imageMode: "offline",
      underlay: { cidr: underlay, internal: true },
      calico: { nodes: 2 },
      workloads: { perNode: 1 },
      bgp: { convergeTimeoutSeconds: 600 },
      ipPools: [{ name: "my.ippool-1", cidr: POOL, blockSize: 26, ipipMode: "Always", vxlanMode: "Never", natOutgoing: true }],
      ssh: {
        etcdHost: "etcd",
        hosts: [
          {
            name: "etcd",
            address: HOSTS[0].address,
            user: "root",
            port: 22,
            privateKey: join(cacheDir, "vm", "labs", hostsLab, "id_ed25519"),
          },
          ...HOSTS.map((h) => ({ ...h, user: "root", port: 22, privateKey: join(cacheDir, "vm", "labs", hostsLab, "id_ed25519") })),
        ],
      },
    }),
    {
      netns,
      teardown: async (stack, name, backend) => {
        try {
          await destroyAndForget(stack, name, backend);
        } finally {
          sh(["bash", labVm, "net-down", hostsLab]);
        }
      },
    },
  );
  const times: Record<string, number> = {};
  let before: Record<string, string>;
  let outputs: LabOutputs;

  it("the hosts: two VMs booted, their Docker engines up; what Calico would change is read from each", async () => {
    const started = Date.now();
    for (const h of HOSTS) sh(["bash", labVm, "start", hostsLab, h.name, h.address]);
    await Promise.all(HOSTS.map((h) => execFileAsync("bash", [labVm, "wait-ssh", hostsLab, h.name, "300"])));
    await Promise.all(
      HOSTS.map((h) => inHost(h.name, "i=0; until docker info >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 300 ] || exit 1; sleep 1; done")),
    );
    before = await pictures();
    times.hosts = (Date.now() - started) / 1000;
    for (const h of HOSTS) {
      expect(before[h.name], h.name).toContain("== routes");
      expect(before[h.name], `${h.name} runs no Calico yet`).not.toMatch(/cali-|proto bird/);
    }
  });

  it("up: the mesh Established over the hosts, a workload on one host reaches one on the other", async () => {
    const started = Date.now();
    outputs = outputsOf(await lab.stack.up({ onOutput: () => undefined }));
    times.up = (Date.now() - started) / 1000;
    expect(outputs.bgpTopology.matches, outputs.bgpTopology.problems.join("; ")).toBe(true);
    const [a, b] = outputs.nodes;
    const ping = await inHost(a!.name, `docker exec ${a!.container} ${workloadPingArgv(a!, b!).join(" ")}`);
    expect(ping).toMatch(/3 received/);
  });

  it("while the lab runs, the hosts carry its traces: Felix's chains and ipsets, BIRD's routes, tunl0's address, the sysctls", async () => {
    const during = await pictures();
    for (const h of HOSTS) {
      expect(during[h.name], h.name).toMatch(/^:cali-/m);
      expect(during[h.name], h.name).toMatch(/proto bird/);
      expect(during[h.name], h.name).toMatch(/cali40all-ipam-pools/);
      expect(during[h.name], h.name).toMatch(/tunl0 +inet 10\.1\./);
      expect(during[h.name], h.name).not.toBe(before[h.name]);
    }
  });

  it("destroy: each host's chains, ipsets, devices, routes and sysctls are what they were before up", async () => {
    const started = Date.now();
    await labDown(lab.stack);
    times.destroy = (Date.now() - started) / 1000;
    const after = await pictures();
    for (const h of HOSTS) expect.soft(after[h.name], h.name).toBe(before[h.name]);
    const states = await inHost(HOSTS[0].name, "ls -A /var/lib/calico-lab/host-state 2>/dev/null; docker ps -aq");
    expect(states.trim(), "no picture and no container left on the host").toBe("");
    console.log(`bird-ssh on lab VMs: ${JSON.stringify(times)} seconds`);
  });
});
