import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULTS } from "../../core/config/defaults";
import { SETTING_KEYS } from "../../core/config/keys";
import { loadLabConfig, mergeSettings, settingsFromConfig } from "../../core/config/load";
import { IPV6_POOL_REFUSED, nodeNames, pathsOverlap } from "../../core/config/validate";
import { messages } from "../support/config-messages";

const root = join(__dirname, "..", "..");
const pool = { name: "p", cidr: "10.1.0.0/16", blockSize: 26, ipipMode: "Never", vxlanMode: "Never", natOutgoing: true, disabled: false };

describe("defaults", () => {
  it("reproduce the tutorial lab", () => {
    const config = loadLabConfig({});
    expect(config.scenario).toBe("bird");
    expect(config.substrate).toBe("docker");
    expect(nodeNames(config)).toEqual(["calico1", "calico2"]);
    expect(config.underlay.cidr).toBe("192.168.4.0/24");
    expect(config.bgp).toMatchObject({ asNumber: 64512, mode: "mesh", routeReflectors: [] });
    expect(config.ipPools).toEqual([
      {
        name: "my.ippool-1",
        cidr: "10.1.0.0/16",
        blockSize: 26,
        ipipMode: "Never",
        vxlanMode: "Never",
        natOutgoing: true,
        disabled: false,
      },
    ]);
    expect(config.cni).toEqual({ cniVersion: "0.3.1", networkName: "test-calico", mtu: 0, logLevel: "info" });
    expect(config.workloads.perNode).toBe(1);
  });

  it("are exactly what Pulumi.yaml declares, key by key, with a type and a description", () => {
    const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8"));
    expect(project.stackConfigDir).toBe("stacks");
    const declared = Object.keys(project.config).map((key) => key.replace(/^calico-lab:/, ""));
    expect(declared).toEqual([...SETTING_KEYS]);
    for (const key of SETTING_KEYS) {
      const entry = project.config[`calico-lab:${key}`];
      expect(entry.default, key).toEqual(DEFAULTS[key]);
      expect(entry.description.length, key).toBeGreaterThan(30);
      expect(entry.type, key).toBe(Array.isArray(DEFAULTS[key]) ? "array" : typeof DEFAULTS[key] === "object" ? "object" : "string");
    }
  });

  it("let a stack set one field of a group and keep the rest", () => {
    const config = loadLabConfig({ calico: { nodes: 3 }, bgp: { asNumber: 65001 } });
    expect(nodeNames(config)).toEqual(["calico1", "calico2", "calico3"]);
    expect(config.bgp.mode).toBe("mesh");
    expect(config.bgp.asNumber).toBe(65001);
  });

  it("merge objects and replace lists", () => {
    expect(mergeSettings({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] } })).toEqual({ a: { b: 1, c: [3] } });
  });
});

describe("the stack configs", () => {
  for (const [stack, scenario, substrate] of [
    ["bird", "bird", "docker"],
    ["bird-offline", "bird", "docker"],
    ["bird-tls", "bird", "docker"],
    ["bird-qemu", "bird", "qemu"],
    ["bird-ssh", "bird", "ssh"],
    ["kdd", "kdd", "kind"],
    ["kdd-docker", "kdd", "docker"],
    ["kdd-qemu", "kdd", "qemu"],
    ["calico-vpp", "calico-vpp", "kind"],
    ["vpp-forwarding", "vpp-forwarding", "docker"],
  ]) {
    it(`${stack} parses and validates`, () => {
      const file = parse(readFileSync(join(root, "stacks", `Pulumi.${stack}.yaml`), "utf8"));
      const raw = Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k.replace(/^calico-lab:/, ""), v]));
      expect(loadLabConfig(raw)).toMatchObject({ scenario, substrate });
    });
  }
});

