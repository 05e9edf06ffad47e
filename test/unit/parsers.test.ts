import { describe, expect, it } from "vitest";
import { parseBirdProtocols, peerFromProtocolName } from "../../core/parsers/birdc-protocols";
import { CniResultError, parseCnitoolAdd } from "../../core/parsers/cnitool-result";
import { parseIpRoutes } from "../../core/parsers/ip-route";
import { fixture } from "../support/fixtures";

describe("birdcl show protocols", () => {
  it("reads every protocol with its state and info", () => {
    const protocols = parseBirdProtocols(fixture("birdcl-show-protocols.txt"));
    const bgp = protocols.filter((p) => p.protocol === "BGP");
    expect(bgp.length).toBeGreaterThan(0);
    for (const p of bgp) {
      expect(p.name).toMatch(/^(Mesh|Node|Global)_/);
      expect(p.table).toBe("master");
      expect(p.info).toMatch(/^Established/);
    }
    expect(protocols.find((p) => p.protocol === "Kernel")).toMatchObject({ state: "up" });
  });

  it("keeps the reason of a session that is down", () => {
    const output =
      "BIRD 1.6.8 ready.\nname     proto    table    state  since       info\nMesh_192_168_4_7 BGP      master   start  10:00:01    Active        Socket: Connection refused\n";
    expect(parseBirdProtocols(output)).toEqual([
      {
        name: "Mesh_192_168_4_7",
        protocol: "BGP",
        table: "master",
        state: "start",
        since: "10:00:01",
        info: "Active        Socket: Connection refused",
      },
    ]);
  });

  it("maps Calico's protocol names back to peer addresses", () => {
    expect(peerFromProtocolName("Mesh_192_168_4_6")).toEqual({ kind: "mesh", address: "192.168.4.6" });
    expect(peerFromProtocolName("Node_10_0_0_1")).toEqual({ kind: "node", address: "10.0.0.1" });
    expect(peerFromProtocolName("Global_fd00__1")).toEqual({ kind: "global", address: "fd00::1" });
    expect(peerFromProtocolName("kernel1")).toBeUndefined();
  });
});

describe("cnitool add", () => {
  it("reads the tutorial's result", () => {
    expect(parseCnitoolAdd(fixture("cnitool-add-tutorial.json"))).toEqual({
      cniVersion: "0.3.1",
      interfaces: ["calicnitool-573"],
      addresses: ["10.1.127.192/32"],
    });
  });

  it("reads a CNI 1.0.0 result, which has no ip version field", () => {
    const result = JSON.stringify({
      cniVersion: "1.0.0",
      interfaces: [{ name: "eth0", sandbox: "/var/run/netns/wl1" }],
      ips: [{ address: "10.1.5.1/32", interface: 0 }],
    });
    expect(parseCnitoolAdd(result).addresses).toEqual(["10.1.5.1/32"]);
  });

  it("turns a CNI error or non-JSON output into a clear error", () => {
    expect(() => parseCnitoolAdd('{"code": 7, "msg": "no pools"}')).toThrow(new CniResultError("CNI error 7: no pools"));
    expect(() => parseCnitoolAdd("plugin failed")).toThrow(/did not print a JSON result: plugin failed/);
    expect(() => parseCnitoolAdd('{"cniVersion":"0.3.1","ips":[]}')).toThrow(/no IP addresses/);
  });
});

describe("ip route show proto bird", () => {
  it("reads learned routes and blackhole blocks", () => {
    const output = "blackhole 10.1.127.192/26 \n10.1.86.64/26 via 192.168.4.6 dev eth0 \n10.1.9.1 via 192.168.4.7 dev eth0 onlink\n";
    expect(parseIpRoutes(output)).toEqual([
      { prefix: "10.1.127.192/26", type: "blackhole" },
      { prefix: "10.1.86.64/26", type: "unicast", via: "192.168.4.6", dev: "eth0" },
      { prefix: "10.1.9.1/32", type: "unicast", via: "192.168.4.7", dev: "eth0" },
    ]);
  });
});
