import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { HOST_STATE_DIR, hostStateRestoreScript, hostStateSaveScript, PROC_NET, SYS_CLASS_NET } from "../../core/substrates/ssh/host-state";

// The host-state scripts run under sh against stand-ins first on PATH for ip, sysctl, iptables-*, ipset and
// modprobe: each records its argv and answers from files under $HOST (what the host holds), so a test
// sets a host up, runs a script, and reads what was asked of the host. The folder of pictures is moved
// under the test's own folder.
const dir = mkdtempSync(join(tmpdir(), "calico-lab-host-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, "bin");
const host = join(dir, "host");
const log = join(dir, "log");
const states = join(dir, "states");
mkdirSync(bin);

function standIn(name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${log}\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}
// sysctl -n KEY reads $HOST/sysctl/KEY; $HOST/links stands for /sys/class/net (a folder per device, with its mtu).
standIn("sysctl", `[ "$1" = -n ] && exec cat "$HOST/sysctl/$2"; exit 0`);
standIn(
  "ip",
  `case "$*" in
  "-o link show dev tunl0") echo "5: tunl0@NONE: <NOARP\${TUNL0_UP:+,UP}> mtu 1480 qdisc noop state DOWN" ;;
  "-o link show") for l in $(ls "$HOST/links"); do echo "7: $l@if2: <BROADCAST,UP> mtu 1500"; done ;;
  "-o -4 addr show dev tunl0") echo "5: tunl0    inet 172.16.0.1/32 scope global tunl0" ;;
  "link del "*) rm -rf "$HOST/links/$3" ;;
esac`,
);
for (const tool of ["iptables-legacy", "iptables-nft", "ip6tables-legacy", "ip6tables-nft"])
  standIn(tool, `if [ "$4" = -S ]; then [ ! -f "$HOST/${tool}-$3" ] || /bin/cat "$HOST/${tool}-$3"; else exit \${FAIL_IPTABLES:-0}; fi`);
standIn("ipset", `[ "$1 $2" = "list -n" ] && printf 'cali40all-ipam-pools\\ncali40this-host\\nusers-own\\n'; exit 0`);
standIn("modprobe", "exit 0");
/** The vxlan module is this machine's own (built in here): the picture says so when it is there. */
const vxlanLoaded = existsSync("/sys/module/vxlan") ? ["module vxlan"] : [];

function run(script: string, env: Record<string, string> = {}) {
  const result = spawnSync(
    "/bin/sh",
    [
      "-c",
      script.replaceAll(HOST_STATE_DIR, states).replaceAll(SYS_CLASS_NET, join(host, "links")).replaceAll(PROC_NET, join(host, "procnet")),
    ],
    {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, HOST: host, ...env },
    },
  );
  const logged = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  return { code: result.status, stderr: result.stderr, logged };
}

/** The host's devices, sysctls and loaded legacy iptables tables (IPv4). */
function hostHas(links: string[], sysctls: Record<string, string>, legacyTables: string[] = []): void {
  mkdirSync(join(host, "links"), { recursive: true });
  mkdirSync(join(host, "procnet"), { recursive: true });
  writeFileSync(join(host, "procnet", "ip_tables_names"), legacyTables.map((t) => `${t}\n`).join(""));
  mkdirSync(join(host, "sysctl"), { recursive: true });
  for (const link of links) {
    mkdirSync(join(host, "links", link), { recursive: true });
    writeFileSync(join(host, "links", link, "mtu"), "1480\n");
  }
  for (const [key, value] of Object.entries(sysctls)) writeFileSync(join(host, "sysctl", key), `${value}\n`);
}

const BEFORE = { "net.ipv4.ip_forward": "0", "net.ipv4.conf.all.rp_filter": "1", "net.ipv4.conf.default.rp_filter": "1" };
const picture = join(states, "lab-calico1", "before");

beforeEach(() => {
  for (const path of [log, host, states]) rmSync(path, { recursive: true, force: true });
});

describe("the picture of a host, saved before a Calico node first starts there", () => {
  it("holds the sysctls the lab and Felix set, the tunnel devices there, tunl0's addresses, MTU and state", () => {
    hostHas(["eth0", "tunl0"], BEFORE, ["filter"]);
    const saved = run(hostStateSaveScript("lab-calico1"), { TUNL0_UP: "1" });
    expect(saved.code, saved.stderr).toBe(0);
    // net.ipv6.conf.all.forwarding is missing on this host (IPv6 off): left out, not an error
    expect(readFileSync(picture, "utf8").trim().split("\n")).toEqual([
      "sysctl net.ipv4.conf.all.rp_filter=1",
      "sysctl net.ipv4.conf.default.rp_filter=1",
      "sysctl net.ipv4.ip_forward=0",
      "device tunl0",
      "tunl0 mtu 1480",
      "tunl0 up",
      "tunl0 addr 172.16.0.1/32",
      ...vxlanLoaded,
      // the legacy iptables tables loaded (from /proc/net/ip_tables_names: listing one would load it)
      "legacy ip filter",
    ]);
  });

  it("is taken once: a later up (the node's container replaced) keeps the first picture", () => {
    hostHas([], BEFORE);
    expect(run(hostStateSaveScript("lab-calico1")).code).toBe(0);
    writeFileSync(join(host, "sysctl", "net.ipv4.ip_forward"), "1\n");
    expect(run(hostStateSaveScript("lab-calico1")).code).toBe(0);
    expect(readFileSync(picture, "utf8")).toContain("sysctl net.ipv4.ip_forward=0\n");
    // devices are looked for in sysfs: `ip link show dev tunl0` as root would load ipip and make tunl0
    expect(readFileSync(log, "utf8")).not.toContain("tunl0");
  });
});

const FILTER = [
  "-P INPUT ACCEPT",
  "-P FORWARD DROP",
  "-N DOCKER-USER",
  "-N cali-FORWARD",
  "-N cali-from-wl-dispatch",
  "-A INPUT -m comment --comment cali:Cz_u1IQiXIMmKD4c -j cali-INPUT",
  '-A FORWARD -m comment --comment "cali:vjrMJCRpqwy5oRoX" -j cali-FORWARD',
  '-A FORWARD -m comment --comment cali:S93hcgKJrXEqnTfs -m comment --comment "Policy explicitly accepted packet." -m mark --mark 0x10000/0x10000 -j ACCEPT',
  "-A FORWARD -j DOCKER-USER",
  "-A FORWARD -s 10.9.0.0/16 -m comment --comment calico-like-but-not -j ACCEPT",
  "-A cali-FORWARD -j cali-from-wl-dispatch",
].join("\n");

describe("putting a host back after its Calico node's container is gone", () => {
  function labRan(): void {
    hostHas(["eth0"], BEFORE);
    expect(run(hostStateSaveScript("lab-calico1")).code).toBe(0);
    rmSync(log);
    // Felix used legacy iptables too here: the filter and nat tables are loaded now
    hostHas(["cali1234abcd", "vxlan.calico", "tunl0"], { "net.ipv4.ip_forward": "1" }, ["filter", "nat"]);
    writeFileSync(join(host, "iptables-nft-filter"), FILTER);
  }

  it("removes Felix's rules from the built-in chains and then its chains, in every iptables it finds; other rules stay", () => {
    labRan();
    const result = run(hostStateRestoreScript("lab-calico1"));
    expect(result.code, result.stderr).toBe(0);
    const nft = result.logged.filter((l) => l.startsWith("iptables-nft -w -t filter") && !l.endsWith(" -S"));
    expect(nft).toEqual([
      "iptables-nft -w -t filter -D INPUT -m comment --comment cali:Cz_u1IQiXIMmKD4c -j cali-INPUT",
      "iptables-nft -w -t filter -D FORWARD -m comment --comment cali:vjrMJCRpqwy5oRoX -j cali-FORWARD",
      "iptables-nft -w -t filter -D FORWARD -m comment --comment cali:S93hcgKJrXEqnTfs -m comment --comment Policy explicitly accepted packet. -m mark --mark 0x10000/0x10000 -j ACCEPT",
      "iptables-nft -w -t filter -F cali-FORWARD",
      "iptables-nft -w -t filter -F cali-from-wl-dispatch",
      "iptables-nft -w -t filter -X cali-FORWARD",
      "iptables-nft -w -t filter -X cali-from-wl-dispatch",
    ]);
    // every nft table is read, and the legacy tables loaded (listing another would load it); the empty ones are left alone
    for (const tool of ["iptables-nft", "ip6tables-nft"])
      for (const table of ["raw", "mangle", "nat", "filter"]) expect(result.logged).toContain(`${tool} -w -t ${table} -S`);
    expect(result.logged.filter((l) => l.startsWith("iptables-legacy") || l.startsWith("ip6tables-legacy"))).toEqual([
      "iptables-legacy -w -t filter -S",
      "iptables-legacy -w -t nat -S",
    ]);
    expect(result.logged.filter((l) => / -[DFX] /.test(l) && !l.startsWith("iptables-nft -w -t filter"))).toEqual([]);
  });

  it("removes Calico's ipsets, routes, veths and the tunnel devices it made, puts the sysctls back and deletes the picture", () => {
    labRan();
    const result = run(hostStateRestoreScript("lab-calico1"));
    expect(result.code, result.stderr).toBe(0);
    const rest = result.logged.filter((l) => !/^ip6?tables-/.test(l));
    expect(rest).toEqual([
      // the legacy tables Felix's use loaded go with their modules
      "modprobe -r iptable_filter",
      "modprobe -r iptable_nat",
      "ipset list -n",
      "ipset destroy cali40all-ipam-pools",
      "ipset destroy cali40this-host",
      "ip -4 route flush proto bird",
      "ip -6 route flush proto bird",
      "ip -4 route flush proto 80",
      "ip -6 route flush proto 80",
      "ip -o link show",
      "ip link del cali1234abcd",
      "ip link del vxlan.calico",
      // tunl0 was not there before: it goes with the ipip module (it cannot be deleted)
      "modprobe -r ipip",
      "sysctl -qw net.ipv4.conf.all.rp_filter=1",
      "sysctl -qw net.ipv4.conf.default.rp_filter=1",
      "sysctl -qw net.ipv4.ip_forward=0",
    ]);
    expect(existsSync(join(states, "lab-calico1"))).toBe(false);
  });

  it("a tunl0 and a vxlan.calico the host had stay, tunl0 with its own addresses, MTU and state", () => {
    hostHas(["eth0", "tunl0", "vxlan.calico"], BEFORE);
    expect(run(hostStateSaveScript("lab-calico1")).code).toBe(0);
    rmSync(log);
    const result = run(hostStateRestoreScript("lab-calico1"));
    expect(result.code, result.stderr).toBe(0);
    const devices = result.logged.filter((l) => /^(ip (link|addr)|modprobe)/.test(l));
    expect(devices).toEqual([
      "ip addr flush dev tunl0",
      "ip addr add 172.16.0.1/32 dev tunl0",
      "ip link set tunl0 mtu 1480",
      "ip link set tunl0 down",
    ]);
  });

  it("goes on past a part that fails, then fails saying the picture stays; a host with no picture only loses Calico's traces", () => {
    labRan();
    const failing = run(hostStateRestoreScript("lab-calico1"), { FAIL_IPTABLES: "1" });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain(
      `calico-lab: some of the host's state could not be put back; the picture stays in ${states}/lab-calico1`,
    );
    expect(failing.logged).toContain("sysctl -qw net.ipv4.ip_forward=0");
    expect(existsSync(picture)).toBe(true);
    rmSync(states, { recursive: true });
    rmSync(log);
    hostHas(["vxlan.calico"], {});
    const unknown = run(hostStateRestoreScript("lab-calico1"));
    expect(unknown.code, unknown.stderr).toBe(0);
    expect(unknown.logged).toContain("ip link del vxlan.calico");
    expect(unknown.logged.filter((l) => l.startsWith("sysctl") || l.startsWith("modprobe"))).toEqual([]);
  });
});
