import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CAPTURE_SECONDS, captureSeconds, parseInterfaces, tcpdumpArgv } from "../../core/capture";
import { noLabMessage, unknownInterfaceMessage, unknownNodeMessage, unreachableNodeMessage } from "../../core/lab-messages";
import { ipv4Packets, LINKTYPE, parsePcap } from "../../core/parsers/pcap";
import { netnsToolFor } from "../../core/transports/access";

const TCPDUMP = { image: "calico-lab/tcpdump:bookworm", command: "tcpdump" };

describe("lab:capture's pieces", () => {
  it("seconds: default 10, 1 to 300 allowed, anything else named with what is allowed", () => {
    expect(captureSeconds(undefined)).toBe(CAPTURE_SECONDS.default);
    expect(captureSeconds("1")).toBe(1);
    expect(captureSeconds("300")).toBe(300);
    for (const bad of ["0", "301", "2.5", "-3", "ten", ""]) {
      expect(() => captureSeconds(bad)).toThrow(`seconds = "${bad}": a whole number of seconds from 1 to 300 is allowed`);
    }
  });

  it("interfaces from `ip -o link show`, without their peer suffix", () => {
    const output = [
      "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
      "2: tunl0@NONE: <NOARP> mtu 1480 qdisc noop state DOWN mode DEFAULT group default qlen 1000\\    link/ipip 0.0.0.0 brd 0.0.0.0",
      "5: cali8d1a2b3c4d5@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netns calico1-wl1",
      "61: eth0@if62: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether 02:42:c0:a8:04:05 brd ff:ff:ff:ff:ff:ff link-netnsid 0",
      "",
    ].join("\n");
    expect(parseInterfaces(output)).toEqual(["lo", "tunl0", "cali8d1a2b3c4d5", "eth0"]);
  });

  it("tcpdump writes pcap to stdout, unbuffered, stopped by SIGINT after the seconds", () => {
    expect(tcpdumpArgv("eth0", 10)).toEqual(["timeout", "-s", "INT", "10", "tcpdump", "-i", "eth0", "-n", "-U", "-w", "-"]);
    expect(tcpdumpArgv("any", 5, ["icmp"])).toEqual(["timeout", "-s", "INT", "5", "tcpdump", "-i", "any", "-n", "-U", "-w", "-", "icmp"]);
  });

  it("a Docker node: the helper image runs in the node's network namespace, never pulled, a missing image named", () => {
    expect(netnsToolFor({ transport: "docker", container: "calicolab-bird-calico1" }, TCPDUMP, ["tcpdump", "-i", "eth0"])).toBe(
      [
        "docker image inspect calico-lab/tcpdump:bookworm >/dev/null 2>&1 || { echo 'no image calico-lab/tcpdump:bookworm on this Docker engine: build it with npm run offline:build' >&2; exit 3; }",
        "docker run --rm --pull never --network container:calicolab-bird-calico1 --cap-add NET_RAW --cap-add NET_ADMIN --label calico-lab.helper-of=calicolab-bird-calico1 calico-lab/tcpdump:bookworm tcpdump -i eth0",
      ].join("\n"),
    );
  });

  it("a node on a VM or host: the machine's own tool over ssh (sudo for a user other than root), a missing tool named", () => {
    const target = { lab: "lab1", host: "calico1", address: "192.168.4.5", port: 22, keyPath: "/k", netns: "calicolab-lab1" };
    const vm = netnsToolFor({ transport: "ssh", container: "lab-calico1", user: "root", ...target }, TCPDUMP, ["tcpdump", "-i", "eth0"]);
    expect(vm).toMatch(/^ip netns exec calicolab-lab1 ssh -i \/k -p 22 -o BatchMode=yes .* root@192\.168\.4\.5 /);
    expect(
      vm.endsWith(
        String.raw` 'command -v tcpdump >/dev/null 2>&1 || { echo '\''calico-lab: calico1 (192.168.4.5) has no tcpdump: install it there (apt-get install tcpdump)'\'' >&2; exit 3; }; tcpdump -i eth0' </dev/null`,
      ),
      vm,
    ).toBe(true);
    const host = netnsToolFor({ transport: "ssh", container: "lab-calico1", user: "vagrant", ...target }, TCPDUMP, [
      "tcpdump",
      "-i",
      "eth0",
    ]);
    expect(host).toContain("; sudo -n tcpdump -i eth0' </dev/null");
  });
});

