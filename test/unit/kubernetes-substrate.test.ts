import { describe, expect, it } from "vitest";
import { kubeconfigPath, kubernetesLocalIssues, labNamespace } from "../../core/substrates/kubernetes/cluster";
import { LAB_NET, labNetSyncScript, labNetUpScript } from "../../core/substrates/kubernetes/lab-net";
import { envList, imageFrom, labNamespaceManifest, labNetServiceManifest, labPodManifest } from "../../core/substrates/kubernetes/pod";
import { calicoNodeRuntime, type NodeRuntime } from "../../core/node-runtime";
import { kubernetesAccess, netnsToolFor, shellFor } from "../../core/transports/access";
import { loadLabConfig } from "../../core/config/load";
import { messages } from "../support/config-messages";

const kubernetes = { substrate: "kubernetes", imageMode: "offline" } as const;
const target = { kubectl: "/c/kubectl", kubeconfig: "/home/u/.kube/lab", context: "", namespace: "calicolab-dev", pod: "calico1" };
const calico1 = calicoNodeRuntime({
  nodeName: "calico1",
  image: "calico-lab/node:v3.28.5",
  address: "192.168.4.5",
  env: ["IP=192.168.4.5", "ETCD_ENDPOINTS=http://192.168.4.4:2379"],
  command: [],
  readiness: { command: ["birdcl", "show", "status"], timeoutSeconds: 60 },
});
const etcd: NodeRuntime = {
  ...calico1,
  node: "etcd",
  hostname: "etcd",
  role: "etcd",
  image: "calico-lab/etcd:3.4.23",
  dataplane: false,
  command: ["etcd"],
  env: [],
};
const placement = {
  namespace: "calicolab-dev",
  labels: { "calico-lab.lab": "calicolab-dev", "calico-lab.stack": "dev", "calico-lab.role": "calico-node" },
  labSelector: { "calico-lab.lab": "calicolab-dev" },
  labNet: { address: "192.168.4.5", prefixLength: 24 },
  netImage: "calico-lab/node:v3.28.5",
  tcpdumpImage: "calico-lab/tcpdump:bookworm",
};

describe("the kubernetes substrate's settings", () => {
  it("takes bird only, offline images, and a lab network with no route out", () => {
    expect(loadLabConfig({ ...kubernetes }).substrate).toBe("kubernetes");
    expect(messages({ ...kubernetes, scenario: "kdd" })).toEqual(['substrate = "kubernetes": scenario kdd runs on docker, qemu, kind']);
    expect(messages({ ...kubernetes, imageMode: "online" })).toEqual([
      'imageMode = "online": the kubernetes substrate\'s Pods run the offline images (the node image makes the lab network with ip and bridge, the tcpdump image serves lab:capture), which the cluster gets from its nodes or kubernetes.imageRegistry; allowed are offline and auto (offline on kubernetes)',
    ]);
    expect(messages({ ...kubernetes, underlay: { cidr: "192.168.4.0/24", internal: false } })).toEqual([
      "underlay.internal = false: the kubernetes substrate's lab network is a VXLAN overlay between the lab's Pods, with no route out of it; allowed is true",
    ]);
  });

  it("names a bad value and what is allowed", () => {
    expect(
      messages({ ...kubernetes, kubernetes: { kubeconfig: "kube.yaml", namespace: "Lab_1", imageRegistry: "https://r.example" } }),
    ).toEqual([
      'kubernetes.kubeconfig = "kube.yaml": allowed is the path of a kubeconfig file on this machine (absolute, or ~/...), or empty for $KUBECONFIG or ~/.kube/config',
      'kubernetes.namespace = "Lab_1": allowed is a Kubernetes namespace name (a lowercase DNS label, a-z, 0-9, -), or empty for the lab\'s name',
      'kubernetes.imageRegistry = "https://r.example": allowed is a registry host[:port][/path] without a scheme, such as registry.example.com, mirror.example.com:5000 or harbor.example.com/quay-proxy',
    ]);
    expect(messages({ ...kubernetes, kubernetes: { imageRegistry: "registry" } })[0]).toContain("Docker Hub namespace");
  });

  it("belong to the kubernetes substrate", () => {
    expect(messages({ substrate: "docker", kubernetes: { context: "kind-x", namespace: "lab" } })).toEqual([
      'kubernetes = {"kubeconfig":"","context":"kind-x","namespace":"lab","imageRegistry":""}: kubernetes.context, kubernetes.namespace are settings of the kubernetes substrate, not docker; leave them empty',
    ]);
  });

  it("derives the workloads' MTU from the overlay's", () => {
    expect(loadLabConfig({ ...kubernetes, cni: { mtu: 1450 } }).cni.mtu).toBe(1450);
    expect(messages({ ...kubernetes, cni: { mtu: 1451 } })).toEqual([
      "cni.mtu = 1451: the underlay's MTU is 1450 and the pools' encapsulation adds 0 bytes, so full-size packets would be dropped; allowed is 0 (derive it: 1450) or at most 1450",
    ]);
  });
});

