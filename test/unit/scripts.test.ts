import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../core/config/defaults";
import { labNameFor, manifestPathFor } from "../../core/config/keys";
import { dataplaneReadyScript, sessionsEstablishedScript, workloadAddScript, workloadDelScript } from "../../core/node-scripts";
import { calicoNodeReadySeconds, pollSecondsFor, untilPasses } from "../../core/settle";
import { labLabels } from "../../core/node-runtime";
import { birdNodeRuntime, etcdRuntime } from "../../core/scenarios/bird";
import { shellQuote } from "../../core/shell";
import { dockerNetworkCreateArgv, dockerRunArgv } from "../../core/substrates/docker/argv";
import { allowIntraBridgeScript, bridgeInterface, removeIntraBridgeScript } from "../../core/substrates/docker/bridge-forwarding";
import { containerSpecFor } from "../../core/substrates/docker/container-spec";
import { toolCacheDir, toolFetchScript, toolInstallScript } from "../../core/tools";
import { dockerShell } from "../../core/transports/docker";

const node = containerSpecFor(
  birdNodeRuntime({
    nodeName: "calico1",
    image: "calico-lab/node:test",
    address: "192.168.4.5",
    asNumber: 64512,
    etcdEndpoints: "http://192.168.4.4:2379",
    logLevel: "info",
  }),
  { containerName: "calicolab-t-calico1", network: "calicolab-t-underlay-net", labels: labLabels("calicolab-t", "t", "calico-node") },
);

describe("docker run for a Calico node", () => {
  it("adds capabilities one by one and never asks for --privileged", () => {
    const argv = dockerRunArgv(node);
    expect(argv).not.toContain("--privileged");
    expect(argv.join(" ")).toContain("--cap-add NET_ADMIN --cap-add NET_RAW --cap-add SYS_ADMIN");
    expect(argv.join(" ")).toContain("--security-opt apparmor=unconfined --sysctl");
    expect(argv.join(" ")).toContain("--sysctl net.ipv4.conf.all.rp_filter=0");
    expect(argv.slice(0, 12)).toEqual([
      "docker",
      "run",
      "--detach",
      "--name",
      "calicolab-t-calico1",
      "--hostname",
      "calico1",
      "--network",
      "calicolab-t-underlay-net",
      "--ip",
      "192.168.4.5",
      "--label",
    ]);
    expect(argv).toContain("NODENAME=calico1");
    expect(argv.slice(argv.indexOf("calico-lab/node:test") + 1)).toEqual([
      "/bin/sh",
      "-c",
      'mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net && exec "$@"',
      "calico-lab-node",
      "start_runit",
    ]);
  });

  it("leaves /proc/sys read-only and the default seccomp profile on: only /proc/sys/net is made writable, inside the node", () => {
    const argv = dockerRunArgv(node);
    const opts = argv.flatMap((arg, i) => (argv[i - 1] === "--security-opt" ? [arg] : []));
    expect(opts).toEqual(["apparmor=unconfined"]);
    expect(argv.join(" ")).not.toMatch(/systempaths|seccomp|--privileged/);
  });

  it("starts a Calico node again when it exits failing (its startup on a datastore too busy to answer), not etcd", () => {
    const argv = dockerRunArgv(node);
    expect(argv.slice(argv.indexOf("--restart"), argv.indexOf("--restart") + 3)).toEqual([
      "--restart",
      "on-failure",
      "calico-lab/node:test",
    ]);
    const etcd = containerSpecFor(etcdRuntime({ name: "e", image: "etcd:x", address: "192.168.4.4" }), {
      containerName: "e",
      network: "n",
      labels: {},
    });
    expect(dockerRunArgv(etcd)).not.toContain("--restart");
  });

  it("labels everything with lab, stack and role", () => {
    expect(dockerRunArgv(node).filter((_, i, a) => a[i - 1] === "--label")).toEqual([
      "calico-lab.lab=calicolab-t",
      "calico-lab.role=calico-node",
      "calico-lab.stack=t",
    ]);
  });

  it("runs etcd with its advertise URL on the underlay", () => {
    const etcd = containerSpecFor(etcdRuntime({ name: "e", image: "etcd:x", address: "192.168.4.4" }), {
      containerName: "e",
      network: "n",
      labels: {},
    });
    expect(etcd.capAdd).toEqual([]);
    expect(dockerRunArgv(etcd).slice(-6)).toEqual([
      "etcd:x",
      "etcd",
      "--name=e",
      "--data-dir=/var/lib/etcd/data",
      "--advertise-client-urls=http://192.168.4.4:2379",
      "--listen-client-urls=http://0.0.0.0:2379",
    ]);
  });

  it("creates an internal network only when asked", () => {
    const spec = { name: "n", subnet: "192.168.4.0/24", gateway: "192.168.4.1", internal: true, labels: { a: "b" } };
    expect(dockerNetworkCreateArgv(spec)).toEqual([
      "docker",
      "network",
      "create",
      "--driver",
      "bridge",
      "--subnet",
      "192.168.4.0/24",
      "--gateway",
      "192.168.4.1",
      "--internal",
      "--label",
      "a=b",
      "n",
    ]);
    expect(dockerNetworkCreateArgv({ ...spec, internal: false })).not.toContain("--internal");
  });
});