/** A pcap file as tcpdump writes it (little-endian, microseconds) with the given link type and packets. */
function pcapFile(linkType: number, packets: Buffer[], magic = 0xa1b2c3d4): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(magic, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(linkType, 20);
  const records = packets.map((data, i) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1700000000 + i, 0);
    record.writeUInt32LE(500000, 4);
    record.writeUInt32LE(data.length, 8);
    record.writeUInt32LE(data.length, 12);
    return Buffer.concat([record, data]);
  });
  return Buffer.concat([header, ...records]);
}

/** An IPv4 header (20 bytes) of `protocol` from one address to another. */
function ipv4(protocol: number, source: number[], destination: number[]): Buffer {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip[9] = protocol;
  Buffer.from(source).copy(ip, 12);
  Buffer.from(destination).copy(ip, 16);
  return ip;
}

const ethernet = (etherType: number, payload: Buffer) => {
  const frame = Buffer.alloc(14);
  frame.writeUInt16BE(etherType, 12);
  return Buffer.concat([frame, payload]);
};

describe("pcap reader", () => {
  it("Ethernet: ICMP and TCP packets with their addresses; ARP left out; times with microseconds", () => {
    const file = pcapFile(LINKTYPE.ethernet, [
      ethernet(0x0800, ipv4(1, [10, 1, 127, 193], [10, 1, 86, 65])),
      ethernet(0x0806, Buffer.alloc(28)),
      ethernet(0x0800, ipv4(6, [192, 168, 4, 5], [192, 168, 4, 6])),
    ]);
    const pcap = parsePcap(file);
    expect(pcap.linkType).toBe(1);
    expect(pcap.snapLength).toBe(262144);
    expect(pcap.packets.map((p) => p.time)).toEqual([1700000000.5, 1700000001.5, 1700000002.5]);
    expect(ipv4Packets(pcap)).toEqual([
      { protocol: 1, source: "10.1.127.193", destination: "10.1.86.65" },
      { protocol: 6, source: "192.168.4.5", destination: "192.168.4.6" },
    ]);
  });

  it("IPIP (protocol 4): the outer addresses and the packet it carries; a truncated inner header is left out", () => {
    const tunnelled = ethernet(
      0x0800,
      Buffer.concat([ipv4(4, [192, 168, 4, 5], [192, 168, 4, 6]), ipv4(1, [10, 1, 0, 1], [10, 1, 0, 65])]),
    );
    const cut = ethernet(0x0800, Buffer.concat([ipv4(4, [192, 168, 4, 6], [192, 168, 4, 5]), Buffer.alloc(8)]));
    expect(ipv4Packets(parsePcap(pcapFile(LINKTYPE.ethernet, [tunnelled, cut])))).toEqual([
      {
        protocol: 4,
        source: "192.168.4.5",
        destination: "192.168.4.6",
        inner: { protocol: 1, source: "10.1.0.1", destination: "10.1.0.65" },
      },
      { protocol: 4, source: "192.168.4.6", destination: "192.168.4.5" },
    ]);
  });

  it("Linux cooked captures (interface any): v1 and v2", () => {
    const sll = Buffer.concat([
      Buffer.from([0, 0, 0, 1, 0, 6, 2, 66, 192, 168, 4, 5, 0, 0, 0x08, 0x00]),
      ipv4(1, [10, 1, 0, 1], [10, 1, 0, 2]),
    ]);
    expect(ipv4Packets(parsePcap(pcapFile(LINKTYPE.linuxSll, [sll])))).toEqual([
      { protocol: 1, source: "10.1.0.1", destination: "10.1.0.2" },
    ]);
    const sll2 = Buffer.concat([
      Buffer.from([0x08, 0x00, 0, 0, 0, 0, 0, 5, 0, 1, 0, 6, 2, 66, 192, 168, 4, 5, 0, 0]),
      ipv4(17, [10, 1, 0, 3], [10, 1, 0, 4]),
    ]);
    expect(ipv4Packets(parsePcap(pcapFile(LINKTYPE.linuxSll2, [sll2])))).toEqual([
      { protocol: 17, source: "10.1.0.3", destination: "10.1.0.4" },
    ]);
  });

  it("big-endian and nanosecond files; a partial last record is left out; not a pcap is said", () => {
    const le = pcapFile(LINKTYPE.raw, [ipv4(1, [1, 2, 3, 4], [5, 6, 7, 8])], 0xa1b23c4d);
    expect(parsePcap(le).packets[0]?.time).toBeCloseTo(1700000000.0005, 6);
    const be = Buffer.alloc(24);
    be.writeUInt32BE(0xa1b2c3d4, 0);
    be.writeUInt32BE(1, 20);
    expect(parsePcap(be)).toEqual({ linkType: 1, snapLength: 0, packets: [] });
    expect(parsePcap(le.subarray(0, le.length - 3)).packets).toEqual([]);
    expect(() => parsePcap(Buffer.from("hello world, no pcap at all"))).toThrow("not a pcap file: magic 0x68656c6c");
    expect(() => parsePcap(Buffer.alloc(3))).toThrow("not a pcap file: 3 bytes, shorter than its 24-byte header");
  });
});