describe("the cluster this machine reaches", () => {
  it("reads the setting, else $KUBECONFIG's first path, else ~/.kube/config", () => {
    expect(kubeconfigPath("~/k.yaml", {}, "/home/u")).toBe("/home/u/k.yaml");
    expect(kubeconfigPath("", { KUBECONFIG: ":/a/one:/a/two" }, "/home/u")).toBe("/a/one");
    expect(kubeconfigPath("", {}, "/home/u")).toBe("/home/u/.kube/config");
    expect(labNamespace({ namespace: "" }, "calicolab-dev")).toBe("calicolab-dev");
    expect(labNamespace({ namespace: "mine" }, "calicolab-dev")).toBe("mine");
  });

  it("names a kubeconfig it cannot read and a missing kubectl before anything is made", () => {
    const settings = { kubeconfig: "", context: "", namespace: "", imageRegistry: "" };
    expect(kubernetesLocalIssues(settings, { kubeconfig: "/k", readable: () => true, kubectl: "kubectl" })).toEqual([]);
    expect(kubernetesLocalIssues(settings, { kubeconfig: "/k", readable: () => false, kubectl: undefined }).map((i) => i.setting)).toEqual([
      "kubernetes.kubeconfig",
      "substrate",
    ]);
  });
});

describe("a lab node's Pod", () => {
  const pod = labPodManifest(calico1, placement) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  const spec = pod.spec as { initContainers: Record<string, unknown>[]; containers: Record<string, unknown>[] };

  it("runs the runtime as on Docker: same capabilities, never privileged, writable /proc/sys/net for a Calico node", () => {
    expect(pod.metadata).toMatchObject({ name: "calico1", namespace: "calicolab-dev", labels: placement.labels });
    expect(spec.containers.map((c) => c.name)).toEqual(["node", "lab-net", "tcpdump"]);
    const node = spec.containers[0]!;
    expect(node).toMatchObject({
      image: "calico-lab/node:v3.28.5",
      env: [
        { name: "IP", value: "192.168.4.5" },
        { name: "ETCD_ENDPOINTS", value: "http://192.168.4.4:2379" },
      ],
      securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW", "SYS_ADMIN", "SYS_PTRACE", "IPC_LOCK"] } },
    });
    expect((node.command as string[]).slice(-1)).toEqual(["start_runit"]);
    expect(JSON.stringify(pod)).not.toContain('privileged":true');
    expect(pod.metadata.annotations).toEqual({
      "container.apparmor.security.beta.kubernetes.io/lab-net-up": "unconfined",
      "container.apparmor.security.beta.kubernetes.io/node": "unconfined",
    });
  });

  it("makes the lab network before the runtime starts, and spreads the lab over the cluster's machines", () => {
    expect(spec.initContainers.map((c) => c.name)).toEqual(["lab-net-up"]);
    expect((spec.initContainers[0]!.command as string[])[2]).toBe(labNetUpScript(placement.labNet, true));
    expect(pod.spec).toMatchObject({
      hostname: "calico1",
      restartPolicy: "Always",
      topologySpreadConstraints: [
        { topologyKey: "kubernetes.io/hostname", maxSkew: 1, labelSelector: { matchLabels: placement.labSelector } },
      ],
    });
  });

  it("gives etcd its image's own start, without the dataplane's capabilities", () => {
    const etcdPod = labPodManifest(etcd, placement) as { metadata: { annotations: unknown }; spec: typeof spec };
    expect(etcdPod.spec.containers[0]).toMatchObject({
      image: "calico-lab/etcd:3.4.23",
      command: ["etcd"],
      securityContext: { capabilities: { add: [] } },
    });
    expect(etcdPod.spec.initContainers[0]).toMatchObject({ securityContext: { capabilities: { add: ["NET_ADMIN"] } } });
    expect(etcdPod.metadata.annotations).toEqual({});
  });

  it("takes its images from a registry when one is set", () => {
    expect(imageFrom("", "calico-lab/etcd:3.4.23")).toBe("calico-lab/etcd:3.4.23");
    expect(imageFrom("registry.example:5000/lab/", "calico-lab/etcd:3.4.23")).toBe("registry.example:5000/lab/calico-lab/etcd:3.4.23");
    expect(envList(["A=b=c", "B="])).toEqual([
      { name: "A", value: "b=c" },
      { name: "B", value: "" },
    ]);
  });
});