describe("tool scripts", () => {
  it("verify downloads against the release's checksum file, naming the file, the expected and the actual digest", () => {
    const online = toolFetchScript("calicoctl", DEFAULTS.artifacts.online.tools.calicoctl, "/c", "/m.json");
    const release = "https://github.com/projectcalico/calico/releases/download/v3.28.5";
    expect(online).toBe(
      [
        "set -euo pipefail",
        `dir=${toolCacheDir("/c", "calicoctl", DEFAULTS.artifacts.online.tools.calicoctl)}`,
        'if [ ! -f "$dir/SHA256SUMS" ]; then',
        `  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT`,
        '  files="$work/files"; mkdir -p "$files"',
        `  url=${release}/calicoctl-linux-amd64`,
        "  base=calicoctl-linux-amd64",
        '  curl -fsSL -o "$work/$base" "$url" || { echo "tool calicoctl: cannot download $url" >&2; exit 1; }',
        `  from=${release}/SHA256SUMS`,
        '  sums=$(curl -fsSL "$from") || { echo "tool calicoctl: cannot download the checksum file $from" >&2; exit 1; }',
        `  expected=$(printf '%s\\n' "$sums" | awk -v f="$base" '$2 == f || $2 == "*" f || $2 == "./" f || NF == 1 { print tolower($1); exit }')`,
        '  [ -n "$expected" ] || { echo "tool calicoctl: the checksum file $from lists no sha256 for $base" >&2; exit 1; }',
        `  actual=$(sha256sum "$work/$base" | cut -d ' ' -f 1)`,
        '  [ "$actual" = "$expected" ] || { echo "tool calicoctl: refusing $base from $url: its sha256 is $actual, but $from says $expected" >&2; exit 1; }',
        '  install -m 0755 "$work/$base" "$files/calicoctl"',
        '  (cd "$files" && sha256sum -- * > ../SHA256SUMS)',
        '  mkdir -p "$(dirname "$dir")"; rm -rf "$dir"; mv "$work" "$dir"; trap - EXIT',
        "fi",
        'cat "$dir/SHA256SUMS"',
      ].join("\n"),
    );
  });

  it("take a pinned sha256 over the checksum file, which they then do not read", () => {
    const pinned = toolFetchScript(
      "calicoctl",
      {
        kind: "url",
        url: "https://example.invalid/calicoctl-linux-amd64",
        sha256: "a".repeat(64),
        checksumUrl: "https://example.invalid/SHA256SUMS",
      },
      "/c",
      "/m.json",
    );
    expect(pinned).toContain(`\n  expected=${"a".repeat(64)}\n  from='the sha256 pinned in the calicoctl tool source'\n`);
    expect(pinned).not.toContain("example.invalid/SHA256SUMS");
    const offline = toolFetchScript("cnitool", { kind: "manifest", artifact: "cnitool" }, "/c", "/m.json");
    expect(offline).toContain("manifest=/m.json");
    expect(offline).toContain("run npm run offline:build");
  });

  // What a node runs to check a tool's files against the host's sums; `quiet` its output redirection.
  const sumsCheck = (quiet: string) => [
    "cd /usr/local/bin && if command -v openssl >/dev/null 2>&1; then",
    "  sums=$(cat)",
    '  [ -n "$sums" ] || { echo "no sums to check" >&2; exit 1; }',
    `  got=$(openssl dgst -sha256 -r $(printf '%s\\n' "$sums" | cut -d' ' -f3-) 2>/dev/null | sed 's/ \\*/  /')`,
    '  [ "$got" = "$sums" ] || {',
    `    printf '%s\\n' "$sums" | while read -r sum file; do`,
    `      printf '%s\\n' "$got" | grep -xF "$sum  $file" >/dev/null || echo "$file: FAILED" >&2`,
    "    done",
    "    exit 1",
    "  }",
    `else sha256sum -c --quiet -; fi ${quiet}<<'CALICO_LAB_EOF'`,
  ];
  it("keep each source's files apart and check them again inside every node", () => {
    const a = toolCacheDir("/c", "cnitool", { kind: "go", module: "m", version: "v1" });
    const b = toolCacheDir("/c", "cnitool", { kind: "go", module: "m", version: "v2" });
    expect(a).not.toBe(b);
    expect(toolInstallScript(dockerShell("n1"), [{ name: "cnitool", cacheDir: a, sums: "0123  cnitool\n" }])).toBe(
      [
        "set -euo pipefail",
        "missing=$(",
        "docker exec -i n1 sh -s <<'CALICO_LAB_NODE_SCRIPT'",
        "(",
        ...sumsCheck(">/dev/null 2>&1 "),
        "0123  cnitool",
        "CALICO_LAB_EOF",
        ") || echo cnitool",
        "CALICO_LAB_NODE_SCRIPT",
        ")",
        "if ! printf '%s\\n' \"$missing\" | grep -x cnitool >/dev/null",
        "then",
        '  echo "cnitool: already in the node, verified"',
        "else",
        "docker exec n1 mkdir -p /usr/local/bin",
        `docker cp ${a}/files/. n1:/usr/local/bin/`,
        "docker exec -i n1 sh -s <<'CALICO_LAB_NODE_SCRIPT'",
        "set -eu",
        ...sumsCheck(""),
        "0123  cnitool",
        "CALICO_LAB_EOF",
        "CALICO_LAB_NODE_SCRIPT",
        '  echo "cnitool: copied into the node, verified"',
        "fi",
      ].join("\n"),
    );
  });
});

