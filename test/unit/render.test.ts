import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { calicoResourceIdentities } from "../../core/calico-identity";
import { DEFAULTS, IP_POOL_DEFAULTS } from "../../core/config/defaults";
import type { IpPoolSettings } from "../../core/config/types";
import {
  renderBgpConfiguration,
  renderCalicoNodeEnv,
  renderCniConflist,
  renderIpPools,
  renderNetworkProfile,
  renderRouteReflectorPeer,
  renderTemplate,
} from "../../core/render";

describe("templates", () => {
  it("the default IPPool is the tutorial's my.ippool-1 (with vxlanMode spelled out)", () => {
    expect(renderIpPools(DEFAULTS.ipPools)).toBe(
      [
        "apiVersion: projectcalico.org/v3",
        "kind: IPPool",
        "metadata:",
        "  name: my.ippool-1",
        "spec:",
        "  cidr: 10.1.0.0/16",
        "  ipipMode: Never",
        "  vxlanMode: Never",
        "  natOutgoing: true",
        "  disabled: false",
        "  blockSize: 26",
        "",
      ].join("\n"),
    );
  });

  it("several pools become one YAML stream that calicoctl apply takes", () => {
    const pools = [
      DEFAULTS.ipPools[0]!,
      { ...DEFAULTS.ipPools[0]!, name: "vx", cidr: "10.2.0.0/16", vxlanMode: "Always" as const, natOutgoing: false },
    ];
    const docs = parseAllDocuments(renderIpPools(pools)).map((d) => d.toJS());
    expect(docs).toEqual([
      {
        apiVersion: "projectcalico.org/v3",
        kind: "IPPool",
        metadata: { name: "my.ippool-1" },
        spec: { cidr: "10.1.0.0/16", ipipMode: "Never", vxlanMode: "Never", natOutgoing: true, disabled: false, blockSize: 26 },
      },
      {
        apiVersion: "projectcalico.org/v3",
        kind: "IPPool",
        metadata: { name: "vx" },
        spec: { cidr: "10.2.0.0/16", ipipMode: "Never", vxlanMode: "Always", natOutgoing: false, disabled: false, blockSize: 26 },
      },
    ]);
  });

  it("the CNI conflist for calico + calico-ipam on etcd", () => {
    expect(renderCniConflist({ ...DEFAULTS.cni, mtu: 1500 }, "http://192.168.4.4:2379")).toBe(`{
  "name": "test-calico",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "etcdv3",
      "etcd_endpoints": "http://192.168.4.4:2379",
      "mtu": 1500,
      "ipam": {
        "type": "calico-ipam"
      }
    }
  ]
}
`);
    expect(JSON.parse(renderCniConflist({ ...DEFAULTS.cni, cniVersion: "1.0.0", mtu: 1440 }, "http://x:2379"))).toMatchObject({
      cniVersion: "1.0.0",
      plugins: [{ mtu: 1440 }],
    });
  });

  it("BGP configuration for mesh and for route reflectors", () => {
    expect(renderBgpConfiguration({ meshEnabled: true, asNumber: 64512 })).toBe(
      "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n  logSeverityScreen: Info\n  nodeToNodeMeshEnabled: true\n  asNumber: 64512\n",
    );
    expect(parse(renderBgpConfiguration({ meshEnabled: false, asNumber: 65000 })).spec).toEqual({
      logSeverityScreen: "Info",
      nodeToNodeMeshEnabled: false,
      asNumber: 65000,
    });
    expect(renderRouteReflectorPeer()).toBe(
      "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: peer-with-route-reflectors\nspec:\n  nodeSelector: all()\n  peerSelector: route-reflector == 'true'\n",
    );
  });

  it("calico-node gets the environment calicoctl node run sets", () => {
    expect(
      renderCalicoNodeEnv({
        nodeName: "calico1",
        ip: "192.168.4.5",
        asNumber: 64512,
        etcdEndpoints: "http://192.168.4.4:2379",
        logLevel: "info",
      }),
    ).toEqual([
      "NODENAME=calico1",
      "HOSTNAME=calico1",
      "IP=192.168.4.5",
      "IP6=none",
      "AS=64512",
      "CALICO_NETWORKING_BACKEND=bird",
      "DATASTORE_TYPE=etcdv3",
      "ETCD_ENDPOINTS=http://192.168.4.4:2379",
      "CALICO_MANAGE_CNI=false",
      "NO_DEFAULT_POOLS=true",
      "CALICO_STARTUP_LOGLEVEL=info",
      "FELIX_LOGSEVERITYSCREEN=info",
      "FELIX_IPV6SUPPORT=false",
      "FELIX_HEALTHENABLED=true",
      "FELIX_DEFAULTENDPOINTTOHOSTACTION=ACCEPT",
    ]);
  });

  it("a missing value is an error, not an empty string", () => {
    expect(() => renderTemplate("ippool.yaml.hbs", { name: "x" })).toThrow(/cidr/);
  });
});

describe("calicoResourceIdentities", () => {
  const pool = (name: string, cidr: string, ipipMode: string) =>
    renderIpPools([{ ...IP_POOL_DEFAULTS, name, cidr, ipipMode } as IpPoolSettings]);

  it("is the same for a pool changed in place (its encapsulation) and differs for another name, cidr or block size", () => {
    const always = calicoResourceIdentities(pool("p", "10.48.0.0/16", "Always"));
    expect(always).toEqual(["IPPool/p cidr=10.48.0.0/16 blockSize=26"]);
    expect(calicoResourceIdentities(pool("p", "10.48.0.0/16", "CrossSubnet"))).toEqual(always);
    expect(calicoResourceIdentities(pool("q", "10.48.0.0/16", "Always"))).not.toEqual(always);
    expect(calicoResourceIdentities(pool("p", "10.49.0.0/16", "Always"))).not.toEqual(always);
    expect(calicoResourceIdentities(pool("p", "10.48.0.0/16", "Always").replace("blockSize: 26", "blockSize: 28"))).not.toEqual(always);
  });

  it("names every document of a stream, sorted", () => {
    expect(calicoResourceIdentities(`${renderNetworkProfile("net")}---\n${pool("p", "10.48.0.0/16", "Never")}`)).toEqual([
      "IPPool/p cidr=10.48.0.0/16 blockSize=26",
      "Profile/net",
    ]);
  });
});
