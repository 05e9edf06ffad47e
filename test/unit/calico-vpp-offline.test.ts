import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { cniConfigForVpp, OFFLINE_CALICO_VPP_IMAGES, renderCalicoManifestForVpp } from "../../core/substrates/kind/calico-vpp-offline";
import { parseManifest, renderVppManifest } from "../../core/substrates/kind/render";
import versions from "../../versions.json";
import { fixture, VPP_VALUES as VALUES } from "../support/fixtures";

const upstream = fixture("kind", "calico-manifest-vpp-mini.yaml");

interface Pod {
  containers: Array<{ name: string; image: string; imagePullPolicy: string }>;
}
const podOf = (text: string) =>
  (parseManifest(text).find((o) => o.kind === "DaemonSet") as unknown as { spec: { template: { spec: Pod } } }).spec.template.spec;

describe("Calico/VPP from the offline build on kind", () => {
  it("runs the offline build's vpp-manager and agent images, never pulled", () => {
    expect(OFFLINE_CALICO_VPP_IMAGES).toEqual({ vpp: versions.calicoVpp.managerImage, agent: versions.calicoVpp.agentImage });
    const pod = podOf(renderVppManifest({ ...VALUES, images: OFFLINE_CALICO_VPP_IMAGES }));
    expect(pod.containers.map((c) => [c.name, c.image, c.imagePullPolicy])).toEqual([
      ["vpp", "calico-lab/calico-vpp-manager:v3.28.0-vpp24.02", "Never"],
      ["agent", "calico-lab/calico-vpp-agent:v3.28.0", "Never"],
    ]);
  });

  it("online, keeps docker.io/calicovpp's images of the release", () => {
    const pod = podOf(renderVppManifest(VALUES));
    expect(pod.containers.map((c) => [c.image, c.imagePullPolicy])).toEqual([
      ["docker.io/calicovpp/vpp:v3.28.0", "IfNotPresent"],
      ["docker.io/calicovpp/agent:v3.28.0", "IfNotPresent"],
    ]);
  });

  it("makes Calico's manifest what the operator renders for linuxDataplane VPP: no BIRD, Felix through felix-api-proxy, pods to the agent", () => {
    const { install, controllers } = renderCalicoManifestForVpp({ install: upstream, controllers: "kind: Deployment\n" });
    expect(controllers).toBe("kind: Deployment\n");
    const [config, nodeSet] = parseAllDocuments(install).map((d) => d.toJS() as unknown);
    const { data } = config as { data: Record<string, string> };
    expect(data.calico_backend).toBe("none");
    const cni = JSON.parse((data.cni_network_config ?? "").replace("__CNI_MTU__", "1500")) as { plugins: Array<Record<string, unknown>> };
    expect(cni.plugins[0]).toMatchObject({
      type: "calico",
      dataplane_options: { type: "grpc", socket: "unix:///var/run/calico/cni-server.sock" },
    });
    expect(cni.plugins.slice(1).map((p) => p.type)).toEqual(["portmap", "bandwidth"]);
    const pod = (nodeSet as { spec: { template: { spec: { containers: Array<Record<string, unknown>>; volumes: unknown[] } } } }).spec
      .template.spec;
    const node = pod.containers[0] ?? {};
    expect(node.env).toEqual([
      { name: "CALICO_NETWORKING_BACKEND", valueFrom: { configMapKeyRef: { name: "calico-config", key: "calico_backend" } } },
      { name: "FELIX_USEINTERNALDATAPLANEDRIVER", value: "false" },
      { name: "FELIX_DATAPLANEDRIVER", value: "/usr/local/bin/felix-plugins/felix-api-proxy" },
      { name: "FELIX_XDPENABLED", value: "false" },
    ]);
    expect(node.livenessProbe).toEqual({ exec: { command: ["/bin/calico-node", "-felix-live"] } });
    expect(node.readinessProbe).toEqual({ exec: { command: ["/bin/calico-node", "-felix-ready"] } });
    expect(node.volumeMounts).toContainEqual({ name: "felix-plugins", mountPath: "/usr/local/bin/felix-plugins", readOnly: true });
    expect(pod.volumes).toContainEqual({ name: "felix-plugins", hostPath: { path: "/var/lib/calico/felix-plugins" } });
  });

  it("refuses a manifest it cannot place dataplane_options or the calico-node settings in", () => {
    expect(() => cniConfigForVpp('{ "plugins": [ { "type": "bridge" } ] }')).toThrow(
      'calico-config cni_network_config has no line `"type": "calico",` to add dataplane_options after',
    );
    expect(() =>
      renderCalicoManifestForVpp({ install: "kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: other\n", controllers: "" }),
    ).toThrow("Calico's manifest has no calico-config ConfigMap with cni_network_config, or no calico-node DaemonSet");
  });
});