describe("validation names the setting, the value and what is allowed", () => {
  it("kind.nodeImage is an image reference", () => {
    const allowed = "allowed is an image reference such as kindest/node:v1.33.1@sha256:<64 hex digits>";
    for (const bad of ["kindest/node:v1\n  - role: worker", "kindest/node:v1 # x", "Kindest/node", "node:{{name}}", "node@sha256:abc"]) {
      expect(messages({ scenario: "kdd", substrate: "kind", kind: { nodeImage: bad } })).toEqual([
        `kind.nodeImage = ${JSON.stringify(bad)}: ${allowed}`,
      ]);
    }
    for (const good of ["kindest/node:v1.33.1", `localhost:5000/kind/node_x:v1@sha256:${"a".repeat(64)}`, "registry.example.com/a/b"]) {
      expect(loadLabConfig({ scenario: "kdd", substrate: "kind", kind: { nodeImage: good } }).kind.nodeImage).toBe(good);
    }
  });

  it("malformed CIDR", () => {
    expect(messages({ ipPools: [{ ...pool, cidr: "10.1.0/16" }] })).toEqual([
      'ipPools[0].cidr = "10.1.0/16": allowed is a network in CIDR form with no host bits set, such as 10.1.0.0/16',
    ]);
    expect(messages({ ipPools: [{ ...pool, cidr: "10.1.2.3/16" }] })[0]).toContain('ipPools[0].cidr = "10.1.2.3/16"');
    expect(messages({ underlay: { cidr: "192.168.4.0/33" } })).toEqual([
      'underlay.cidr = "192.168.4.0/33": allowed is an IPv4 network in CIDR form such as 192.168.4.0/24',
    ]);
  });

  it("blockSize outside 20-32 for an IPv4 pool", () => {
    expect(messages({ ipPools: [{ ...pool, blockSize: 19 }] })).toEqual([
      "ipPools[0].blockSize = 19: allowed is 20 to 32 for an IPv4 pool",
    ]);
    expect(messages({ ipPools: [{ ...pool, blockSize: 33 }] })).toEqual([
      "ipPools[0].blockSize = 33: allowed is 20 to 32 for an IPv4 pool",
    ]);
  });

  it("a pool that names only its name and cidr gets the defaults of Calico's IPPool", () => {
    expect(loadLabConfig({ ipPools: [{ name: "p1", cidr: "10.9.0.0/16" }] }).ipPools).toEqual([
      { name: "p1", cidr: "10.9.0.0/16", blockSize: 26, ipipMode: "Never", vxlanMode: "Never", natOutgoing: false, disabled: false },
    ]);
  });

  it("an IPv6 pool is refused with the reason, whatever its block size, beside a good IPv4 pool", () => {
    for (const blockSize of [64, 122]) {
      expect(messages({ ipPools: [pool, { ...pool, name: "v6", cidr: "fd00:10::/48", blockSize }] })).toEqual([
        `ipPools[1].cidr = "fd00:10::/48": ${IPV6_POOL_REFUSED}`,
      ]);
    }
    expect(IPV6_POOL_REFUSED).toMatch(/IPv4 only.*allowed is an IPv4 network/);
  });

  it("a pool overlapping the underlay or another pool", () => {
    expect(messages({ ipPools: [{ ...pool, cidr: "192.168.0.0/16" }] })).toEqual([
      'ipPools[0].cidr = "192.168.0.0/16": overlaps the underlay 192.168.4.0/24; choose a range outside it',
    ]);
    expect(messages({ ipPools: [pool, { ...pool, name: "q", cidr: "10.1.64.0/18" }] })).toEqual([
      'ipPools[1].cidr = "10.1.64.0/18": overlaps ipPools[0] 10.1.0.0/16; pools must not overlap',
    ]);
  });

  it("ipip and vxlan both enabled", () => {
    expect(messages({ ipPools: [{ ...pool, ipipMode: "Always", vxlanMode: "CrossSubnet" }] })).toEqual([
      'ipPools[0].vxlanMode = "CrossSubnet": ipipMode is Always; a pool can use IPIP or VXLAN, not both: set one of them to Never',
    ]);
  });

  it("fewer than one Calico node, or more than the underlay can address", () => {
    expect(messages({ calico: { nodes: 0 } })).toEqual(["calico.nodes = 0: allowed is an integer from 1 to 250"]);
    expect(messages({ underlay: { cidr: "192.168.4.0/28" }, calico: { nodes: 11 } })).toEqual([
      "calico.nodes = 11: underlay 192.168.4.0/28 has room for 10 Calico nodes (hosts .1 to .4 are the gateway and etcd); use a larger underlay or fewer nodes",
    ]);
    expect(loadLabConfig({ underlay: { cidr: "192.168.4.0/28" }, calico: { nodes: 10 } }).calico.nodes).toBe(10);
  });

  it("duplicate node names, and a names list of the wrong length", () => {
    expect(messages({ calico: { nodes: 3, names: ["a", "b", "a"] } })).toEqual(['calico.names[2] = "a": node names must be unique']);
    expect(messages({ calico: { nodes: 3, names: ["a", "b"] } })).toEqual([
      'calico.names = ["a","b"]: allowed is a list of exactly calico.nodes (3) names, or an empty list',
    ]);
  });

  it("an AS number out of range", () => {
    expect(messages({ bgp: { asNumber: 0 } })).toEqual(["bgp.asNumber = 0: allowed is an integer from 1 to 4294967295"]);
    expect(messages({ bgp: { asNumber: 4294967296 } })).toEqual(["bgp.asNumber = 4294967296: allowed is an integer from 1 to 4294967295"]);
  });

  it("an unsupported cniVersion, 1.1.0 included", () => {
    for (const version of ["1.1.0", "0.5.0", "2"]) {
      expect(messages({ cni: { cniVersion: version } })).toEqual([
        `cni.cniVersion = ${JSON.stringify(version)}: allowed values are 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0`,
      ]);
    }
  });

  it("an unknown scenario, substrate or image mode", () => {
    expect(messages({ scenario: "cilium" })).toEqual(['scenario = "cilium": allowed values are bird, kdd, vpp-forwarding, calico-vpp']);
    expect(messages({ substrate: "vagrant" })).toEqual(['substrate = "vagrant": allowed values are docker, kind, qemu, ssh, kubernetes']);
    expect(messages({ imageMode: "airgap" })).toEqual(['imageMode = "airgap": allowed values are auto, online, offline']);
    expect(messages({ scenario: "calico-vpp" })).toEqual(['substrate = "docker": scenario calico-vpp runs on kind']);
    expect(messages({ scenario: "kdd", imageMode: "online" })).toEqual([
      'imageMode = "online": scenario kdd outside kind runs a kube-apiserver image that only the offline build makes (kube-apiserver, kubectl and Calico\'s CRDs, from the Go module proxy); allowed are offline and auto (after npm run offline:build)',
    ]);
    expect(loadLabConfig({ scenario: "kdd", substrate: "qemu", imageMode: "offline" })).toMatchObject({
      scenario: "kdd",
      substrate: "qemu",
    });
    expect(messages({ scenario: "kdd", substrate: "ssh" })[0]).toBe('substrate = "ssh": scenario kdd runs on docker, qemu, kind');
  });

  it("a route reflector that names no existing node", () => {
    expect(messages({ bgp: { mode: "routeReflectors", routeReflectors: ["calico9"] } })).toEqual([
      'bgp.routeReflectors[0] = "calico9": allowed are the lab\'s node names: calico1, calico2',
    ]);
    expect(messages({ bgp: { mode: "routeReflectors" } })).toEqual([
      "bgp.routeReflectors = []: bgp.mode routeReflectors needs at least one node name here",
    ]);
    expect(messages({ bgp: { routeReflectors: ["calico1"] } })).toEqual([
      'bgp.routeReflectors = ["calico1"]: route reflectors are used only with bgp.mode routeReflectors; empty it or change the mode',
    ]);
  });

  it("more workloads than a node's blocks can hold under the pool's size", () => {
    const small = { ...pool, cidr: "10.1.0.0/24", blockSize: 26 }; // 4 blocks of 64: 2 per node
    expect(loadLabConfig({ ipPools: [small], workloads: { perNode: 128 } }).workloads.perNode).toBe(128);
    expect(messages({ ipPools: [small], workloads: { perNode: 129 } })).toEqual([
      "workloads.perNode = 129: the enabled pools give each of the 2 nodes room for 128 workloads (whole blocks shared evenly); allowed is at most 128",
    ]);
  });

  it("unknown keys and wrong types", () => {
    expect(messages({ calico: { node: 3 } })).toEqual([
      "calico.node = 3: unknown setting; allowed keys here are nodes, namePrefix, names, logLevel, startWave",
    ]);
    expect(messages({ calico: { nodes: "two" } })).toEqual(['calico.nodes = "two": allowed is an integer from 1 to 250']);
    expect(messages({ underlay: { internal: "yes" } })).toEqual(['underlay.internal = "yes": allowed values are true, false']);
  });

  it("lists every bad setting at once, in one message", () => {
    try {
      loadLabConfig({ scenario: "x", calico: { nodes: 0 } });
    } catch (error) {
      expect((error as Error).message).toBe(
        '2 lab settings are invalid:\n  - calico-lab:scenario = "x": allowed values are bird, kdd, vpp-forwarding, calico-vpp\n  - calico-lab:calico.nodes = 0: allowed is an integer from 1 to 250',
      );
      return;
    }
    throw new Error("expected a ConfigError");
  });
});

