import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../core/substrates/kind/render";
import { dockerRunArgv } from "../../core/substrates/docker/argv";
import { containerSpecFor, NET_SYSCTLS_WRITABLE } from "../../core/substrates/docker/container-spec";
import { workloadAddScript, workloadDelScript } from "../../core/node-scripts";
import * as kdd from "../../core/scenarios/kdd";
import { ManifestValidator, schemaIndex } from "../schemas/validate";

// The same workload as the lab's shared node scripts take it: its Pod named for CNI_ARGS.
const workloadRef = {
  node: "calico1",
  namespace: "calico1-wl1",
  network: "test-calico",
  pod: { namespace: "default", name: "calico1-wl1" },
};
const KUBECTL = "kubectl --kubeconfig=/etc/kubernetes/admin.kubeconfig";

describe("kdd: kube-apiserver", () => {
  const input = { etcdEndpoints: "http://192.168.4.4:2379", address: "192.168.4.3" };

  it("flags: the lab's etcd and certificates, RBAC, client certificates only, no ServiceAccount admission", () => {
    expect(kdd.kubeApiserverFlags(input)).toEqual([
      "--advertise-address=192.168.4.3",
      "--bind-address=0.0.0.0",
      "--secure-port=6443",
      "--etcd-servers=http://192.168.4.4:2379",
      "--client-ca-file=/etc/kubernetes/pki/ca.crt",
      "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
      "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
      "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
      "--service-cluster-ip-range=10.96.0.0/12",
      "--authorization-mode=RBAC",
      "--anonymous-auth=false",
      "--disable-admission-plugins=ServiceAccount",
      "--enable-priority-and-fairness=false",
      "--profiling=false",
    ]);
    expect(kdd.kubeApiserverFlags({ ...input, serviceCidr: "10.112.0.0/16" })).toContain("--service-cluster-ip-range=10.112.0.0/16");
  });

  it("command: the certificates first, then kube-apiserver replaces the shell with the flags as its arguments", () => {
    const { command, env } = kdd.kubeApiserverCommand(input);
    expect(command.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(command[2]).toBe(`${kdd.pkiScript({ address: "192.168.4.3", serviceAddress: "10.96.0.1" })}\nexec kube-apiserver "$@"`);
    expect(command.slice(3)).toEqual(["kube-apiserver", ...kdd.kubeApiserverFlags(input)]);
    expect(env).toEqual(["KUBECONFIG=/etc/kubernetes/admin.kubeconfig"]);
  });

  it("container: no capabilities, no --privileged, the command after the image", () => {
    const runtime = kdd.kubeApiserverRuntime({ ...input, name: "lab-apiserver", image: "calico-lab/kube-apiserver:t" });
    expect(runtime).toMatchObject({ node: "apiserver", role: "apiserver", dataplane: false });
    const argv = dockerRunArgv(containerSpecFor(runtime, { containerName: "lab-apiserver", network: "net", labels: { a: "b" } }));
    expect(argv.slice(0, 17)).toEqual([
      "docker",
      "run",
      "--detach",
      "--name",
      "lab-apiserver",
      "--hostname",
      "lab-apiserver",
      "--network",
      "net",
      "--ip",
      "192.168.4.3",
      "--label",
      "a=b",
      "--env",
      "KUBECONFIG=/etc/kubernetes/admin.kubeconfig",
      "calico-lab/kube-apiserver:t",
      "/bin/sh",
    ]);
    expect(argv).not.toContain("--privileged");
    expect(argv).not.toContain("--cap-add");
  });

  it("rejects an address or service range that is not IPv4", () => {
    expect(() => kdd.kubeApiserverFlags({ ...input, address: "calico1" })).toThrow('apiserver address: not an IPv4 address: "calico1"');
    expect(() => kdd.kubeApiserverFlags({ ...input, serviceCidr: "10.96.0.1/12" })).toThrow(
      "service CIDR: 10.96.0.1 is not the network address of 10.96.0.1/12",
    );
  });

  it("the first address of the Services range goes into the serving certificate", () => {
    expect(kdd.firstAddress("10.96.0.0/12")).toBe("10.96.0.1");
    expect(kdd.firstAddress("172.30.255.0/24")).toBe("172.30.255.1");
    expect(() => kdd.firstAddress("10.0.0.0/31")).toThrow("prefix must be 1 to 30");
  });

  it("the provider's copy of the kubeconfig names another server (a forwarder on 127.0.0.1, in the certificate); the rest stays", () => {
    const kubeconfig =
      "apiVersion: v1\nclusters:\n  - name: calico-lab\n    cluster:\n      server: https://192.168.4.3:6443\n      certificate-authority-data: Q0E=\n";
    expect(kdd.kubeconfigWithServer(kubeconfig, kdd.apiserverUrl("127.0.0.1", 24242))).toBe(
      "apiVersion: v1\nclusters:\n  - name: calico-lab\n    cluster:\n      server: https://127.0.0.1:24242\n      certificate-authority-data: Q0E=\n",
    );
    expect(kdd.kubeconfigWithServer(kubeconfig, kdd.apiserverUrl("192.168.4.3"))).toBe(kubeconfig);
    expect(() => kdd.kubeconfigWithServer("apiVersion: v1\n", "https://127.0.0.1:1")).toThrow(
      "the kubeconfig has 0 server lines; expected exactly one",
    );
    expect(kdd.pkiScript({ address: "192.168.4.3", serviceAddress: "10.96.0.1" })).toContain("IP:127.0.0.1");
  });

  it("readiness and the kubeconfig read-out run inside the apiserver container", () => {
    expect(kdd.apiserverReadyScript()).toBe(`${KUBECTL} get --raw=/readyz >/dev/null`);
    expect(kdd.readKubeconfigScript()).toBe("cat /etc/kubernetes/admin.kubeconfig");
  });
});

describe("kdd: certificates with openssl", () => {
  it("is the exact script (the shared openssl PKI of core/pki.ts, then the kubeconfig): kept while its inputs are unchanged, made in a temp dir and moved into place", () => {
    expect(kdd.pkiScript({ address: "192.168.4.3", serviceAddress: "10.96.0.1" })).toBe(`set -eu
pki=/etc/kubernetes/pki
want='days=3650 apiserver=server/CN=kube-apiserver[IP:192.168.4.3,IP:10.96.0.1,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost] admin=client/O=system:masters/CN=calico-lab-admin sa=pair ec-p256 v2'
if [ "$(cat "$pki/.inputs" 2>/dev/null || true)" != "$want" ]; then
  echo "calico-lab: making the lab's CA and certificates in $pki" >&2
  tmp=$pki.new
  rm -rf "$tmp"
  mkdir -p "$tmp"
  chmod 700 "$tmp"
  cat > "$tmp/openssl.cnf" <<'CALICO_LAB_EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = calico-lab
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[apiserver]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:192.168.4.3,IP:10.96.0.1,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost
authorityKeyIdentifier = keyid
[admin]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
CALICO_LAB_EOF
  for key in ca apiserver admin sa; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$key.key"
  done
  openssl pkey -in "$tmp/sa.key" -pubout -out "$tmp/sa.pub"
  openssl req -x509 -new -config "$tmp/openssl.cnf" -extensions ca -key "$tmp/ca.key" -subj /CN=calico-lab-ca -days 3650 -sha256 -out "$tmp/ca.crt"
  openssl req -new -config "$tmp/openssl.cnf" -key "$tmp/apiserver.key" -subj '/CN=kube-apiserver' -out "$tmp/apiserver.csr"
  openssl x509 -req -in "$tmp/apiserver.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAserial "$tmp/ca.srl" -CAcreateserial \\
    -days 3650 -sha256 -extfile "$tmp/openssl.cnf" -extensions apiserver -out "$tmp/apiserver.crt"
  openssl req -new -config "$tmp/openssl.cnf" -key "$tmp/admin.key" -subj '/O=system:masters/CN=calico-lab-admin' -out "$tmp/admin.csr"
  openssl x509 -req -in "$tmp/admin.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAserial "$tmp/ca.srl" -CAcreateserial \\
    -days 3650 -sha256 -extfile "$tmp/openssl.cnf" -extensions admin -out "$tmp/admin.crt"
  rm -f "$tmp"/*.csr "$tmp/ca.srl"
  printf '%s\\n' "$want" > "$tmp/.inputs"
  rm -rf "$pki"
  mv "$tmp" "$pki"
fi
umask 077
cat > /etc/kubernetes/admin.kubeconfig.new <<CALICO_LAB_EOF
apiVersion: v1
kind: Config
clusters:
  - name: calico-lab
    cluster:
      server: https://192.168.4.3:6443
      certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
  - name: calico-lab-admin
    user:
      client-certificate-data: $(base64 -w0 "$pki/admin.crt")
      client-key-data: $(base64 -w0 "$pki/admin.key")
contexts:
  - name: calico-lab
    context:
      cluster: calico-lab
      user: calico-lab-admin
current-context: calico-lab
CALICO_LAB_EOF
mv /etc/kubernetes/admin.kubeconfig.new /etc/kubernetes/admin.kubeconfig
umask 022`);
  });

  it("passes sh -n, and names only IPv4 addresses", () => {
    const script = kdd.pkiScript({ address: "172.31.250.3", serviceAddress: "10.96.0.1" });
    expect(spawnSync("sh", ["-n", "-c", script]).status).toBe(0);
    expect(() => kdd.pkiScript({ address: "1.2.3.4; rm -rf /", serviceAddress: "10.96.0.1" })).toThrow("not an IPv4 address");
  });
});

describe("kdd: documents", () => {
  it("IP pools as crd.projectcalico.org/v1 with the fields Calico's client would default spelled out", () => {
    const pools = kdd.renderKddIpPools([
      {
        name: "my.ippool-1",
        cidr: "10.1.0.0/16",
        blockSize: 26,
        ipipMode: "Never",
        vxlanMode: "Never",
        natOutgoing: true,
        disabled: false,
      },
      { name: "vx", cidr: "10.2.0.0/16", blockSize: 28, ipipMode: "Never", vxlanMode: "Always", natOutgoing: false, disabled: true },
    ]);
    expect(pools).toBe(`apiVersion: crd.projectcalico.org/v1
kind: IPPool
metadata:
  name: my.ippool-1
spec:
  cidr: 10.1.0.0/16
  ipipMode: Never
  vxlanMode: Never
  natOutgoing: true
  disabled: false
  blockSize: 26
  nodeSelector: all()
  allowedUses:
    - Workload
    - Tunnel
---
apiVersion: crd.projectcalico.org/v1
kind: IPPool
metadata:
  name: vx
spec:
  cidr: 10.2.0.0/16
  ipipMode: Never
  vxlanMode: Always
  natOutgoing: false
  disabled: true
  blockSize: 28
  nodeSelector: all()
  allowedUses:
    - Workload
    - Tunnel
`);
    expect(parseAllDocuments(pools).map((d) => d.toJS().spec.cidr)).toEqual(["10.1.0.0/16", "10.2.0.0/16"]);
  });

  it("BGP configuration and the route reflector peer as CRDs", () => {
    expect(kdd.renderKddBgpConfiguration({ meshEnabled: false, asNumber: 64512 })).toBe(`apiVersion: crd.projectcalico.org/v1
kind: BGPConfiguration
metadata:
  name: default
spec:
  logSeverityScreen: Info
  nodeToNodeMeshEnabled: false
  asNumber: 64512
`);
    expect(kdd.renderKddRouteReflectorPeer()).toBe(`apiVersion: crd.projectcalico.org/v1
kind: BGPPeer
metadata:
  name: peer-with-route-reflectors
spec:
  nodeSelector: all()
  peerSelector: route-reflector == 'true'
`);
  });

  it("Node objects: a name, and on route reflectors the cluster ID annotation and the label the peer selects", () => {
    const nodes = kdd.renderKddNodes([{ name: "calico1" }, { name: "calico2", routeReflectorClusterId: "244.0.0.1" }]);
    expect(nodes).toBe(`apiVersion: v1
kind: Node
metadata:
  name: calico1
  labels:
    kubernetes.io/hostname: calico1
    kubernetes.io/os: linux
---
apiVersion: v1
kind: Node
metadata:
  name: calico2
  labels:
    kubernetes.io/hostname: calico2
    kubernetes.io/os: linux
    route-reflector: "true"
  annotations:
    projectcalico.org/RouteReflectorClusterID: 244.0.0.1
`);
    expect(parseAllDocuments(nodes)[1]!.toJS().metadata.labels["route-reflector"]).toBe("true");
  });

  it("a Pod bound to its node, never run, deleted at once", () => {
    expect(kdd.renderKddPod({ name: "calico1-wl1", nodeName: "calico1" })).toBe(`apiVersion: v1
kind: Pod
metadata:
  name: calico1-wl1
  namespace: default
  labels:
    calico-lab/workload: calico1-wl1
spec:
  nodeName: calico1
  terminationGracePeriodSeconds: 0
  automountServiceAccountToken: false
  enableServiceLinks: false
  containers:
    - name: workload
      image: calico-lab/no-kubelet:none
`);
  });

  it("the kdd conflist: kubernetes datastore, the node's kubeconfig, policy type k8s", () => {
    const conflist = kdd.renderKddCniConflist({ cniVersion: "0.3.1", networkName: "test-calico", mtu: 1500, logLevel: "info" });
    expect(conflist).toBe(`{
  "name": "test-calico",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "kubernetes",
      "mtu": 1500,
      "ipam": {
        "type": "calico-ipam"
      },
      "policy": {
        "type": "k8s"
      },
      "kubernetes": {
        "kubeconfig": "/etc/cni/net.d/calico-kubeconfig"
      }
    }
  ]
}
`);
    expect(JSON.parse(conflist).plugins[0].kubernetes.kubeconfig).toBe(kdd.KDD_NODE_KUBECONFIG);
  });

  it("calico-node's environment in the Kubernetes datastore mode", () => {
    expect(kdd.renderKddCalicoNodeEnv({ nodeName: "calico1", ip: "192.168.4.5", asNumber: 64512, logLevel: "info" })).toEqual([
      "NODENAME=calico1",
      "HOSTNAME=calico1",
      "IP=192.168.4.5",
      "IP6=none",
      "AS=64512",
      "CALICO_NETWORKING_BACKEND=bird",
      "DATASTORE_TYPE=kubernetes",
      "KUBECONFIG=/etc/cni/net.d/calico-kubeconfig",
      "CALICO_MANAGE_CNI=false",
      "NO_DEFAULT_POOLS=true",
      "CALICO_STARTUP_LOGLEVEL=info",
      "FELIX_LOGSEVERITYSCREEN=info",
      "FELIX_IPV6SUPPORT=false",
      "FELIX_HEALTHENABLED=true",
      "FELIX_DEFAULTENDPOINTTOHOSTACTION=ACCEPT",
    ]);
  });
});

describe("kdd: every document validates against the Kubernetes and Calico schemas", () => {
  it("IP pools, BGP configuration and peer, Nodes, Pod", () => {
    const validator = new ManifestValidator(schemaIndex()); // fails saying which command fetches the schemas when they are missing
    const text = [
      kdd.renderKddIpPools([
        {
          name: "my.ippool-1",
          cidr: "10.1.0.0/16",
          blockSize: 26,
          ipipMode: "Never",
          vxlanMode: "Always",
          natOutgoing: true,
          disabled: false,
        },
      ]),
      kdd.renderKddBgpConfiguration({ meshEnabled: false, asNumber: 64512 }),
      kdd.renderKddRouteReflectorPeer(),
      kdd.renderKddNodes([{ name: "calico1" }, { name: "calico2", routeReflectorClusterId: "244.0.0.1" }]),
      kdd.renderKddPod({ name: "calico1-wl1", nodeName: "calico1" }),
    ].join("---\n");
    const objects = parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
    expect(objects.map((o) => `${o.apiVersion}/${o.kind}`)).toEqual([
      "crd.projectcalico.org/v1/IPPool",
      "crd.projectcalico.org/v1/BGPConfiguration",
      "crd.projectcalico.org/v1/BGPPeer",
      "v1/Node",
      "v1/Node",
      "v1/Pod",
    ]);
    expect(objects.flatMap((o) => validator.errors(o))).toEqual([]);
  }, 60_000);
});

describe("kdd: the Kubernetes objects, as @pulumi/kubernetes gets them", () => {
  it("a Node per Calico node; a reflector's carries the label and cluster ID", () => {
    expect(kdd.kddNodeObjects([{ name: "calico1" }, { name: "calico2", routeReflectorClusterId: "244.0.0.1" }])).toEqual([
      {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: "calico1", labels: { "kubernetes.io/hostname": "calico1", "kubernetes.io/os": "linux" } },
      },
      {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name: "calico2",
          labels: { "kubernetes.io/hostname": "calico2", "kubernetes.io/os": "linux", "route-reflector": "true" },
          annotations: { "projectcalico.org/RouteReflectorClusterID": "244.0.0.1" },
        },
      },
    ]);
  });

  it("a CalicoNodeStatus per node, named after it, refreshed every 10 s", () => {
    expect(kdd.kddNodeStatusObjects(["calico1", "calico2"])).toEqual(
      ["calico1", "calico2"].map((name) => ({
        apiVersion: "crd.projectcalico.org/v1",
        kind: "CalicoNodeStatus",
        metadata: { name },
        spec: { node: name, classes: ["Agent", "BGP", "Routes"], updatePeriodSeconds: 10 },
      })),
    );
  });

  it("BGP settings and pools as the crd.projectcalico.org/v1 objects the provider makes; the reflector peer only without the mesh", () => {
    expect(kdd.kddBgpObjects({ meshEnabled: true, asNumber: 64512 })).toEqual([
      {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "BGPConfiguration",
        metadata: { name: "default" },
        spec: { logSeverityScreen: "Info", nodeToNodeMeshEnabled: true, asNumber: 64512 },
      },
    ]);
    expect(kdd.kddBgpObjects({ meshEnabled: false, asNumber: 64512 }).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "BGPConfiguration/default",
      "BGPPeer/peer-with-route-reflectors",
    ]);
    expect(
      kdd.kddIpPoolObjects([
        { name: "p1", cidr: "10.1.0.0/16", ipipMode: "Never", vxlanMode: "Always", natOutgoing: true, disabled: false, blockSize: 26 },
      ]),
    ).toEqual([
      {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "IPPool",
        metadata: { name: "p1" },
        spec: {
          cidr: "10.1.0.0/16",
          ipipMode: "Never",
          vxlanMode: "Always",
          natOutgoing: true,
          disabled: false,
          blockSize: 26,
          nodeSelector: "all()",
          allowedUses: ["Workload", "Tunnel"],
        },
      },
    ]);
  });

  it("a Pod the provider does not wait for (it never runs without a kubelet)", () => {
    const pod = kdd.kddPodObject({ name: "calico1-wl1", nodeName: "calico1", namespace: "default" });
    expect(pod.metadata).toEqual({
      name: "calico1-wl1",
      namespace: "default",
      labels: { "calico-lab/workload": "calico1-wl1" },
      annotations: { "pulumi.com/skipAwait": "true" },
    });
    expect(pod.spec).toMatchObject({ nodeName: "calico1", terminationGracePeriodSeconds: 0 });
  });

  it("Calico's CRDs from the offline build's manifest, at the lab's Calico version, or a clear error", () => {
    const manifest = { artifacts: { "calico-crds": { version: "v3.28.5", dir: "/c/crds", files: { "b.yaml": "s1", "a.yaml": "s2" } } } };
    expect(kdd.calicoCrdFiles(manifest, "/c/manifest.json", "v3.28.5")).toEqual({ dir: "/c/crds", files: ["a.yaml", "b.yaml"] });
    expect(() => kdd.calicoCrdFiles(manifest, "/c/manifest.json", "v3.29.0")).toThrow(
      "the offline build's Calico CRDs are v3.28.5, the lab runs Calico v3.29.0: run npm run offline:build",
    );
    expect(() => kdd.calicoCrdFiles({ artifacts: {} }, "/c/manifest.json", "v3.28.5")).toThrow(
      "the offline build's manifest /c/manifest.json has no Calico CRDs (calico-crds): run npm run offline:build",
    );
  });
});

