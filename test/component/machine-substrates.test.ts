import { beforeAll, describe, expect, it } from "vitest";
import { shellFor } from "../../core/transports/access";
import { vmForward } from "../../core/substrates/qemu/scripts";
import { controlPathFor } from "../../core/transports/ssh";
import { hostStateRestoreScript, hostStateRunScript, hostStateSaveScript } from "../../core/substrates/ssh/host-state";
import { shellQuote } from "../../core/shell";
import {
  buildNodeLab,
  etcdTlsStdout,
  HOST_COMMAND_TYPE,
  installMocks,
  makeTestPki,
  TEST_ETCD_TLS,
  TEST_KUBECONFIG_CLUSTER,
  TEST_KUBECONFIG_HEAD,
  withTestCrdManifest,
  type Registered,
} from "./harness";

// The bird scenario on the qemu and ssh substrates under mocks: the graph (types, names, parents,
// dependencies), the host-side scripts (lab-vm.sh, the ssh node runner) and every node-side step going
// through ssh and then `docker exec` in the node's container.
const ADDRESS: Record<string, string> = { calico1: "192_168_4_5", calico2: "192_168_4_6" };
const PKI = makeTestPki("lab-etcd");
installMocks(
  (node) =>
    Object.keys(ADDRESS)
      .filter((n) => n !== node)
      .map((n) => `Mesh_${ADDRESS[n]}`),
  undefined,
  undefined,
  etcdTlsStdout(PKI),
);