describe("settings from Pulumi's configuration", () => {
  it("takes every key of the lab's namespace, parses JSON values and keeps plain strings", () => {
    expect(
      settingsFromConfig({
        "calico-lab:scenario": "bird",
        "calico-lab:calico": '{"nodes":3}',
        "calico-lab:bogus": "1",
        "calico-lab:ipPools": JSON.stringify([pool]),
        "other:scenario": "kdd",
        "calico-labx:nodes": "2",
      }),
    ).toEqual({ scenario: "bird", calico: { nodes: 3 }, bogus: 1, ipPools: [pool] });
  });

  it("an unknown top-level key is refused, naming it and the allowed keys", () => {
    const allowed = `unknown setting; allowed keys here are ${SETTING_KEYS.join(", ")}`;
    expect(messages(settingsFromConfig({ "calico-lab:bogus": "1" }))).toEqual([`bogus = 1: ${allowed}`]);
    expect(messages({ scenario: "bird", Calico: { nodes: 3 } })).toEqual([`Calico = {"nodes":3}: ${allowed}`]);
  });
});

describe("every bad setting is reported in one pass", () => {
  it("refused values, unknown keys and checks across settings together, in Pulumi.yaml's order", () => {
    const text = (() => {
      try {
        loadLabConfig({
          bogus: 1,
          cni: { mtu: 100 },
          ipPools: [{ ...pool, blockSize: 19 }],
          bgp: { mode: "routeReflectors", routeReflectors: ["calico9"] },
          calico: { logLevel: "loud" },
        });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("expected a ConfigError");
    })();
    expect(text).toBe(
      [
        "5 lab settings are invalid:",
        `  - calico-lab:bogus = 1: unknown setting; allowed keys here are ${SETTING_KEYS.join(", ")}`,
        '  - calico-lab:calico.logLevel = "loud": allowed values are debug, info, warning, error',
        '  - calico-lab:bgp.routeReflectors[0] = "calico9": allowed are the lab\'s node names: calico1, calico2',
        "  - calico-lab:ipPools[0].blockSize = 19: allowed is 20 to 32 for an IPv4 pool",
        "  - calico-lab:cni.mtu = 100: allowed is 0 (derived from the underlay and the pools' encapsulation) or an integer from 576 to 9000",
      ].join("\n"),
    );
  });

  it("a check across settings is skipped when a setting it reads was refused, and runs when none was", () => {
    // calico.nodes refused: the names-list length check (which reads it) would only repeat the problem.
    expect(messages({ calico: { nodes: 0, names: ["a", "b", "c"] } })).toEqual(["calico.nodes = 0: allowed is an integer from 1 to 250"]);
    // A refused pool field skips the pool checks, while the route reflector check still runs.
    expect(
      messages({
        ipPools: [
          { ...pool, cidr: 7 },
          { ...pool, name: "p" },
        ],
        bgp: { mode: "routeReflectors", routeReflectors: ["x"] },
      }),
    ).toEqual([
      'bgp.routeReflectors[0] = "x": allowed are the lab\'s node names: calico1, calico2',
      "ipPools[0].cidr = 7: allowed is a CIDR such as 10.1.0.0/16",
    ]);
    // A refused group as a whole (a number for an object) stands in with its default for the other checks.
    expect(messages({ underlay: 5, scenario: "calico-vpp" })).toEqual([
      'substrate = "docker": scenario calico-vpp runs on kind',
      "underlay = 5: allowed is an object of settings",
    ]);
    // A list entry the defaults do not have (ipPools[3]) restores the whole list for the other checks.
    expect(
      messages({
        ipPools: [
          pool,
          { ...pool, name: "q", cidr: "10.2.0.0/16" },
          { ...pool, name: "r", cidr: "10.3.0.0/16" },
          { ...pool, name: "s", natOutgoing: "yes" },
        ],
        calico: { nodes: 300 },
      }),
    ).toEqual([
      "calico.nodes = 300: allowed is an integer from 1 to 250",
      'ipPools[3].natOutgoing = "yes": allowed values are true, false',
    ]);
  });

  it("setting paths overlap when one contains the other", () => {
    expect(pathsOverlap("calico", ["calico", "nodes"])).toBe(true);
    expect(pathsOverlap("ipPools", ["ipPools", 0, "cidr"])).toBe(true);
    expect(pathsOverlap("ipPools[0].cidr", ["ipPools", 0])).toBe(true);
    expect(pathsOverlap("calico.nodes", ["calico", "names", 0])).toBe(false);
    expect(pathsOverlap("bgp", ["calico"])).toBe(false);
  });
});

describe("the qemu substrate's settings", () => {
  const qemu = { substrate: "qemu", imageMode: "offline" };

  it("defaults: the tutorial lab on VMs of 2 vCPUs and 1 GiB, the fixed address plan", async () => {
    const config = loadLabConfig(qemu);
    expect(config.qemu).toEqual({ cpus: 2, memoryMiB: 1024 });
    expect(nodeNames(config)).toEqual(["calico1", "calico2"]);
    const { underlayPlanFor } = await import("../../core/config/plan");
    expect(underlayPlanFor(config)).toEqual({
      subnet: "192.168.4.0/24",
      gateway: "192.168.4.1",
      etcd: "192.168.4.4",
      apiserver: "192.168.4.3",
      nodes: ["192.168.4.5", "192.168.4.6"],
    });
  });

  it("refuses what its VMs cannot do: online images, a network with a route out, a bridge lab-vm.sh cannot make, bad sizes", () => {
    expect(messages({ substrate: "qemu", imageMode: "online" })).toEqual([
      'imageMode = "online": the qemu substrate\'s VMs reach no registry: their base image holds the offline images (npm run offline:vm-image); allowed are offline and auto (offline on qemu)',
    ]);
    expect(messages({ ...qemu, underlay: { cidr: "10.9.9.0/30", internal: false } })).toEqual([
      'underlay.cidr = "10.9.9.0/30": the qemu substrate\'s lab bridge takes an IPv4 network from /8 to /29',
      "underlay.internal = false: the qemu substrate's lab network is a bridge inside the lab's own network namespace, which has no route out; allowed is true",
      "calico.nodes = 2: underlay 10.9.9.0/30 has room for 0 Calico nodes (hosts .1 to .4 are the gateway and etcd); use a larger underlay or fewer nodes",
    ]);
    expect(messages({ ...qemu, qemu: { cpus: 0, memoryMiB: 256 } })).toEqual([
      "qemu.cpus = 0: allowed is an integer from 1 to 16",
      "qemu.memoryMiB = 256: allowed is an integer from 512 to 65536",
    ]);
    expect(messages({ ...qemu, qemu: { disk: 1 } })).toEqual(["qemu.disk = 1: unknown setting; allowed keys here are cpus, memoryMiB"]);
  });

  it("ssh settings belong to the ssh substrate", () => {
    expect(messages({ ...qemu, ssh: { etcdHost: "etcd" } })).toEqual([
      'ssh = {"hosts":[],"etcdHost":"etcd"}: ssh.hosts and ssh.etcdHost are settings of the ssh substrate, not qemu; leave them empty',
    ]);
  });
});

describe("the ssh substrate's settings", () => {
  const host = (name: string, address: string, extra: Record<string, unknown> = {}) => ({ name, address, ...extra });
  const tutorial = {
    substrate: "ssh",
    ssh: {
      etcdHost: "etcd",
      hosts: [
        host("etcd", "192.168.4.4"),
        host("calico1", "192.168.4.5", { user: "vagrant", port: 2222, privateKey: "~/.ssh/id" }),
        host("calico2", "192.168.4.6"),
      ],
    },
  };

  it("takes the Calico nodes from the hosts other than the etcd host; user, port and key default to root, 22 and the agent", async () => {
    const config = loadLabConfig(tutorial);
    expect(nodeNames(config)).toEqual(["calico1", "calico2"]);
    expect(config.ssh.hosts[0]).toEqual({ name: "etcd", address: "192.168.4.4", user: "root", port: 22, privateKey: "" });
    expect(config.ssh.hosts[1]).toEqual({ name: "calico1", address: "192.168.4.5", user: "vagrant", port: 2222, privateKey: "~/.ssh/id" });
    const { underlayPlanFor } = await import("../../core/config/plan");
    expect(underlayPlanFor(config)).toMatchObject({ etcd: "192.168.4.4", nodes: ["192.168.4.5", "192.168.4.6"] });
  });

  it("etcd may share a Calico node's machine (the etcd entry gives that machine's address)", async () => {
    const config = loadLabConfig({
      substrate: "ssh",
      calico: { nodes: 1 },
      ssh: { etcdHost: "etcd", hosts: [host("calico1", "192.168.4.5"), host("etcd", "192.168.4.5")] },
    });
    expect(nodeNames(config)).toEqual(["calico1"]);
    const { underlayPlanFor } = await import("../../core/config/plan");
    expect(underlayPlanFor(config)).toMatchObject({ etcd: "192.168.4.5", nodes: ["192.168.4.5"] });
  });

  it("refuses an empty host list, naming what it needs", () => {
    expect(messages({ substrate: "ssh" })).toEqual([
      "ssh.hosts = []: the ssh substrate needs its hosts: a list of {name, address, user, port, privateKey}, one for etcd (ssh.etcdHost) and one per Calico node",
    ]);
  });

  it("refuses bad host entries, each by its setting, value and what is allowed", () => {
    expect(
      messages({
        substrate: "ssh",
        ssh: {
          etcdHost: "etcd",
          hosts: [
            host("Etcd", "192.168.4.4"),
            host("c1", "192.168.4.300"),
            host("c2", "192.168.4.6", { user: "-oProxyCommand=x", port: 70000, privateKey: "id_rsa", bogus: 1 }),
          ],
        },
      }),
    ).toEqual([
      'ssh.hosts[0].name = "Etcd": allowed is a lowercase DNS label (a-z, 0-9, -)',
      'ssh.hosts[1].address = "192.168.4.300": allowed is an IPv4 address on the underlay, such as 192.168.4.5',
      `ssh.hosts[2].user = "-oProxyCommand=x": allowed is a user name (letters, digits, '.', '_', '-'; not starting with '-')`,
      "ssh.hosts[2].port = 70000: allowed is an integer from 1 to 65535",
      'ssh.hosts[2].privateKey = "id_rsa": allowed is the path of a private key file on this machine (absolute, or ~/...), or empty for the ssh agent',
      "ssh.hosts[2].bogus = 1: unknown setting; allowed keys here are name, address, user, port, privateKey",
    ]);
  });

  it("refuses duplicate names, addresses outside the underlay or shared by Calico nodes, and a missing etcd host", () => {
    expect(
      messages({
        substrate: "ssh",
        calico: { nodes: 3 },
        ssh: {
          etcdHost: "etcd",
          hosts: [
            host("etcd", "192.168.4.4"),
            host("c1", "192.168.4.5"),
            host("c1", "10.0.0.5"),
            host("c3", "192.168.4.5"),
            host("c4", "192.168.4.255"),
          ],
        },
      }),
    ).toEqual([
      'ssh.hosts[2].name = "c1": host names must be unique',
      'ssh.hosts[2].address = "10.0.0.5": allowed is a host address inside underlay.cidr 192.168.4.0/24 (the network the hosts share), not its network or broadcast address',
      'ssh.hosts[3].address = "192.168.4.5": c1 has this address already; Calico nodes need an address each (only ssh.etcdHost may share one, to run etcd beside calico-node)',
      'ssh.hosts[4].address = "192.168.4.255": allowed is a host address inside underlay.cidr 192.168.4.0/24 (the network the hosts share), not its network or broadcast address',
    ]);
    expect(messages({ ...tutorial, ssh: { ...tutorial.ssh, etcdHost: "etcd9" } })).toEqual([
      'ssh.etcdHost = "etcd9": allowed is the name of the host in ssh.hosts that runs etcd: one of etcd, calico1, calico2',
    ]);
    expect(messages({ substrate: "ssh", ssh: { etcdHost: "etcd", hosts: [host("etcd", "192.168.4.4")] } })).toEqual([
      'ssh.hosts = ["etcd"]: every host but ssh.etcdHost (etcd) is a Calico node: allowed is a list with at least one more host',
    ]);
  });

  it("no Calico node may be called etcd, the lab's name for its etcd node, on any substrate", () => {
    expect(messages({ calico: { names: ["calico1", "etcd"] } })).toEqual([
      "calico.names[1] = \"etcd\": etcd is the lab's name for its etcd node (it names that node's container or VM); allowed is any other DNS label",
    ]);
    expect(messages({ ...tutorial, ssh: { ...tutorial.ssh, etcdHost: "calico2" } })).toEqual([
      "ssh.hosts[0].name = \"etcd\": etcd is the lab's name for its etcd node (it names that node's container or VM); allowed is any other DNS label, or make it ssh.etcdHost",
    ]);
  });

  it("the Calico nodes come from the hosts: calico.nodes must count them, calico.names stays empty, route reflectors name hosts", () => {
    expect(messages({ ...tutorial, calico: { nodes: 3, names: ["a", "b", "c"] } })).toEqual([
      "calico.nodes = 3: on the ssh substrate the Calico nodes are the ssh.hosts other than ssh.etcdHost (calico1, calico2); allowed is 2",
      'calico.names = ["a","b","c"]: on the ssh substrate the Calico nodes are named after their ssh.hosts entries; allowed is []',
    ]);
    expect(messages({ ...tutorial, bgp: { mode: "routeReflectors", routeReflectors: ["etcd"] } })).toEqual([
      'bgp.routeReflectors[0] = "etcd": allowed are the lab\'s node names: calico1, calico2',
    ]);
  });
});

describe("etcd over TLS: settings", () => {
  it("defaults: off, certificates valid 365 days, no extra SANs", () => {
    expect(loadLabConfig({}).etcd).toEqual({ tls: false, certValidityDays: 365, extraSans: [] });
    expect(loadLabConfig({ etcd: { tls: true }, imageMode: "offline" }).etcd).toEqual({ tls: true, certValidityDays: 365, extraSans: [] });
  });

  it("refuses validity outside 1 to 3650 days and SANs that are neither IPv4 addresses nor DNS names", () => {
    expect(messages({ etcd: { certValidityDays: 0 } })).toEqual(["etcd.certValidityDays = 0: allowed is an integer from 1 to 3650"]);
    expect(messages({ etcd: { certValidityDays: 3651 } })).toEqual(["etcd.certValidityDays = 3651: allowed is an integer from 1 to 3650"]);
    expect(messages({ etcd: { extraSans: ["ok.example", "Not_A_Name", "10.0.0.256"] } })).toEqual([
      'etcd.extraSans[1] = "Not_A_Name": allowed is an IPv4 address or a lowercase DNS name, such as 10.0.0.4 or etcd.lab.example',
      'etcd.extraSans[2] = "10.0.0.256": allowed is an IPv4 address or a lowercase DNS name, such as 10.0.0.4 or etcd.lab.example',
    ]);
    expect(messages({ etcd: { tls: "yes" } })).toEqual(['etcd.tls = "yes": allowed values are true, false']);
  });

  it("tls only with scenario bird, and only with an etcd image that runs scripts (the official one has no openssl)", () => {
    expect(messages({ scenario: "kdd", imageMode: "offline", etcd: { tls: true } })).toEqual([
      "etcd.tls = true: TLS for etcd is built for scenario bird only (kdd's etcd serves its kube-apiserver in plain HTTP; kind runs its own etcd); allowed with scenario kdd is false",
    ]);
    expect(messages({ imageMode: "online", etcd: { tls: true } })).toEqual([
      "etcd.tls = true: the certificates are made with openssl inside the etcd node, and the etcd image of imageMode online runs no scripts (artifacts.online.etcdRunsScripts is false; the official etcd image has no openssl); allowed is false: set imageMode offline or auto (after npm run offline:build)",
    ]);
    // The image set decides, not the mode's name: an offline set whose etcd runs no scripts is refused as well.
    expect(DEFAULTS.artifacts.online.etcdRunsScripts).toBe(false);
    expect(DEFAULTS.artifacts.offline.etcdRunsScripts).toBe(true);
    expect(messages({ imageMode: "offline", artifacts: { offline: { etcdRunsScripts: false } }, etcd: { tls: true } })).toEqual([
      "etcd.tls = true: the certificates are made with openssl inside the etcd node, and the etcd image of imageMode offline runs no scripts (artifacts.offline.etcdRunsScripts is false; the official etcd image has no openssl); allowed is false: set imageMode offline or auto (after npm run offline:build)",
    ]);
    expect(() =>
      loadLabConfig({ imageMode: "online", artifacts: { online: { etcdRunsScripts: true } }, etcd: { tls: true } }),
    ).not.toThrow();
    for (const substrate of ["docker", "qemu", "ssh"]) {
      expect(() => loadLabConfig({ substrate, imageMode: "offline", etcd: { tls: true } })).not.toThrow(/etcd\.tls/);
    }
  });
});