describe("kdd: node-side scripts", () => {
  it("bird6 is started as calico/node starts it, and waited for (the status reporter needs its socket)", () => {
    expect(kdd.enableBird6Script(60)).toBe(`[ -e /etc/service/enabled/bird6 ] || cp -a /etc/service/available/bird6 /etc/service/enabled/
i=0
until birdcl6 -s /var/run/calico/bird6.ctl show status >/dev/null 2>&1; do
  i=$((i + 1)); if [ "$i" -gt 60 ]; then echo "calico-lab: bird6 answering not within 60s" >&2; exit 1; fi
  sleep 1
done`);
  });

  it("cnitool add and del name the pod in CNI_ARGS", () => {
    expect(workloadAddScript(workloadRef)).toBe(`set -eu
[ -e /var/run/netns/calico1-wl1 ] || ip netns add calico1-wl1
ip netns exec calico1-wl1 ip link set lo up
CNI_PATH=/opt/cni/bin NETCONFPATH=/etc/cni/net.d CNI_ARGS='K8S_POD_NAMESPACE=default;K8S_POD_NAME=calico1-wl1' cnitool add test-calico /var/run/netns/calico1-wl1`);
    expect(workloadDelScript(workloadRef))
      .toBe(`CNI_PATH=/opt/cni/bin NETCONFPATH=/etc/cni/net.d CNI_ARGS='K8S_POD_NAMESPACE=default;K8S_POD_NAME=calico1-wl1' cnitool del test-calico /var/run/netns/calico1-wl1 || echo "calico-lab: cnitool del calico1-wl1 failed" >&2
ip netns del calico1-wl1 2>/dev/null || true`);
  });

  it("the kubeconfig is written whole, readable by root only", () => {
    expect(kdd.writeNodeKubeconfigScript("apiVersion: v1\n")).toBe(`set -eu
mkdir -p /etc/cni/net.d
umask 077
cat > /etc/cni/net.d/calico-kubeconfig.new <<'CALICO_LAB_EOF'
apiVersion: v1
CALICO_LAB_EOF
mv /etc/cni/net.d/calico-kubeconfig.new /etc/cni/net.d/calico-kubeconfig`);
  });

  it("calico-node waits for its kubeconfig, then starts as usual; the lab's capabilities, never --privileged", () => {
    const runtime = kdd.calicoNodeKddRuntime({
      nodeName: "calico1",
      image: "calico-lab/node:t",
      address: "192.168.4.5",
      asNumber: 64512,
      logLevel: "info",
    });
    const argv = dockerRunArgv(containerSpecFor(runtime, { containerName: "lab-calico1", network: "net", labels: {} }));
    expect(argv).not.toContain("--privileged");
    expect(argv.join(" ")).toContain(
      "--cap-add NET_ADMIN --cap-add NET_RAW --cap-add SYS_ADMIN --cap-add SYS_PTRACE --cap-add IPC_LOCK --security-opt apparmor=unconfined --sysctl net.ipv4.conf.all.rp_filter=0 --sysctl net.ipv4.conf.default.rp_filter=0 --sysctl net.ipv4.ip_forward=1",
    );
    expect(argv.slice(argv.indexOf("calico-lab/node:t"))).toEqual([
      "calico-lab/node:t",
      "/bin/sh",
      "-c",
      `${NET_SYSCTLS_WRITABLE} && exec "$@"`,
      "calico-lab-node",
      "/bin/sh",
      "-c",
      'i=0; until [ -s /etc/cni/net.d/calico-kubeconfig ]; do i=$((i + 1)); if [ "$i" -gt 600 ]; then echo "calico-lab: no kubeconfig at /etc/cni/net.d/calico-kubeconfig after 600s" >&2; exit 1; fi; sleep 1; done; exec start_runit',
    ]);
  });
});

