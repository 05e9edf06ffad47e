/**
 * docs/settings.md's "Notes" column: what the schema cannot say about a setting (checks across settings,
 * what the value does). Keyed by the setting's path as docs/settings.md writes it; `*` stands for one
 * segment (`artifacts.*.etcd`: the online and the offline set). Every setting the schema has needs an
 * entry (an empty one when there is nothing to add), and every entry a setting: the generator refuses
 * either gap, so a new setting cannot reach the reference undocumented.
 */
export const SETTING_NOTES: Record<string, string> = {
  scenario: "what Calico runs; see [Scenarios](scenarios.md)",
  substrate:
    "`docker` (bird, kdd, vpp-forwarding), `qemu` (bird, kdd), `ssh` (bird), `kubernetes` (bird), `kind` (kdd, calico-vpp); see [Substrates](substrates.md)",
  imageMode:
    "`auto` (offline when this machine holds the airgapped build's manifest, online otherwise; online on kind), `online` (official images, release binaries, or their mirrors: `artifacts.registryMirror`, `artifacts.releaseMirror`), `offline` (built from package registries; see [Offline build](offline.md))",
  "underlay.cidr": "an IPv4 network; the bridge is .1, etcd .4, Calico nodes .5 onwards",
  "underlay.internal":
    "`true`: Docker `--internal`, no route out of the machine; must be `true` on qemu and kubernetes (their lab networks have no route out)",
  "calico.nodes": "no more than the underlay can address",
  "calico.namePrefix": "nodes are `calico1`..`calicoN`",
  "calico.names": "explicit unique node names, exactly `calico.nodes` of them",
  "calico.logLevel": "",
  "calico.startWave":
    "how many Calico nodes start at once: the nodes of a wave start once every node of the wave before is ready (BIRD answers), route reflectors in the first wave, so the datastore answers every node of a large lab; `0` derives it from the machine running Pulumi, 16 per core (`os.availableParallelism()`): labs of up to 32 nodes on 2 cores start all at once. A local Calico build (`artifacts.calicoSource`) starts its nodes one at a time whatever this says. Not used on kind (kind makes its nodes itself). See [Usage](usage.md#large-labs-start-in-waves)",
  "bgp.asNumber": "",
  "bgp.mode": "`mesh` (node-to-node full mesh), `routeReflectors` (mesh off; reflectors peer with everyone, clients only with reflectors)",
  "bgp.routeReflectors":
    "names of lab nodes (on kind, kind's node roles: `control-plane`, `worker`, `worker2`, ...); required in `routeReflectors` mode, at least one node must stay a client",
  "bgp.routeReflectorClusterId": "",
  "bgp.convergeTimeoutSeconds": "how long `up` waits for every expected session to be Established",
  "bgp.failWhenNotConverged":
    "`true`: a lab that does not converge in time fails the `up`, with per-node diagnostics; `false`: it stays up and `bgpTopology` says what is wrong",
  "etcd.tls":
    "`true`: etcd serves https only and requires client certificates; the lab makes a CA, etcd's serving certificate and client certificates at up time (see [etcd over TLS](etcd-tls.md)). Scenario `bird` only (kdd's etcd serves its kube-apiserver in plain HTTP; kind runs its own), on every bird substrate (docker, qemu, ssh), and not with `imageMode: online` (the certificates are made with the offline etcd image's openssl)",
  "etcd.certValidityDays": "how long the lab's CA and every certificate are valid, from the moment they are made",
  "etcd.extraSans":
    "more subjectAltNames of etcd's serving certificate; its lab address, `127.0.0.1`, its hostname (`calicolab-<stack>-etcd`), `etcd` and `localhost` are always there",
  ipPools:
    "at least one pool; CIDRs must not overlap each other or the underlay; IPIP and VXLAN not both enabled; IPIP only where the nodes' kernel has the ipip module (on the docker substrate, this machine's: refused in preview when `/sys/module/ipip` is absent)",
  "ipPools[].name": "",
  "ipPools[].cidr": "",
  "ipPools[].blockSize": "20-32, and no larger than the pool (IPv6 pools are refused: the lab's underlay and BGP peerings are IPv4 only)",
  "ipPools[].ipipMode": "",
  "ipPools[].vxlanMode": "",
  "ipPools[].natOutgoing": "",
  "ipPools[].disabled": "",
  "cni.cniVersion": "the calico plugins refuse 1.1.0",
  "cni.networkName": "the network name `cnitool add` uses",
  "cni.mtu":
    "0 derives the workloads' MTU from the underlay (1500; 1450 on kubernetes, a VXLAN overlay between Pods) and the pools' encapsulation (VXLAN 1450, IPIP 1480, none 1500); otherwise no more than that derived value",
  "cni.logLevel": "",
  "workloads.perNode": "no more than a node's fair share of the pool's blocks can hold",
  "artifacts.versions.*":
    "exactly the pins in `versions.json` (every image and tool source is built from them); another value is refused: set the image and tool sources, or change `versions.json`",
  "artifacts.*.etcd": "",
  "artifacts.*.node": "",
  "artifacts.*.apiserver": "the kube-apiserver image of kdd outside kind; none online",
  "artifacts.*.etcdRunsScripts":
    "the set's etcd image has sh, coreutils and openssl: calicoctl is installed and run in etcd's node (else in the first Calico node), and `etcd.tls` is allowed (else refused); the official etcd image is distroless, the offline one Debian",
  "artifacts.*.tools.*": "see [Tool sources](#tool-sources)",
  "artifacts.manifest":
    "the offline build's manifest; empty means `$CALICO_LAB_ARTIFACTS` or `~/.cache/calico-lab/artifacts/manifest.json`",
  "artifacts.registryMirror":
    "a registry `host[:port][/path]` that serves quay.io's repositories at their official paths: `quay.io/calico/node:v3.28.5` is pulled as `<mirror>/calico/node:v3.28.5` (node, etcd, and the `calico/cni` image the CNI plugins are copied from). No scheme; the host needs a domain or a port (Docker would read a bare name as a Docker Hub namespace). Online mode on the docker substrate only: refused with `imageMode: offline` and on kind. See [Online mode](online-mode.md)",
  "artifacts.releaseMirror":
    "an `http(s)` URL prefix standing in for `https://github.com`, serving the release downloads in their layout: `<mirror>/projectcalico/calico/releases/download/v3.28.5/calicoctl-linux-amd64` and `.../SHA256SUMS`, `<mirror>/containernetworking/plugins/releases/download/v1.7.1/cni-plugins-linux-amd64-v1.7.1.tgz` and its `.sha256`. Same restrictions as `registryMirror`",
  "artifacts.calicoSource":
    "the path of a local Calico source tree (absolute, `~/...`, or relative to the project folder): a folder whose `go.mod` is module `github.com/projectcalico/calico` (a checkout of projectcalico/calico, or a copy of the module) that this machine's Go can build. calico-node, calicoctl, the calico CNI plugins and the node image are built from it at every `preview` and `up`; docker substrate, `imageMode` `offline` or `auto` with the offline build present. See [Your own Calico](calico-source.md)",
  "kind.workers": "kind workers beside the one control plane",
  "kind.nodeImage": "pinned by digest; goes with `kind.kindVersion` (change both together)",
  "kind.serviceSubnet": "the cluster's service subnet (`SERVICE_PREFIX` of Calico's VPP dataplane)",
  "kind.kindVersion": "what `kind version` must say (checked before anything is created)",
  "kind.operatorManifestSha256":
    "online kind: the sha256 the tigera operator manifest must have; empty takes the digest versions.json pins for the pinned Calico, and another Calico version needs one",
  "vpp.version":
    "follows `artifacts.versions.calico`: the Calico VPP release of the pinned Calico's minor version; a mismatched pair fails validation",
  "vpp.uplinkInterface": "the uplink VPP takes over (`eth0` on kind)",
  "vpp.driver": "`af_packet` or `af_xdp` on kind; drivers that need a real NIC are refused",
  "vpp.hugepages": "2 MiB pages per node; 0 runs VPP without hugepages; with more, the host must have them free for every node",
  "qemu.cpus": "vCPUs of every VM of the qemu substrate",
  "qemu.memoryMiB": "memory of every VM (a Calico VM's guest uses about 380 MiB)",
  "ssh.hosts":
    "the ssh substrate's hosts; one address per Calico node (only the etcd host may share a Calico node's). Empty unless the substrate is ssh",
  "ssh.hosts[].name": "unique",
  "ssh.hosts[].address": "inside `underlay.cidr`",
  "ssh.hosts[].user": "",
  "ssh.hosts[].port": "",
  "ssh.hosts[].privateKey": "",
  "ssh.etcdHost":
    "the name of the host in `ssh.hosts` that runs etcd; every other host is a Calico node named after its entry, so `calico.nodes` must count them and `calico.names` stay empty",
  "kubernetes.kubeconfig":
    "read on this machine by Pulumi's Kubernetes provider and by kubectl (the lab's steps, `lab:exec`); its path, never its contents, is kept in the stack",
  "kubernetes.context": "",
  "kubernetes.namespace": "made by `up` (an existing namespace is refused, never taken over) and deleted by `down`, with everything in it",
  "kubernetes.imageRegistry":
    "the lab's Pods run the offline images (`calico-lab/node`, `calico-lab/etcd`, `calico-lab/tcpdump`): empty when the cluster's nodes hold them (`kind load docker-image`), else the registry they were pushed to; see [Substrates](substrates.md#kubernetes)",
};
