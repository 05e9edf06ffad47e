import versions from "../../versions.json";
import { vppReleaseFor } from "../vpp-releases";
import type { ArtifactSettings, ImageSet, LabConfig } from "./types";

const calicoRelease = `https://github.com/projectcalico/calico/releases/download/${versions.calico.version}`;
const cniPluginsArchive = `cni-plugins-linux-amd64-${versions.cniPlugins.version}.tgz`;
const cniPluginsRelease = `https://github.com/containernetworking/plugins/releases/download/${versions.cniPlugins.version}`;

/**
 * Online mode: official images and release binaries. Calico publishes a SHA256SUMS file with each
 * release (since v3.23) and the CNI plugins a .sha256 per archive; the digests are read from those
 * at run time because they could not be read on the machines this project is built on.
 */
const online: ImageSet = {
  etcd: `quay.io/coreos/etcd:v${versions.etcd.version}`,
  node: `quay.io/calico/node:${versions.calico.version}`,
  // Calico publishes no image of kube-apiserver with its CRDs and openssl: kdd outside kind runs offline.
  apiserver: "",
  // quay.io/coreos/etcd v3.4.23 is distroless: only busybox's sh and mkdir (etcd's Dockerfile-release at that tag).
  etcdRunsScripts: false,
  tools: {
    calicoctl: {
      kind: "url",
      url: `${calicoRelease}/calicoctl-linux-amd64`,
      checksumUrl: `${calicoRelease}/SHA256SUMS`,
    },
    calico: { kind: "image", image: `quay.io/calico/cni:${versions.calico.version}`, path: "/opt/cni/bin/calico" },
    calicoIpam: {
      kind: "image",
      image: `quay.io/calico/cni:${versions.calico.version}`,
      path: "/opt/cni/bin/calico-ipam",
    },
    cnitool: { kind: "go", module: "github.com/containernetworking/cni/cnitool", version: versions.cnitool.version },
    cniPlugins: {
      kind: "url",
      url: `${cniPluginsRelease}/${cniPluginsArchive}`,
      checksumUrl: `${cniPluginsRelease}/${cniPluginsArchive}.sha256`,
      archive: true,
    },
  },
};

/** Offline mode: images and binaries built from package registries by `npm run offline:build`. */
const offline: ImageSet = {
  etcd: versions.offlineImages.etcd,
  node: versions.offlineImages.node,
  apiserver: versions.offlineImages.kubeApiserver,
  etcdRunsScripts: true,
  tools: {
    calicoctl: { kind: "manifest", artifact: "calicoctl" },
    calico: { kind: "manifest", artifact: "calico" },
    calicoIpam: { kind: "manifest", artifact: "calico-ipam" },
    cnitool: { kind: "manifest", artifact: "cnitool" },
    cniPlugins: { kind: "manifest", artifact: "cni-plugins" },
  },
};

export const DEFAULT_ARTIFACTS: ArtifactSettings = {
  versions: {
    calico: versions.calico.version,
    etcd: versions.etcd.version,
    cnitool: versions.cnitool.version,
    cniPlugins: versions.cniPlugins.version,
  },
  online,
  offline,
  manifest: "",
  // Empty: the official quay.io and github.com. See core/config/mirrors.ts.
  registryMirror: "",
  releaseMirror: "",
  // Empty: the pinned release. See core/config/calico-source.ts.
  calicoSource: "",
};

/** The classic three-VM tutorial lab: one etcd node, calico1 and calico2, my.ippool-1. */
export const DEFAULTS: LabConfig = {
  scenario: "bird",
  substrate: "docker",
  imageMode: "auto",
  underlay: { cidr: "192.168.4.0/24", internal: true },
  // startWave 0: derived from the cores of the machine running Pulumi (core/config/start-wave.ts).
  calico: { nodes: 2, namePrefix: "calico", names: [], logLevel: "info", startWave: 0 },
  bgp: {
    asNumber: 64512,
    mode: "mesh",
    routeReflectors: [],
    routeReflectorClusterId: "244.0.0.1",
    convergeTimeoutSeconds: 180,
    failWhenNotConverged: true,
  },
  etcd: { tls: false, certValidityDays: 365, extraSans: [] },
  ipPools: [
    {
      name: "my.ippool-1",
      cidr: "10.1.0.0/16",
      blockSize: 26,
      ipipMode: "Never",
      vxlanMode: "Never",
      natOutgoing: true,
      disabled: false,
    },
  ],
  cni: { cniVersion: "0.3.1", networkName: "test-calico", mtu: 0, logLevel: "info" },
  workloads: { perNode: 1 },
  artifacts: DEFAULT_ARTIFACTS,
  kind: {
    workers: 1,
    kindVersion: "v0.29.0",
    operatorManifestSha256: "",
    nodeImage: "kindest/node:v1.33.1@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f",
    serviceSubnet: "10.96.0.0/12",
  },
  // The Calico VPP release of the pinned Calico's minor version (core/vpp-releases.ts says how each was verified).
  vpp: { version: vppReleaseFor(versions.calico.version) ?? "unknown", uplinkInterface: "eth0", driver: "af_packet", hugepages: 512 },
  // What scripts/vm/smoke.sh runs calico-node in: 2 vCPUs and 1 GiB per VM, room above what the guest uses.
  qemu: { cpus: 2, memoryMiB: 1024 },
  ssh: { hosts: [], etcdHost: "" },
  kubernetes: { kubeconfig: "", context: "", namespace: "", imageRegistry: "" },
};

/** What an entry of ipPools holds when it leaves a field out: the defaults of Calico's IPPool resource. */
export const IP_POOL_DEFAULTS = { blockSize: 26, ipipMode: "Never", vxlanMode: "Never", natOutgoing: false, disabled: false } as const;

/** What an entry of ssh.hosts holds when it leaves a field out. */
export const SSH_HOST_DEFAULTS = { user: "root", port: 22, privateKey: "" } as const;