function finder(registered: Registered[]) {
  return (name: string) => {
    const found = registered.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}; have ${registered.map((r) => r.name).join(", ")}`);
    return found;
  };
}

/** The connection sharing options, with the lab's control path (one per lab and namespace). */
const MUX = (netns = "") =>
  `-o ControlMaster=auto -o ControlPath=${controlPathFor("lab", netns, "/cache")} -o ControlPersist=30 -o ServerAliveInterval=10 -o ServerAliveCountMax=6`;
/** The client first makes its control socket's folder, 0700. */
const CONTROL_FOLDER = (netns = "") =>
  `sh -c 'mkdir -p "$1" && chmod 0700 "$1" && shift && exec "$@"' sh ${controlPathFor("lab", netns, "/cache").replace("/%r@%h:%p", "")}`;
const SSH_TO = (address: string) =>
  `${CONTROL_FOLDER("calicolab-lab")} ip netns exec calicolab-lab ssh -i /cache/vm/labs/lab/id_ed25519 -p 22 -o BatchMode=yes -o "UserKnownHostsFile=\${CALICO_LAB_CACHE:-\${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}/ssh/lab/known_hosts" -o StrictHostKeyChecking=no -o IdentitiesOnly=yes -o ConnectTimeout=10 -o LogLevel=ERROR ${MUX("calicolab-lab")} root@${address}`;

describe("bird on the qemu substrate", () => {
  let built: Awaited<ReturnType<typeof buildNodeLab>>;
  let byName: ReturnType<typeof finder>;
  beforeAll(async () => {
    built = await buildNodeLab({ substrate: "qemu", imageMode: "offline", qemu: { cpus: 1, memoryMiB: 768 } });
    byName = finder(built.registered);
  });

  it("makes the lab network with lab-vm.sh, and one VM node per lab node, typed, named from the lab and parented", () => {
    expect(byName("lab-underlay")).toMatchObject({ type: HOST_COMMAND_TYPE, parent: "lab", deleteBeforeReplace: true });
    expect(byName("lab-underlay").inputs.create).toMatch(
      /CALICO_LAB_CACHE=\/cache bash \S+\/scripts\/vm\/lab-vm\.sh net-up lab 192\.168\.4\.0\/24$/,
    );
    expect(byName("lab-underlay").inputs.delete).toMatch(/lab-vm\.sh net-down lab$/);
    for (const node of ["etcd", "calico1", "calico2"]) {
      expect(byName(`lab-${node}`)).toMatchObject({ type: "calicolab:qemu:Node", parent: "lab" });
      expect(byName(`lab-${node}-vm`)).toMatchObject({ type: HOST_COMMAND_TYPE, parent: `lab-${node}` });
      expect(byName(`lab-${node}-runtime`)).toMatchObject({ type: HOST_COMMAND_TYPE, parent: `lab-${node}` });
    }
    expect(built.registered.filter((r) => r.type.includes("Docker"))).toEqual([]);
  });

  it("boots every VM once the network is there; only a Calico node's runtime waits for etcd; the lab's steps wait for the nodes", () => {
    const deps = (name: string) => byName(name).dependsOn;
    for (const node of ["etcd", "calico1", "calico2"]) {
      expect(deps(`lab-${node}-vm`)).toEqual(["lab-underlay"]);
      expect(deps(`lab-${node}`)).toEqual([]);
    }
    expect(deps("lab-etcd-runtime")).toEqual(["lab-etcd-vm", "lab-underlay"]);
    expect(deps("lab-calico1-runtime")).toEqual(["lab-calico1-vm", "lab-etcd"]);
    // tool downloads start at once; each node's install waits for its own node
    expect(deps("lab-tools")).toEqual([]);
    expect(deps("lab-tools-install-1")).toEqual(expect.arrayContaining(["lab-calico1"]));
    // the runtime runs again when its VM is made anew (a new boot id)
    expect(byName("lab-calico1-runtime").inputs.triggers).toEqual(["boot-lab-calico1-vm\ntcg\n"]);
  });

  it("starts each VM at the node's address with the VM size, waits for SSH, reads its boot id; delete stops it", () => {
    const vm = byName("lab-calico2-vm").inputs;
    expect(vm.create).toMatch(
      /CALICO_LAB_CACHE=\/cache LAB_VM_CPUS=1 LAB_VM_MEMORY=768 bash \S+lab-vm\.sh start lab calico2 192\.168\.4\.6 >&2\n/,
    );
    expect(vm.create).toMatch(/lab-vm\.sh wait-ssh lab calico2 300 >&2\n/);
    expect(vm.create).toContain(
      `${SSH_TO("192.168.4.6").replace(`"UserKnownHostsFile=\${CALICO_LAB_CACHE:-\${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}/ssh/lab/known_hosts"`, '"UserKnownHostsFile=$known_hosts"')} sh -s`,
    );
    expect(vm.create).toContain("cat /proc/sys/kernel/random/boot_id");
    expect(vm.delete).toMatch(
      /ssh -o ControlPath=\S+ -p 22 -O exit root@192\.168\.4\.6 >\/dev\/null 2>&1 \|\| true\n.*lab-vm\.sh stop lab calico2$/,
    );
    expect(byName("lab-etcd-vm").inputs.create).toContain("start lab etcd 192.168.4.4");
    // net-down stops every VM of the lab: a lab network made anew makes the VMs anew
    expect(byName("lab-calico2-vm").inputs.triggers).toEqual(["lab-underlay-id"]);
  });

  it("runs each runtime as a host-networked container in its VM: Calico privileged with the sysctls, etcd plain", () => {
    const calico = byName("lab-calico1-runtime").inputs;
    expect(calico.create).toContain("until docker info >/dev/null 2>&1; do");
    expect(calico.create).toContain("sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_forward=1");
    expect(calico.create).toMatch(
      /docker run --detach --name lab-calico1 --network host --label calico-lab\.lab=lab --label calico-lab\.role=calico-node --label calico-lab\.stack=test --privileged --volume \/lib\/modules:\/lib\/modules:ro --env NODENAME=calico1 .*--env IP=192\.168\.4\.5 .*--env ETCD_ENDPOINTS=http:\/\/192\.168\.4\.4:2379 .* calico-lab\/node:v3\.28\.5 >\/dev\/null/,
    );
    expect(calico.create).toContain("until docker exec lab-calico1 birdcl -s /var/run/calico/bird.ctl show status >/dev/null 2>&1; do");
    expect(calico.create).toContain("was not ready within 300s");
    // the VM goes right after; a runtime made anew replaces the container of its name itself
    expect(calico.delete).toBeNull();
    expect(calico.create).not.toContain("host-state");
    expect(calico.create).toContain("docker rm -f lab-calico1 >/dev/null 2>&1 || true\ndocker run");
    const etcd = byName("lab-etcd-runtime").inputs.create as string;
    expect(etcd).toMatch(/docker run --detach --name lab-etcd --network host .*calico-lab\/etcd:3\.4\.23 etcd --name=lab-etcd /);
    expect(etcd).not.toContain("--privileged");
    expect(etcd).not.toContain("sysctl");
    expect(etcd).toContain("docker exec lab-etcd etcdctl --endpoints=http://127.0.0.1:2379 endpoint health");
  });

  it("every step inside a node goes through ssh to its VM, then docker exec into its container, keyed on the node's instance", () => {
    const via = (address: string) => `${SSH_TO(address)} sh -s <<'CALICO_LAB_SSH_`;
    const pools = byName("lab-ippools-apply").inputs;
    // calicoctl runs in etcd's container on etcd's VM
    expect(pools.create).toContain(via("192.168.4.4"));
    expect(pools.create).toContain("\ndocker exec -i lab-etcd sh -s <<'CALICO_LAB_NODE_SCRIPT'\n");
    expect(pools.create).toContain("DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=http://192.168.4.4:2379 calicoctl apply -f -");
    const cni = byName("lab-cni-write-2").inputs;
    expect(cni.create).toContain(via("192.168.4.6"));
    expect(cni.create).toContain("docker exec -i lab-calico2 sh -s <<'CALICO_LAB_NODE_SCRIPT'\nset -eu\nmkdir -p /etc/cni/net.d\n");
    expect(cni.triggers).toEqual(["boot-lab-calico2-vm/id-lab-calico2-runtime", expect.stringContaining('"type": "calico"')]);
    const workload = byName("lab-workloads-1-1").inputs;
    expect(workload.create).toContain("docker exec -i lab-calico1 sh -s");
    expect(workload.create).toContain("cnitool add test-calico /var/run/netns/calico1-wl1");
    expect(workload.delete).toMatch(/ \|\| echo "calico-lab: .* failed; the node may already be gone" >&2\n/);
    // The VM takes every step's work with it: destroy skips the steps' deletes; calicoctl's go with etcd's VM.
    for (const step of ["lab-workloads-1-1", "lab-cni-write-1"]) expect(byName(step).deletedWith, step).toBe("lab-calico1-vm");
    for (const step of ["lab-ippools-apply", "lab-bgp-apply"]) expect(byName(step).deletedWith, step).toBe("lab-etcd-vm");
    const tools = byName("lab-tools-install-1").inputs;
    expect(tools.create).toContain(`| ${SSH_TO("192.168.4.5")} 'set -e\nstaging=$(mktemp -d -t calico-lab-copy-XXXXXXXXXX)`);
    expect(tools.create).toContain("\ndocker cp ./. lab-calico1:/usr/local/bin/'");
    const probe = byName("lab-bgp-status-probe").inputs as { commands: Record<string, string[]> };
    expect(probe.commands["calico2/protocols"]?.slice(0, 3)).toEqual(["/bin/bash", "--norc", "-c"]);
    expect(probe.commands["calico2/protocols"]?.[3]).toContain(via("192.168.4.6"));
    expect(probe.commands["calico2/protocols"]?.[3]).toContain(
      "docker exec -i lab-calico2 sh -s <<'CALICO_LAB_NODE_SCRIPT'\nbirdcl -s /var/run/calico/bird.ctl show protocols\n",
    );
  });

  it("exports the nodes at their VMs' addresses, with their containers, accelerators and ssh access, and the BGP topology", () => {
    expect(built.outputs.etcd).toEqual({
      endpoints: ["http://192.168.4.4:2379"],
      address: "192.168.4.4",
      container: "lab-etcd",
      tls: null,
      accelerator: "tcg",
    });
    expect(built.outputs.nodes.map((n) => [n.name, n.container, n.underlayIp, n.accelerator])).toEqual([
      ["calico1", "lab-calico1", "192.168.4.5", "tcg"],
      ["calico2", "lab-calico2", "192.168.4.6", "tcg"],
    ]);
    expect(built.outputs.nodes[1]?.access).toEqual({
      transport: "ssh",
      container: "lab-calico2",
      lab: "lab",
      host: "calico2",
      address: "192.168.4.6",
      user: "root",
      port: 22,
      keyPath: "/cache/vm/labs/lab/id_ed25519",
      netns: "calicolab-lab",
      controlPath: controlPathFor("lab", "calicolab-lab", "/cache"),
    });
    // the access gives back the very shell the lab's steps use
    const cni = byName("lab-cni-write-2").inputs.create as string;
    expect(cni.startsWith(`${SSH_TO("192.168.4.6")} sh -s <<'CALICO_LAB_SSH_`)).toBe(true);
    expect(shellFor(built.outputs.nodes[1]!.access!).run("true")).toContain(`${SSH_TO("192.168.4.6")} sh -s <<'CALICO_LAB_SSH_`);
    expect(built.outputs.bgpTopology.matches).toBe(true);
  });

  it("a VM step's refresh asks lab-vm.sh whether its QEMU still runs; the node's instance is its boot id and container id", () => {
    // a gone VM's connection master goes too: the runtime's and the probe's reads would wait on its keepalives
    expect(byName("lab-calico2-vm").inputs.read).toMatch(
      /^CALICO_LAB_CACHE=\/cache bash \S+\/scripts\/vm\/lab-vm\.sh alive lab calico2 \|\| \{ ip netns exec \S+ ssh -o ControlPath=\S+ -p 22 -O exit root@192\.168\.4\.6 >\/dev\/null 2>&1 \|\| true; exit 1; \}$/,
    );
    // and the runtime's asks its VM whether the container runs: a killed VM drops both, so up creates them anew
    expect(byName("lab-calico2-runtime").inputs.read).toBe(
      `${SSH_TO("192.168.4.6")} '[ "$(docker inspect --format '\\''{{.State.Running}}'\\'' lab-calico2 2>/dev/null)" = true ]' </dev/null`,
    );
    expect((byName("lab-cni-write-2").inputs.triggers as unknown[])[0]).toBe("boot-lab-calico2-vm/id-lab-calico2-runtime");
  });
});