describe("workload scripts (node-side: no transport in them)", () => {
  const ref = { node: "calico1", namespace: "calico1-wl1", network: "test-calico" };
  it("add makes the workload's own namespace and plumbs it with cnitool", () => {
    expect(workloadAddScript(ref).split("\n")).toEqual([
      "set -eu",
      "[ -e /var/run/netns/calico1-wl1 ] || ip netns add calico1-wl1",
      "ip netns exec calico1-wl1 ip link set lo up",
      "CNI_PATH=/opt/cni/bin NETCONFPATH=/etc/cni/net.d cnitool add test-calico /var/run/netns/calico1-wl1",
    ]);
    expect(workloadAddScript(ref)).not.toContain("docker");
  });
  it("del warns when cnitool del fails and always removes the namespace", () => {
    expect(workloadDelScript(ref)).toMatch(/cnitool del test-calico \/var\/run\/netns\/calico1-wl1 \|\| echo/);
    expect(workloadDelScript(ref)).toContain("ip netns del calico1-wl1 2>/dev/null || true");
  });
  it("the readiness check counts Established sessions in the node", () => {
    expect(sessionsEstablishedScript(2)).toBe(
      '[ "$(birdcl -s /var/run/calico/bird.ctl show protocols 2>/dev/null | grep -c Established)" -ge 2 ]',
    );
  });
  it("the dataplane is ready with routes to the other nodes' blocks from BIRD, over vxlan.calico, or Felix's over the underlay", () => {
    const ready = (routes: string) => {
      const dir = mkdtempSync(join(tmpdir(), "ip-"));
      writeFileSync(join(dir, "ip"), `#!/bin/sh\ncat <<'EOF'\n${routes}\nEOF\n`, { mode: 0o755 });
      const script = dataplaneReadyScript({ vxlan: false, remoteBlocks: 2 });
      const status = spawnSync("bash", ["-c", script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } }).status;
      rmSync(dir, { recursive: true });
      return status === 0;
    };
    const own = "blackhole 10.1.127.192/26 proto 80 ";
    const felix = "10.1.86.64/26 via 192.168.4.6 dev eth0 proto 80 onlink ";
    const bird = "10.1.20.64/26 via 192.168.4.7 dev eth0 proto bird";
    const vxlan = "10.1.20.64/26 via 10.1.20.65 dev vxlan.calico onlink ";
    expect(ready([own, felix, bird].join("\n"))).toBe(true);
    expect(ready([own, felix, vxlan].join("\n"))).toBe(true);
    expect(ready([own, felix].join("\n"))).toBe(false);
    expect(ready([own, "blackhole 10.1.0.0/26 proto bird", felix].join("\n"))).toBe(false);
    expect(ready([felix, "10.1.9.0/26 via 192.168.4.9 dev eth0 proto 8 "].join("\n"))).toBe(false);
  });
  it("with the BGP mode, only sessions of that kind count: the old mesh's do not pass for route reflectors", () => {
    const protocols = (...lines: string[]) =>
      ["BIRD v0.3.3+birdv1.6.8 ready.", "name     proto    table    state  since       info", ...lines].join("\n");
    const mesh = "Mesh_172_18_0_3 BGP      master   up     12:00:01    Established";
    const peer = "Node_172_18_0_3 BGP      master   up     12:00:09    Established";
    const passes = (script: string, output: string) => {
      const dir = mkdtempSync(join(tmpdir(), "birdcl-"));
      writeFileSync(join(dir, "birdcl"), `#!/bin/sh\ncat <<'EOF'\n${output}\nEOF\n`, { mode: 0o755 });
      const status = spawnSync("bash", ["-c", script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } }).status;
      rmSync(dir, { recursive: true });
      return status === 0;
    };
    expect(passes(sessionsEstablishedScript(1, "routeReflectors"), protocols(mesh))).toBe(false);
    expect(passes(sessionsEstablishedScript(1, "routeReflectors"), protocols(mesh, peer))).toBe(true);
    expect(passes(sessionsEstablishedScript(1, "mesh"), protocols(peer))).toBe(false);
    expect(passes(sessionsEstablishedScript(1, "mesh"), protocols(mesh))).toBe(true);
    expect(passes(sessionsEstablishedScript(1, "mesh"), protocols(mesh.replace("Established", "Active")))).toBe(false);
  });
  it("a Calico node may take 120 s to be ready, longer when more than 30 start at once", () => {
    expect([1, 2, 16, 30, 32, 64, 250].map(calicoNodeReadySeconds)).toEqual([120, 120, 120, 120, 128, 256, 1000]);
  });
  it("a lab's nodes poll their checks at most 16 times a second in all", () => {
    expect([2, 4, 16, 32, 64].map(pollSecondsFor)).toEqual([0.25, 0.25, 1, 2, 4]);
  });
  it("the node-side wait polls the check until it passes or its time is over", () => {
    expect(untilPasses("[ -e ready ]", 12.5, 1)).toBe(
      [
        "end=$(($(date +%s) + 13))",
        "until { [ -e ready ]; } >/dev/null 2>&1; do",
        '  [ "$(date +%s)" -lt "$end" ] || exit 1',
        "  sleep 1",
        "done",
      ].join("\n"),
    );
  });
  it("the docker transport wraps a node script in one here-document, tolerating a gone node on request", () => {
    expect(dockerShell("c1").run("echo hi", { tolerate: "saying hi" })).toBe(
      [
        `docker exec -i c1 sh -s <<'CALICO_LAB_NODE_SCRIPT' || echo "calico-lab: saying hi failed; the node may already be gone" >&2`,
        "echo hi",
        "CALICO_LAB_NODE_SCRIPT",
      ].join("\n"),
    );
  });
});

