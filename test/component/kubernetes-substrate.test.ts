import { beforeAll, describe, expect, it } from "vitest";
import { buildNodeLab, HOST_COMMAND_TYPE, installMocks, type Registered } from "./harness";

// The bird scenario on the kubernetes substrate under mocks: the graph (types, names, parents, dependencies,
// deletedWith, provider), the Pods' manifests and every node-side step going through kubectl exec.
installMocks((node) => ["calico1", "calico2"].filter((n) => n !== node).map((n) => `Mesh_192_168_4_${n === "calico1" ? 5 : 6}`));

describe("bird on the kubernetes substrate", () => {
  let registered: Registered[];
  let nodes: Awaited<ReturnType<typeof buildNodeLab>>["outputs"]["nodes"];
  const byName = (name: string) => {
    const found = registered.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}; have ${registered.map((r) => r.name).join(", ")}`);
    return found;
  };
  beforeAll(async () => {
    ({
      registered,
      outputs: { nodes },
    } = await buildNodeLab({
      substrate: "kubernetes",
      imageMode: "offline",
      kubernetes: { kubeconfig: "~/kube/lab.yaml", context: "kind-x" },
    }));
  });

  it("makes a provider for the user's cluster, the namespace, the lab network's Service and a Pod per node, named from the lab", () => {
    expect(byName("lab-cluster")).toMatchObject({ type: "pulumi:providers:kubernetes", parent: "lab" });
    expect(byName("lab-cluster").inputs).toMatchObject({ kubeconfig: "/home/me/kube/lab.yaml", context: "kind-x" });
    expect(byName("lab-namespace")).toMatchObject({ type: "kubernetes:core/v1:Namespace", parent: "lab", provider: "lab-cluster" });
    expect(byName("lab-underlay")).toMatchObject({
      type: "kubernetes:core/v1:Service",
      provider: "lab-cluster",
      deletedWith: "lab-namespace",
    });
    for (const node of ["etcd", "calico1", "calico2"]) {
      expect(byName(`lab-${node}`)).toMatchObject({
        type: "kubernetes:core/v1:Pod",
        parent: "lab",
        provider: "lab-cluster",
        deletedWith: "lab-namespace",
      });
      expect(byName(`lab-${node}`).inputs.metadata).toMatchObject({ name: node, namespace: "lab" });
      expect(byName(`lab-${node}-ready`)).toMatchObject({
        type: HOST_COMMAND_TYPE,
        dependsOn: [`lab-${node}`],
        deletedWith: `lab-${node}`,
      });
    }
    expect(registered.filter((r) => r.type.includes("Docker"))).toEqual([]);
  });

  it("starts each Calico node's Pod once etcd is ready; a node's steps wait for its Pod and go with it", () => {
    expect(byName("lab-etcd").dependsOn).toEqual(["lab-underlay"]);
    expect(byName("lab-calico1").dependsOn).toEqual(expect.arrayContaining(["lab-underlay", "lab-etcd-ready"]));
    expect(byName("lab-tools-install-1").dependsOn).toEqual(expect.arrayContaining(["lab-calico1-ready"]));
    expect(byName("lab-tools-install-1").deletedWith).toBe("lab-calico1");
    expect(byName("lab-calico1-ready").inputs.triggers).toEqual(["uid-lab-calico1"]);
  });

  it("runs every node-side step with kubectl exec in the node's container, through the kubeconfig's path and context", () => {
    const exec = (pod: string) =>
      `kubectl --kubeconfig=/home/me/kube/lab.yaml --context=kind-x --namespace=lab exec -i ${pod} -c node -- sh -s`;
    expect(byName("lab-calico1-ready").inputs.create).toContain(exec("calico1"));
    expect(byName("lab-calico2-ready").inputs.create).toContain("birdcl");
    expect(byName("lab-tools-install-1").inputs.create).toContain(
      'exec -i calico1 -c node -- sh -c \'mkdir -p "$1" && tar -C "$1" -xf -\' sh',
    );
    expect(JSON.stringify(registered.map((r) => r.inputs))).not.toContain("docker exec");
  });

  it("gives each Pod the node's planned address on the lab network, and its outputs how to reach it", () => {
    const init = (byName("lab-calico2").inputs.spec as { initContainers: { command: string[] }[] }).initContainers[0]!;
    expect(init.command[2]).toContain("ip address add 192.168.4.6/24 dev lab0");
    expect(nodes.map((n) => [n.name, n.underlayIp, n.container])).toEqual([
      ["calico1", "192.168.4.5", "lab/calico1"],
      ["calico2", "192.168.4.6", "lab/calico2"],
    ]);
    expect(nodes[0]!.access).toEqual({
      transport: "kubernetes",
      container: "node",
      kubectl: "kubectl",
      kubeconfig: "/home/me/kube/lab.yaml",
      context: "kind-x",
      namespace: "lab",
      pod: "calico1",
    });
  });
});