describe("kdd: node-side scripts under sh", () => {
  // Stand-ins for ip, cnitool and start_runit record their argv and the CNI environment: this checks our
  // quoting, not the tools.
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-kdd-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, "log");
  for (const tool of ["ip", "cnitool", "start_runit"]) {
    writeFileSync(
      join(dir, tool),
      `#!/bin/sh\necho "${tool} $*${tool === "cnitool" ? " [CNI_PATH=$CNI_PATH NETCONFPATH=$NETCONFPATH CNI_ARGS=$CNI_ARGS]" : ""}" >> ${log}\n`,
    );
    chmodSync(join(dir, tool), 0o755);
  }
  const sh = (script: string, path = `${dir}:${process.env.PATH ?? ""}`) => {
    rmSync(log, { force: true });
    const r = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { PATH: path } });
    return { code: r.status, logged: readFileSync(log, "utf8") };
  };

  it("cnitool add gets the pod's namespace and name as one CNI_ARGS value", () => {
    expect(sh(workloadAddScript(workloadRef))).toEqual({
      code: 0,
      logged: `ip netns add calico1-wl1
ip netns exec calico1-wl1 ip link set lo up
cnitool add test-calico /var/run/netns/calico1-wl1 [CNI_PATH=/opt/cni/bin NETCONFPATH=/etc/cni/net.d CNI_ARGS=K8S_POD_NAMESPACE=default;K8S_POD_NAME=calico1-wl1]
`,
    });
  });

  it("the node's command starts runit once the kubeconfig is there", () => {
    const command = kdd.calicoNodeKddCommand(2)[2]!.replaceAll(kdd.KDD_NODE_KUBECONFIG, join(dir, "kubeconfig"));
    writeFileSync(join(dir, "kubeconfig"), "apiVersion: v1\n");
    expect(sh(command)).toEqual({ code: 0, logged: "start_runit \n" });
    rmSync(join(dir, "kubeconfig"));
    writeFileSync(log, "");
    const r = spawnSync("sh", ["-c", command], { encoding: "utf8", env: { PATH: `${dir}:${process.env.PATH ?? ""}` } });
    expect([r.status, r.stderr]).toEqual([1, `calico-lab: no kubeconfig at ${join(dir, "kubeconfig")} after 2s\n`]);
    expect(readFileSync(log, "utf8")).toBe("");
  });
});