describe("bird on the ssh substrate", () => {
  let built: Awaited<ReturnType<typeof buildNodeLab>>;
  let byName: ReturnType<typeof finder>;
  beforeAll(async () => {
    built = await buildNodeLab({
      substrate: "ssh",
      ipPools: [
        { name: "p", cidr: "10.1.0.0/16", blockSize: 26, ipipMode: "Always", vxlanMode: "Never", natOutgoing: true, disabled: false },
      ],
      ssh: {
        etcdHost: "store",
        hosts: [
          { name: "calico1", address: "192.168.4.5", user: "vagrant", port: 2222, privateKey: "~/.ssh/lab" },
          { name: "store", address: "192.168.4.5", user: "vagrant", port: 2222, privateKey: "~/.ssh/lab" },
          { name: "calico2", address: "192.168.4.9" },
        ],
      },
    });
    byName = finder(built.registered);
  });

  const client = (who: string, port: number, key: string[]) =>
    `${CONTROL_FOLDER()} ssh ${key.join(" ")}${key.length ? " " : ""}-p ${port} -o BatchMode=yes -o "UserKnownHostsFile=\${CALICO_LAB_CACHE:-\${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}/ssh/lab/known_hosts" -o StrictHostKeyChecking=accept-new${key.length ? " -o IdentitiesOnly=yes" : ""} -o ConnectTimeout=10 -o LogLevel=ERROR ${MUX()} ${who}`;

  it("takes over the hosts: a node per host, named after it, etcd on the etcd host (beside calico1 here)", () => {
    expect(byName("lab-underlay")).toMatchObject({ type: HOST_COMMAND_TYPE, parent: "lab" });
    expect(byName("lab-underlay").inputs.create).toContain(
      'mkdir -p "${CALICO_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}/ssh/"lab',
    );
    for (const node of ["etcd", "calico1", "calico2"]) {
      expect(byName(`lab-${node}`)).toMatchObject({ type: "calicolab:ssh:Node", parent: "lab" });
      expect(byName(`lab-${node}-host`)).toMatchObject({ type: HOST_COMMAND_TYPE, parent: `lab-${node}`, dependsOn: ["lab-underlay"] });
      expect(byName(`lab-${node}-runtime`).dependsOn[0]).toBe(`lab-${node}-host`);
    }
    expect(byName("lab-calico2-runtime").dependsOn).toEqual(["lab-calico2-host", "lab-etcd"]);
    expect(built.outputs.etcd.endpoints).toEqual(["http://192.168.4.5:2379"]);
    expect(built.outputs.nodes.map((n) => [n.name, n.underlayIp])).toEqual([
      ["calico1", "192.168.4.5"],
      ["calico2", "192.168.4.9"],
    ]);
    // how lab:status reaches a host: its address, port, user and the key's path (never the key); no accelerator
    expect(built.outputs.nodes[0]?.access).toEqual({
      transport: "ssh",
      container: "lab-calico1",
      lab: "lab",
      host: "calico1",
      address: "192.168.4.5",
      user: "vagrant",
      port: 2222,
      keyPath: "/home/me/.ssh/lab",
      hostKeys: "accept-new",
      controlPath: controlPathFor("lab", "", "/cache"),
    });
    expect(built.outputs.nodes[0]?.accelerator).toBeUndefined();
    expect(built.outputs.etcd).not.toHaveProperty("accelerator");
  });

  it("checks each host before its node starts: its login, Docker, and for a Calico node sudo, the pools' tunnel module and port 179", () => {
    const calico = byName("lab-calico1-host").inputs.create as string;
    expect(calico).toContain(
      `until ${client("vagrant@192.168.4.5", 2222, ["-i", "/home/me/.ssh/lab"]).replace(/"UserKnownHostsFile=[^"]+"/, '"UserKnownHostsFile=$known_hosts"')} true`,
    );
    expect(calico).toContain("docker is not installed");
    expect(calico).toContain("the kernel has no ipip module");
    expect(calico).toContain("TCP port 179 (BGP) is taken");
    expect(calico).toContain("is neither root nor allowed passwordless sudo");
    const store = byName("lab-etcd-host").inputs.create as string;
    expect(store).toContain("calico-lab: host store (vagrant@192.168.4.5) is not ready:");
    expect(store).not.toContain("port 179");
    expect(byName("lab-etcd-host").inputs.delete).toBeNull();
  });

  it("runs node-side steps over ssh as the host's user (the agent's key when none is given), then docker exec", () => {
    const cni1 = byName("lab-cni-write-1").inputs.create as string;
    expect(cni1).toContain(`${client("vagrant@192.168.4.5", 2222, ["-i", "/home/me/.ssh/lab"])} sh -s <<'CALICO_LAB_SSH_`);
    expect(cni1).not.toContain("ip netns exec");
    expect(cni1).toContain("docker exec -i lab-calico1 sh -s <<'CALICO_LAB_NODE_SCRIPT'");
    const cni2 = byName("lab-cni-write-2").inputs.create as string;
    expect(cni2).toContain(`${client("root@192.168.4.9", 22, [])} sh -s <<'CALICO_LAB_SSH_`);
    expect(byName("lab-calico2-runtime").inputs.create).toContain("docker run --detach --name lab-calico2 --network host");
    // a host outlives the lab: its container goes with the node, and every step cleans up after itself
    expect(byName("lab-workloads-1-1").deletedWith).toBeUndefined();
    // and a Calico host gets back what its node changed: saved before the node first starts, put back after it goes
    const labels = { "calico-lab.lab": "lab", "calico-lab.role": "calico-node", "calico-lab.stack": "test" };
    const restore = `docker rm -f lab-calico2 >/dev/null 2>&1 || true\n${hostStateRunScript("calico-lab/node:v3.28.5", "lab-calico2", labels, hostStateRestoreScript("lab-calico2"))}`;
    expect(byName("lab-calico2-runtime").inputs.delete).toBe(
      `${client("root@192.168.4.9", 22, [])} ${shellQuote(restore)} </dev/null || echo "calico-lab: removing container lab-calico2 on calico2 and putting the host back failed; the node may already be gone" >&2`,
    );
    const create = byName("lab-calico2-runtime").inputs.create as string;
    const save = hostStateRunScript("calico-lab/node:v3.28.5", "lab-calico2", labels, hostStateSaveScript("lab-calico2"));
    expect(create.indexOf(save)).toBeGreaterThan(0);
    expect(create.indexOf(save)).toBeLessThan(create.indexOf("sysctl -qw"));
    expect(byName("lab-etcd-runtime").inputs.delete).toBe(
      `${client("vagrant@192.168.4.5", 2222, ["-i", "/home/me/.ssh/lab"])} 'docker rm -f lab-etcd >/dev/null 2>&1 || true' </dev/null || echo "calico-lab: removing container lab-etcd on store failed; the node may already be gone" >&2`,
    );
    expect(byName("lab-etcd-runtime").inputs.create).not.toContain("host-state");
  });
});