describe("what the lab commands say when they cannot", () => {
  it("the messages", () => {
    expect(noLabMessage("bird")).toBe("no lab in stack bird: it has no outputs; bring it up with npm run lab:up -- bird");
    expect(unknownNodeMessage("bird", "calico9", ["calico1", "calico2"])).toBe(
      "no node calico9 in stack bird; its nodes: calico1, calico2",
    );
    expect(unreachableNodeMessage("bird-qemu", "calico1")).toBe(
      "node calico1 in stack bird-qemu: the stack's outputs do not say how to reach it (its substrate exports no access)",
    );
    expect(unknownInterfaceMessage("calico1", "eth9", ["lo", "eth0"])).toBe(
      "no interface eth9 on node calico1; its interfaces: lo, eth0 (or any)",
    );
  });

  const dir = mkdtempSync(join(tmpdir(), "calico-lab-commands-"));
  const empty = join(dir, "empty.json");
  const lab = join(dir, "lab.json");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(empty, "{}");
  writeFileSync(
    lab,
    JSON.stringify({
      nodes: [
        { name: "calico1", workloads: [], access: { transport: "docker", container: "calicolab-unit-calico1" } },
        { name: "calico2", workloads: [] },
      ],
      bgpTopology: { expected: { nodes: [], sessions: [] } },
    }),
  );
  const run = (script: string, ...args: string[]) => {
    const result = spawnSync("npx", ["ts-node", "--transpile-only", `scripts/status/${script}.ts`, ...args], { encoding: "utf8" });
    return { code: result.status, stderr: result.stderr.trim() };
  };

  it.each([
    ["lab-status", ["--outputs", empty]],
    ["lab-graph", ["--outputs", empty]],
    ["lab-exec", ["--outputs", empty, "calico1", "true"]],
    ["lab-capture", ["--outputs", empty, "calico1", "eth0"]],
  ])("%s without a lab: exit 2, no lab in the stack", (script, args) => {
    expect(run(script, ...args)).toEqual({ code: 2, stderr: noLabMessage("bird") });
  });

  it.each([
    ["lab-exec", ["--stack", "mine", "--outputs", lab, "calico9", "true"]],
    ["lab-capture", ["--stack", "mine", "--outputs", lab, "calico9", "eth0"]],
  ])("%s on a node the lab does not have: exit 2, its nodes listed", (script, args) => {
    expect(run(script, ...args)).toEqual({ code: 2, stderr: unknownNodeMessage("mine", "calico9", ["calico1", "calico2"]) });
  });

  it("lab-capture: a node without access, and seconds out of range, before anything runs", () => {
    expect(run("lab-capture", "--outputs", lab, "calico2", "eth0")).toEqual({ code: 2, stderr: unreachableNodeMessage("bird", "calico2") });
    expect(run("lab-capture", "--outputs", lab, "calico1", "eth0", "0")).toEqual({
      code: 2,
      stderr: 'seconds = "0": a whole number of seconds from 1 to 300 is allowed',
    });
  });
});