describe("the lab network", () => {
  it("is a VXLAN device with the node's planned address, on the Pod's own", () => {
    expect(labNetUpScript({ address: "192.168.4.4", prefixLength: 24 }, false)).toBe(
      [
        "set -eu",
        "mtu=$(( $(cat /sys/class/net/eth0/mtu) - 50 ))",
        "ip link del lab0 2>/dev/null || true",
        'ip link add lab0 type vxlan id 4242 dstport 8472 local "$POD_IP" dev eth0',
        'ip link set lab0 mtu "$mtu"',
        "ip address add 192.168.4.4/24 dev lab0",
        "ip link set lab0 up",
      ].join("\n"),
    );
    expect(labNetUpScript({ address: "192.168.4.5", prefixLength: 24 }, true).split("\n").slice(7)).toEqual([
      "mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net",
      "echo 1 > /proc/sys/net/ipv4/ip_forward",
      "echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter",
      "echo 0 > /proc/sys/net/ipv4/conf/default/rp_filter",
    ]);
  });

  it("floods to every other lab Pod the headless Service names, and stops flooding to the ones gone", () => {
    const sync = labNetSyncScript();
    expect(sync).toContain(`getent ahostsv4 ${LAB_NET.service}`);
    expect(sync).toContain('bridge fdb append "$zero" dev lab0 dst "$ip"');
    expect(sync).toContain('bridge fdb del "$zero" dev lab0 dst "$ip"');
    expect(labNetServiceManifest("ns", {}, { "calico-lab.lab": "l" })).toMatchObject({
      metadata: { name: "lab-net", namespace: "ns" },
      spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: { "calico-lab.lab": "l" } },
    });
    expect(labNamespaceManifest("ns", { a: "b" })).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "ns", labels: { a: "b", "pod-security.kubernetes.io/enforce": "privileged" } },
    });
  });
});

describe("the kubernetes transport", () => {
  const access = kubernetesAccess(target);

  it("runs node scripts with kubectl exec in the node container, its kubeconfig named by path", () => {
    expect(shellFor(access).run("birdcl show protocols")).toBe(
      "/c/kubectl --kubeconfig=/home/u/.kube/lab --namespace=calicolab-dev exec -i calico1 -c node -- sh -s <<'CALICO_LAB_NODE_SCRIPT'\nbirdcl show protocols\nCALICO_LAB_NODE_SCRIPT",
    );
    expect(shellFor(kubernetesAccess({ ...target, context: "kind-x" })).run("true")).toContain(
      "--context=kind-x --namespace=calicolab-dev",
    );
  });

  it("copies a folder as a tar stream, and captures from the tcpdump container", () => {
    expect(shellFor(access).copyDir("/h/tools", "/opt/cni/bin")).toBe(
      'tar -C /h/tools -cf - . | /c/kubectl --kubeconfig=/home/u/.kube/lab --namespace=calicolab-dev exec -i calico1 -c node -- sh -c \'mkdir -p "$1" && tar -C "$1" -xf -\' sh /opt/cni/bin',
    );
    expect(netnsToolFor(access, { image: "x", command: "tcpdump" }, ["tcpdump", "-i", "lab0"])).toBe(
      "/c/kubectl --kubeconfig=/home/u/.kube/lab --namespace=calicolab-dev exec -i calico1 -c tcpdump -- tcpdump -i lab0",
    );
  });
});
