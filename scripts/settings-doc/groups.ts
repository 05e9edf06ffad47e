/**
 * What each top-level setting is, in one paragraph: Pulumi.yaml's `description` of the setting
 * (npm run gen:pulumi-yaml) and the opening of its section in docs/settings.md (npm run gen:settings-doc).
 * Keyed like core/config/schema.ts's labConfigSchema, in its order.
 */
export const SETTING_GROUPS: Record<string, [type: string, description: string]> = {
  scenario: [
    "string",
    "What Calico runs: bird (BGP with BIRD, etcd datastore), kdd (the Kubernetes datastore: a bare kube-apiserver on docker or qemu, or a kind cluster) vpp-forwarding (the seed's VPP forwarding lab: etcd, BIRD routes, VPP forwards; docker) or calico-vpp (Calico's VPP dataplane on kind).",
  ],
  substrate: [
    "string",
    "Where the nodes live: docker (containers on a lab network; bird, kdd), qemu (a VM per node, made by the lab; bird, kdd), ssh (hosts you already have; bird), kubernetes (Pods in a namespace of a cluster you already have; bird) or kind (kdd, calico-vpp); vpp-forwarding runs on docker only.",
  ],
  imageMode: [
    "string",
    "online: pinned official images and release binaries, verified by sha256; offline: images and tools built from package registries by `npm run offline:build`.",
  ],
  underlay: [
    "object",
    "The lab network: cidr (etcd gets host .4, Calico nodes .5 onwards, the bridge .1) and internal (no route out of the machine).",
  ],
  calico: [
    "object",
    "Calico nodes: nodes (how many), namePrefix (names are prefix1..N), names (explicit names instead, exactly `nodes` of them), logLevel and startWave (how many start at once, each wave after the one before is ready, route reflectors first; 0: 16 per core of the machine running Pulumi).",
  ],
  bgp: [
    "object",
    "BGP: asNumber, mode (mesh: node-to-node full mesh; routeReflectors: the named nodes reflect, the rest peer only with them, the mesh is off), routeReflectors, routeReflectorClusterId, convergeTimeoutSeconds (how long up waits for every session to be Established) and failWhenNotConverged (fail the up, with diagnostics, when they are not).",
  ],
  etcd: [
    "object",
    "The bird scenario's etcd: tls (https only, client certificates required; a CA, etcd's serving certificate and client certificates made with openssl in the etcd node at up time, the Calico nodes' key kept as a Pulumi secret; needs the offline etcd image), certValidityDays (1 to 3650: the CA and every certificate) and extraSans (more IPv4 addresses or DNS names in etcd's certificate).",
  ],
  ipPools: [
    "array",
    "Calico IP pools: name, cidr (IPv4: IPv6 pools are refused), blockSize (20-32), ipipMode and vxlanMode (Never, Always, CrossSubnet; not both enabled), natOutgoing, disabled (left out: blockSize 26, both modes Never, natOutgoing and disabled false, as Calico's IPPool).",
  ],
  cni: [
    "object",
    "The calico + calico-ipam conflist: cniVersion (0.1.0 to 1.0.0), networkName (what cnitool add names), mtu and logLevel.",
  ],
  workloads: ["object", "Test workloads: perNode network namespaces per node, each added with cnitool under its own container id."],
  artifacts: [
    "object",
    "Pinned versions, and per image mode the etcd and calico/node images and where each tool comes from (url with sha256 or checksumUrl, image, go, or the offline manifest). manifest: the offline build's artifact manifest (empty: $CALICO_LAB_ARTIFACTS or ~/.cache/calico-lab/artifacts/manifest.json). registryMirror: a registry host[:port][/path] serving quay.io's repositories at their paths (quay.io/calico/node becomes <mirror>/calico/node; empty: quay.io). releaseMirror: an http(s) URL prefix standing in for https://github.com, serving the release downloads and their checksum files at their paths (empty: github.com). Both serve online mode on the docker substrate. calicoSource: a local Calico source tree (a folder whose go.mod is module github.com/projectcalico/calico) to build calico-node, calicoctl, the calico CNI plugins and the node image from, on the docker substrate (empty: the pinned release).",
  ],
  kind: ["object", "kind substrate (kdd, calico-vpp): workers, nodeImage (pinned by digest), serviceSubnet and the kind version."],
  vpp: [
    "object",
    "Calico's VPP dataplane (scenario calico-vpp; not the VPP forwarding lab, which has no settings of its own): version, uplinkInterface, driver and hugepages (2 MiB pages).",
  ],
  qemu: ["object", "qemu substrate: cpus and memoryMiB of every VM (one VM per node: etcd and each Calico node)."],
  ssh: [
    "object",
    "ssh substrate: hosts (name, address inside underlay.cidr, user (root), port (22), privateKey: a key file's path, empty for the ssh agent) and etcdHost (the host that runs etcd; every other host is a Calico node named after it).",
  ],
  kubernetes: [
    "object",
    "kubernetes substrate (bird): kubeconfig (a file's path; empty: $KUBECONFIG, else ~/.kube/config), context (empty: the kubeconfig's current one), namespace (made and deleted by the lab; empty: the lab's name) and imageRegistry (host[:port][/path] the cluster pulls the lab's offline images from; empty: the images as built, loaded onto the cluster's nodes).",
  ],
};