describe("names and paths", () => {
  it("derive Docker-safe lab names and find the offline manifest", () => {
    expect(labNameFor("Bird_Test")).toBe("calicolab-bird-test");
    expect(manifestPathFor("", {}, "/cache")).toBe("/cache/artifacts/manifest.json");
    expect(manifestPathFor("", { CALICO_LAB_ARTIFACTS: "/a.json" }, "/cache")).toBe("/a.json");
    expect(manifestPathFor("/b.json", { CALICO_LAB_ARTIFACTS: "/a.json" }, "/cache")).toBe("/b.json");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe("intra-bridge forwarding for an internal lab network", () => {
  const id = "5f3c0a9e1b2d4c6e8f0a1b2c3d4e5f60";
  const match = "-i br-5f3c0a9e1b2d -o br-5f3c0a9e1b2d -m comment --comment calico-lab:lab-net -j ACCEPT";
  const user = `DOCKER-USER ${match}`;
  const isolation = `DOCKER-ISOLATION-STAGE-1 ${match}`;

  it("names the bridge Docker creates for the network", () => {
    expect(bridgeInterface(id)).toBe("br-5f3c0a9e1b2d");
    expect(() => bridgeInterface("lab-net")).toThrow('not a Docker network id: "lab-net"');
  });

  it("inserts one ACCEPT rule for traffic entering and leaving the bridge, once, in DOCKER-USER and at the top of the isolation chain", () => {
    expect(allowIntraBridgeScript(id, "lab-net").split("\n")).toEqual([
      "set -euo pipefail",
      'command -v iptables >/dev/null || { echo "calico-lab: iptables not found on this machine; an internal lab network needs it to let routed workload traffic cross its bridge" >&2; exit 1; }',
      `iptables -C ${user} 2>/dev/null || iptables -I ${user}`,
      `iptables -C ${isolation} 2>/dev/null || iptables -I ${isolation}`,
    ]);
  });

  it("removes every copy of the rule from both chains and never fails when it is gone", () => {
    expect(removeIntraBridgeScript(id, "lab-net")).toBe(
      `while iptables -D ${user} 2>/dev/null; do :; done; while iptables -D ${isolation} 2>/dev/null; do :; done; true`,
    );
  });
});