describe("bird with etcd over TLS on the qemu substrate: the same scenario code, through ssh", () => {
  let byName: ReturnType<typeof finder>;
  let built: Awaited<ReturnType<typeof buildNodeLab>>;
  beforeAll(async () => {
    built = await buildNodeLab({
      substrate: "qemu",
      imageMode: "offline",
      etcd: { tls: true, certValidityDays: TEST_ETCD_TLS.days, extraSans: TEST_ETCD_TLS.extraSans },
    });
    byName = finder(built.registered);
  });

  it("etcd in its VM makes its certificates and serves https with client certificates; readiness over TLS", () => {
    const etcd = byName("lab-etcd-runtime").inputs.create as string;
    expect(etcd).toContain("calico-lab/etcd:3.4.23 /bin/sh -c ");
    expect(etcd).toContain("openssl genpkey -algorithm EC");
    expect(etcd).toContain("--listen-client-urls=https://0.0.0.0:2379 --cert-file=/etc/etcd/pki/server.crt");
    expect(etcd).toContain("--client-cert-auth=true --trusted-ca-file=/etc/etcd/pki/ca.crt");
    expect(etcd).toContain("docker exec lab-etcd etcdctl --endpoints=https://127.0.0.1:2379 endpoint health");
  });

  it("the client bundle goes into each Calico VM's container as a secret, through ssh; calico-node and calicoctl use it", () => {
    const setup = byName("lab-calico1-setup").inputs.create as Record<string, string>;
    expect(setup["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(setup.value).toContain(`${SSH_TO("192.168.4.5")} sh -s <<'CALICO_LAB_SSH_`);
    expect(setup.value).toContain("cat > /etc/calico/etcd-tls/client.key.new");
    const calico = byName("lab-calico1-runtime").inputs.create as string;
    expect(calico).toContain("--env ETCD_ENDPOINTS=https://192.168.4.4:2379 --env ETCD_CA_CERT_FILE=/etc/calico/etcd-tls/ca.crt");
    expect(byName("lab-ippools-apply").inputs.create).toContain("ETCD_KEY_FILE=/etc/calico/etcd-tls/client.key calicoctl apply -f -");
    expect(built.outputs.etcd.endpoints).toEqual(["https://192.168.4.4:2379"]);
    expect(built.outputs.etcd.tls?.server.sans).toContain("IP:192.168.4.4");
  });
});

describe("kdd on the qemu substrate: a VM per datastore node, the Kubernetes provider through the lab's forwarder", () => {
  let byName: ReturnType<typeof finder>;
  let built: Awaited<ReturnType<typeof buildNodeLab>>;
  const port = vmForward("lab", "apiserver", 6443).localPort;
  beforeAll(async () => {
    built = await withTestCrdManifest((manifest) =>
      buildNodeLab({ scenario: "kdd", substrate: "qemu", imageMode: "offline" }, { manifestPath: manifest }),
    );
    byName = finder(built.registered);
  });

  it("makes etcd's VM, then the apiserver's (host .3) running the preloaded kube-apiserver image, then the Calico VMs", () => {
    for (const node of ["etcd", "apiserver", "calico1", "calico2"]) {
      expect(byName(`lab-${node}`)).toMatchObject({ type: "calicolab:qemu:Node", parent: "lab" });
      expect(byName(`lab-${node}-vm`).dependsOn).toEqual(["lab-underlay"]);
    }
    expect(byName("lab-apiserver-vm").inputs.create).toContain("lab-vm.sh start lab apiserver 192.168.4.3 >&2");
    expect(byName("lab-apiserver-runtime").dependsOn).toEqual(["lab-apiserver-vm", "lab-etcd"]);
    expect(byName("lab-apiserver-runtime").inputs.create).toMatch(
      /docker run --detach --name lab-apiserver --network host .*calico-lab\/kube-apiserver:v1\.29\.15 \/bin\/sh -c /,
    );
    expect(byName("lab-kubeconfig").dependsOn).toEqual(["lab-apiserver"]);
    expect(byName("lab-kubeconfig").inputs.create).toContain(`${SSH_TO("192.168.4.3")} sh -s <<'CALICO_LAB_SSH_`);
  });

  it("a forwarder step, from the lab's network, on a port derived from the lab's name; net-down takes it with the namespace", () => {
    const forward = byName("lab-apiserver-forward-6443");
    expect(forward).toMatchObject({ type: HOST_COMMAND_TYPE, parent: "lab", dependsOn: ["lab-underlay"], deletedWith: "lab-underlay" });
    expect(port).toBeGreaterThanOrEqual(20000);
    expect(port).toBeLessThan(30000);
    expect(forward.inputs.create).toMatch(
      new RegExp(
        `^set -euo pipefail\nCALICO_LAB_CACHE=/cache bash \\S+/scripts/vm/lab-vm\\.sh forward lab apiserver-6443 192\\.168\\.4\\.3:6443 ${port}$`,
      ),
    );
    expect(forward.inputs.read).toMatch(
      new RegExp(
        `^CALICO_LAB_CACHE=/cache bash \\S+/lab-vm\\.sh forward-alive lab apiserver-6443 2>/dev/null \\|\\| CALICO_LAB_CACHE=/cache bash \\S+/lab-vm\\.sh forward lab apiserver-6443 192\\.168\\.4\\.3:6443 ${port} >/dev/null$`,
      ),
    );
    expect(forward.inputs.delete).toMatch(
      /^set -euo pipefail\nCALICO_LAB_CACHE=\/cache bash \S+\/lab-vm\.sh forward-stop lab apiserver-6443$/,
    );
    expect(forward.inputs.triggers).toEqual(["lab-underlay-id"]);
  });

  it("the provider waits for the forwarder and reaches the apiserver at 127.0.0.1 (in its certificate); the nodes' kubeconfig and the output keep its lab address", () => {
    const provider = byName("lab-kubernetes");
    expect(provider.type).toBe("pulumi:providers:kubernetes");
    expect(provider.dependsOn).toEqual(["lab-kubeconfig", "lab-apiserver-forward-6443"]);
    expect((provider.inputs.kubeconfig as { value: string }).value).toBe(
      `${TEST_KUBECONFIG_HEAD}lab-kubeconfig\n${TEST_KUBECONFIG_CLUSTER.replace("https://192.168.4.3:6443", `https://127.0.0.1:${port}`)}`,
    );
    expect(built.outputs.kubeconfig).toBe(`${TEST_KUBECONFIG_HEAD}lab-kubeconfig\n${TEST_KUBECONFIG_CLUSTER}`);
    const setup = byName("lab-calico1-setup").inputs.create as { value: string };
    expect(setup.value).toContain(`${SSH_TO("192.168.4.5")} sh -s <<'CALICO_LAB_SSH_`);
    expect(setup.value).toContain("server: https://192.168.4.3:6443");
    expect(setup.value).not.toContain("127.0.0.1");
  });

  it("the Kubernetes objects go with etcd's VM on destroy; each step inside a Calico node with its own VM", () => {
    for (const name of ["lab-crd-ippools.crd.projectcalico.org", "lab-k8s-node-calico1", "lab-ippool-my.ippool-1", "lab-bgp-default"]) {
      expect(byName(name).provider, name).toBe("lab-kubernetes");
      expect(byName(name).deletedWith, name).toBe("lab-etcd-vm");
    }
    expect(byName("lab-workloads-1-1-object")).toMatchObject({ type: "kubernetes:core/v1:Pod", deletedWith: "lab-etcd-vm" });
    expect(byName("lab-workloads-1-1").deletedWith).toBe("lab-calico1-vm");
    expect(byName("lab-calico2-setup").deletedWith).toBe("lab-calico2-vm");
    expect(byName("lab-calico1-runtime").inputs.create).toContain("--env DATASTORE_TYPE=kubernetes");
    expect(built.outputs.nodes.map((n) => [n.name, n.underlayIp, n.accelerator])).toEqual([
      ["calico1", "192.168.4.5", "tcg"],
      ["calico2", "192.168.4.6", "tcg"],
    ]);
  });
});
