#!/usr/bin/env bash
# Calico/VPP itself (`linuxDataplane: VPP`: vpp-manager, VPP, calico-vpp-agent, felix-api-proxy, Felix)
# live in two qemu VMs of the qemu substrate's base image, by hand, no Kubernetes node agent:
#   - one kube-apiserver and etcd for both nodes, run on this machine inside the lab's network namespace
#     (calicolab-<lab>, the bridge's gateway address): the lab's Kubernetes datastore;
#   - each VM: eth0 keeps SSH and reaches the apiserver; eth1 (lab-vm.sh's LAB_VM_UPLINK) is the uplink
#     vpp-manager hands to VPP with af_packet, on a subnet of its own on the same bridge; VPP, vpp-manager,
#     the agent and Felix (calico-node -felix, its dataplane driver felix-api-proxy) run as systemd units,
#     from a read-only second disk (LAB_VM_DRIVE) made here with mke2fs -d: the static Go binaries and the
#     staged VPP of scripts/offline/calico-vpp.sh, Calico's CNI plugins and calico-node from the offline build;
#   - pods: a Pod object per pod (nodeName set; nothing runs it) and a network namespace in the VM, wired
#     by a CNI ADD through Calico's CNI plugin whose dataplane_options hand the interface to the agent's
#     CNI server (a tun interface of VPP's, tun v2 over vhost-net, in the pod's namespace);
#   - what calico-node's startup and the operator would make is made here: the ClusterInformation, the
#     Nodes, /var/lib/calico/nodename; the agents' ServiceAccount is bound to cluster-admin (a lab's
#     shortcut for the manifest's ClusterRole);
#   - routes: the agents' BGP (GoBGP, node-to-node mesh) between the VMs' uplink addresses; the pool is
#     unencapsulated, so each VPP routes the other node's block via the other VPP's uplink.
#
#   calico-vpp-vms.sh up      everything above, then the pods; prints the time each stage took
#   calico-vpp-vms.sh check   VPP, the agents, BGP, each VPP's route to the other node's block, and
#                             pod-1 (on vm1) and pod-2 (on vm2) pinging each other through VPP
#   calico-vpp-vms.sh down    the VMs, the namespace (and the apiserver and etcd in it), every file made
#
# Settings: CVPP_LAB (lab name, default cvpp), CVPP_MEMORY (MiB per VM, default 3072), CVPP_CPUS (default 2).
# Needs: scripts/offline/build.sh (Calico binaries, kube-apiserver), build.sh --kind (etcd, kubectl),
# build.sh --calico-vpp (VPP and the Calico/VPP binaries), scripts/offline/vm-image.sh (the base image).
source "$(dirname "${BASH_SOURCE[0]}")/../offline/lib.sh"

LAB=${CVPP_LAB:-cvpp}
MEMORY=${CVPP_MEMORY:-3072}
CPUS=${CVPP_CPUS:-2}
LAB_VM="$CALICO_LAB_REPO/scripts/vm/lab-vm.sh"
NS="calicolab-$LAB"
LABDIR="$CALICO_LAB_CACHE/vm/labs/$LAB"
W="$LABDIR/calico-vpp"
ART="$CALICO_LAB_CACHE/artifacts"
MGMT_CIDR=192.168.229.0/24
GW=192.168.229.1
UPLINK_PREFIX=24
POOL=10.240.0.0/16
SERVICE_CIDR=10.96.0.0/12
SERVICE_IP=10.96.0.1
APISERVER="https://$GW:6443"
VMS=(vm1 vm2)
declare -A MGMT=([vm1]=192.168.229.11 [vm2]=192.168.229.12)
declare -A UPLINK=([vm1]=192.168.230.11 [vm2]=192.168.230.12)
declare -A POD=([vm1]=pod-1 [vm2]=pod-2)
T0=$SECONDS

say() { echo "[+$((SECONDS - T0))s] $*"; }
die() {
  echo "calico-vpp-vms: $*" >&2
  exit 1
}
vm() { bash "$LAB_VM" ssh "$LAB" "$@"; }
in_ns() { ip netns exec "$NS" "$@"; }
kc() { in_ns "$KUBECTL" --kubeconfig "$W/admin.kubeconfig" "$@"; }
until_ok() { # seconds what command...: retries every 2 s
  local limit=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what: not after ${limit}s"
    sleep 2
  done
}

# ---------------------------------------------------------------- inputs
first_file() { # what paths...: the first that exists
  local what=$1 p
  shift
  for p in "$@"; do [[ -f $p ]] && echo "$p" && return; done
  die "no $what (looked at: $*)"
}
inputs() {
  local cv k8s calico
  calico=$(pin calico.version)
  k8s=$(pin kubernetes.version)
  cv="$CALICO_LAB_CACHE/calico-vpp"
  VPP_STAGE="$cv/vpp-stage"
  [[ -x $VPP_STAGE/usr/bin/vpp ]] || die "no staged VPP in $VPP_STAGE: run bash scripts/offline/build.sh --calico-vpp"
  for b in calico-vpp-agent felix-api-proxy vpp-manager; do
    [[ -x $cv/bin/$b ]] || die "no $cv/bin/$b: run bash scripts/offline/build.sh --calico-vpp"
  done
  CVPP_BIN="$cv/bin"
  CALICO_BIN="$ART/calico/$calico"
  for b in calico calico-ipam calico-node; do
    [[ -x $CALICO_BIN/$b ]] || die "no $CALICO_BIN/$b: run bash scripts/offline/build.sh"
  done
  CRDS="$ART/calico-crds/$calico"
  [[ -d $CRDS ]] || die "no Calico CRDs in $CRDS: run bash scripts/offline/build.sh"
  APISERVER_BIN=$(first_file "kube-apiserver (bash scripts/offline/build.sh)" "$ART/kubernetes/$k8s/kube-apiserver" "$ART/kind/kubernetes/$k8s/kube-apiserver")
  KUBECTL=$(first_file "kubectl (bash scripts/offline/build.sh --kind)" "$ART/kubernetes/$k8s/kubectl" "$ART/kind/kubernetes/$k8s/kubectl")
  ETCD=$(first_file "etcd (bash scripts/offline/build.sh --kind)" "$ART/kind/etcd/$(pin kind.etcdVersion)/etcd")
  [[ -f $CALICO_LAB_CACHE/vm/base/base.qcow2 ]] || die "no VM base image: run bash scripts/offline/vm-image.sh"
  command -v mke2fs >/dev/null || die "mke2fs is missing (Debian package e2fsprogs)"
  command -v openssl >/dev/null || die "openssl is missing (Debian package openssl)"
}

# ---------------------------------------------------------------- PKI and the datastore (this machine, in the lab's namespace)
pki() {
  local d="$W/pki"
  mkdir -p "$d" && chmod 700 "$d"
  (
    cd "$d"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=calico-vpp-lab-ca 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null && openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    printf 'subjectAltName=IP:%s,IP:%s,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' "$GW" "$SERVICE_IP" >server.ext
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj /CN=kube-apiserver 2>/dev/null
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out apiserver.crt 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=calico-vpp-lab-admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile client.ext -out admin.crt 2>/dev/null
  )
  (
    umask 077
    cat >"$W/admin.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: "$APISERVER", certificate-authority: "$d/ca.crt"}}]
users: [{name: admin, user: {client-certificate: "$d/admin.crt", client-key: "$d/admin.key"}}]
contexts: [{name: lab, context: {cluster: lab, user: admin}}]
current-context: lab
EOF
  )
}

spawn() { # name command...: a process in the lab's namespace (lab-vm.sh net-down ends it)
  local name=$1
  shift
  in_ns setsid "$@" </dev/null >"$W/$name.log" 2>&1 &
  echo $! >"$W/$name.pid"
}

datastore() {
  spawn etcd "$ETCD" --name lab --data-dir "$W/etcd" --listen-client-urls http://127.0.0.1:2379 \
    --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380
  spawn apiserver "$APISERVER_BIN" --advertise-address="$GW" --bind-address="$GW" --secure-port=6443 \
    --etcd-servers=http://127.0.0.1:2379 --client-ca-file="$W/pki/ca.crt" \
    --tls-cert-file="$W/pki/apiserver.crt" --tls-private-key-file="$W/pki/apiserver.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$W/pki/sa.pub" --service-account-signing-key-file="$W/pki/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --authorization-mode=RBAC --anonymous-auth=false \
    --disable-admission-plugins=ServiceAccount --enable-priority-and-fairness=false --profiling=false
  until_ok 120 "kube-apiserver ready" kc get --raw=/readyz
  say "apiserver ready"
}

resources() {
  kc apply -f "$CRDS" >/dev/null
  until_ok 60 "Calico CRDs established" kc wait --for condition=established --timeout=5s crd/ippools.crd.projectcalico.org
  local vm
  {
    cat <<EOF
apiVersion: crd.projectcalico.org/v1
kind: ClusterInformation
metadata: {name: default}
spec: {datastoreReady: true, clusterGUID: calico-vpp-lab, calicoVersion: "$(pin calico.version)", clusterType: "k8s,vpp"}
---
apiVersion: crd.projectcalico.org/v1
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: true, asNumber: 64512, logSeverityScreen: Info}
---
apiVersion: crd.projectcalico.org/v1
kind: IPPool
metadata: {name: lab-pool}
spec: {cidr: "$POOL", blockSize: 26, ipipMode: Never, vxlanMode: Never, natOutgoing: false, nodeSelector: all()}
---
apiVersion: v1
kind: Namespace
metadata: {name: calico-vpp-dataplane}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: calico-vpp-node-sa, namespace: calico-vpp-dataplane}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: calico-vpp-lab-node}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: calico-vpp-node-sa, namespace: calico-vpp-dataplane}]
EOF
    for vm in "${VMS[@]}"; do
      printf -- '---\napiVersion: v1\nkind: Node\nmetadata: {name: %s, labels: {kubernetes.io/os: linux, kubernetes.io/hostname: %s}}\n' "$vm" "$vm"
      printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: default, labels: {app: calico-vpp-lab}}\n' "${POD[$vm]}"
      printf 'spec: {nodeName: %s, containers: [{name: c, image: calico-lab/none}]}\n' "$vm"
    done
  } | kc apply -f - >/dev/null
  (
    umask 077
    kc -n calico-vpp-dataplane create token calico-vpp-node-sa --duration=8h >"$W/token"
  )
  say "datastore: CRDs, ClusterInformation, BGPConfiguration (mesh), pool $POOL, Nodes, Pods, the agents' token"
}

# ---------------------------------------------------------------- the VMs' second disk
payload() {
  local p="$W/payload"
  rm -rf "$p" && mkdir -p "$p/bin" "$p/cni" "$p/etc"
  cp -a "$VPP_STAGE" "$p/vpp"
  cp -a "$CVPP_BIN"/{calico-vpp-agent,felix-api-proxy,vpp-manager} "$CALICO_BIN/calico-node" "$p/bin/"
  cp -a "$CALICO_BIN"/{calico,calico-ipam} "$p/cni/"
  vm_scripts "$p"
  local mb
  mb=$(($(du -sm "$p" | cut -f1) + 64))
  mke2fs -q -F -t ext4 -L calico-vpp -E root_owner=0:0 -d "$p" "$W/disk.img" "${mb}M" >/dev/null
  rm -rf "$p"
  say "second disk: $W/disk.img (${mb} MB)"
}

# Files the VMs run, written into the second disk (mounted at /opt/cvpp in each VM).
vm_scripts() {
  local p=$1
  cat >"$p/etc/env.sh" <<EOF
# Shared by vpp-manager and the agent (the calico-vpp-config ConfigMap of Calico/VPP's manifest).
export DATASTORE_TYPE=kubernetes WAIT_FOR_DATASTORE=true NAMESPACE=calico-vpp-dataplane
export KUBERNETES_SERVICE_HOST=$GW KUBERNETES_SERVICE_PORT=6443
export SERVICE_PREFIX=$SERVICE_CIDR
export CALICOVPP_INTERFACES='{"uplinkInterfaces": [{"interfaceName": "eth1", "vppDriver": "af_packet"}]}'
export CALICOVPP_INITIAL_CONFIG='{"vppStartupSleepSeconds": 1, "corePattern": ""}'
export CALICOVPP_CONFIG_TEMPLATE='unix { nodaemon cli-listen /var/run/vpp/cli.sock pidfile /run/vpp/vpp.pid poll-sleep-usec 100 }
api-trace { on }
cpu { workers 0 }
socksvr { socket-name /var/run/vpp/vpp-api.sock }
plugins { plugin default { enable } plugin dpdk_plugin.so { disable } }
buffers { buffers-per-numa 16384 }'
# The hooks restart the host's network manager through /host (a container's view): nothing to do here.
for h in BEFORE_IF_READ BEFORE_VPP_RUN VPP_RUNNING VPP_DONE_OK VPP_ERRORED; do export CALICOVPP_HOOK_\$h=true; done
. /etc/calico-vpp-lab/node.env
EOF
  cat >"$p/etc/felix.sh" <<'EOF'
#!/bin/bash
# Felix with the agent's felix-api-proxy as its dataplane driver (what the operator sets for linuxDataplane: VPP).
. /etc/calico-vpp-lab/node.env
for _ in $(seq 300); do [ -x /var/lib/calico/felix-plugins/felix-api-proxy ] && break; sleep 1; done
export DATASTORE_TYPE=kubernetes FELIX_DATASTORETYPE=kubernetes KUBECONFIG=/etc/calico-vpp-lab/kubeconfig
export FELIX_FELIXHOSTNAME=$NODENAME FELIX_USEINTERNALDATAPLANEDRIVER=false
export FELIX_DATAPLANEDRIVER=/var/lib/calico/felix-plugins/felix-api-proxy FELIX_XDPENABLED=false
export FELIX_LOGSEVERITYSCREEN=info FELIX_IPV6SUPPORT=false FELIX_HEALTHENABLED=false
exec /opt/cvpp/bin/calico-node -felix
EOF
  cat >"$p/etc/node-up.sh" <<'EOF'
#!/bin/bash
# In a VM: VPP's files in place, the uplink's address, then vpp-manager, the agent and Felix as units.
set -eu
. /etc/calico-vpp-lab/node.env
cp -a /opt/cvpp/vpp/. / && ldconfig
ln -sf /opt/cvpp/bin/felix-api-proxy /usr/bin/felix-api-proxy
mkdir -p /etc/vpp /var/run/vpp /var/lib/vpp /var/run/calico /var/lib/calico/felix-plugins /var/log/calico/cni /opt/cni/bin /etc/cni/net.d
ln -sf /opt/cvpp/cni/calico /opt/cvpp/cni/calico-ipam /opt/cni/bin/
# What calico-node's startup writes and the CNI plugin looks for.
echo "$NODENAME" >/var/lib/calico/nodename
# udev's default MACAddressPolicy=persistent gives a new tap a MAC of its own: when udev comes after
# vpp-manager, the host's tap no longer has the uplink's MAC that VPP sends the host's frames to (seen).
printf '[Match]\nDriver=tun\n\n[Link]\nNamePolicy=keep kernel\nMACAddressPolicy=none\n' >/run/systemd/network/10-calico-vpp-lab-tun.link
udevadm control --reload
modprobe vhost_net
modprobe tun
ip link set eth1 up
ip addr replace "$UPLINK_ADDRESS" dev eth1
unit() { # name after exec
  cat >/run/systemd/system/cvpp-$1.service <<UNIT
[Unit]
Description=calico-vpp-lab $1
After=$2
[Service]
ExecStart=$3
Restart=always
RestartSec=5
UNIT
}
unit vpp-manager network.target "/bin/bash -c '. /opt/cvpp/etc/env.sh; exec /opt/cvpp/bin/vpp-manager'"
unit agent cvpp-vpp-manager.service "/bin/bash -c '. /opt/cvpp/etc/env.sh; exec /opt/cvpp/bin/calico-vpp-agent'"
unit felix cvpp-agent.service "/bin/bash /opt/cvpp/etc/felix.sh"
systemctl daemon-reload
systemctl start cvpp-vpp-manager cvpp-agent cvpp-felix
EOF
  cat >"$p/etc/pod.sh" <<'EOF'
#!/bin/bash
# pod.sh add|del POD: a network namespace wired by Calico's CNI plugin, which hands the interface to the
# agent's CNI server (dataplane_options); the Pod object exists in the apiserver (the plugin reads it).
set -eu
. /etc/calico-vpp-lab/node.env
cmd=$1 pod=$2
[ "$cmd" = add ] && { ip netns list | grep -w "$pod" >/dev/null || ip netns add "$pod"; }
id=$(echo -n "$pod" | md5sum | cut -c1-32)
CNI_COMMAND=$(echo "$cmd" | tr a-z A-Z) CNI_CONTAINERID=$id CNI_NETNS=/var/run/netns/$pod CNI_IFNAME=eth0 \
  CNI_PATH=/opt/cni/bin CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$pod;K8S_POD_INFRA_CONTAINER_ID=$id" \
  /opt/cni/bin/calico <<CONF
{
  "cniVersion": "0.3.1", "name": "k8s-pod-network", "type": "calico", "log_level": "info",
  "log_file_path": "/var/log/calico/cni/cni.log", "datastore_type": "kubernetes", "nodename": "$NODENAME",
  "mtu": 1400, "ipam": {"type": "calico-ipam"}, "policy": {"type": "k8s"},
  "kubernetes": {"kubeconfig": "/etc/calico-vpp-lab/kubeconfig"},
  "dataplane_options": {"type": "grpc", "socket": "unix:///var/run/calico/cni-server.sock"}
}
CONF
[ "$cmd" = del ] && ip netns del "$pod" 2>/dev/null || true
EOF
  chmod 755 "$p"/etc/*.sh
}

# ---------------------------------------------------------------- up
start_vms() {
  bash "$LAB_VM" net-up "$LAB" "$MGMT_CIDR" >/dev/null
  mkdir -p "$W" && chmod 700 "$W"
}
boot_vms() {
  local vm
  for vm in "${VMS[@]}"; do
    LAB_VM_ACCEL=tcg:max LAB_VM_CPUS=$CPUS LAB_VM_MEMORY=$MEMORY LAB_VM_DRIVE="$W/disk.img" LAB_VM_UPLINK=1 \
      bash "$LAB_VM" start "$LAB" "$vm" "${MGMT[$vm]}"
  done
  for vm in "${VMS[@]}"; do bash "$LAB_VM" wait-ssh "$LAB" "$vm" 600; done
  say "VMs boot: SSH answers on both"
}
node_up() { # vm
  local vm=$1
  vm "$vm" 'umask 077; mkdir -p /var/run/secrets/kubernetes.io/serviceaccount /etc/calico-vpp-lab; cat >/var/run/secrets/kubernetes.io/serviceaccount/token' <"$W/token"
  vm "$vm" 'cat >/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' <"$W/pki/ca.crt"
  vm "$vm" "bash -s" <<EOF
set -eu
umask 077
printf 'export NODENAME=%s\nexport UPLINK_ADDRESS=%s\n' $vm ${UPLINK[$vm]}/$UPLINK_PREFIX >/etc/calico-vpp-lab/node.env
cat >/etc/calico-vpp-lab/kubeconfig <<K
apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: "$APISERVER", certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt}}]
users: [{name: agent, user: {tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token}}]
contexts: [{name: lab, context: {cluster: lab, user: agent}}]
current-context: lab
K
mkdir -p /opt/cvpp
mountpoint -q /opt/cvpp || mount -o ro /dev/vdb /opt/cvpp
/opt/cvpp/etc/node-up.sh
EOF
}
vpp_up() { vm "$1" 'vppctl show interface </dev/null | grep "host-eth1 *[0-9]* *up" >/dev/null'; }
agent_started() { vm "$1" 'journalctl -u cvpp-agent --no-pager | grep "Agent started" >/dev/null'; }
bgp_established() { # vm: an established session on port 179 to the other node's uplink
  local other=vm1
  [[ $1 == vm1 ]] && other=vm2
  vm "$1" "ss -tn state established '( sport = :179 or dport = :179 )' | grep -F '${UPLINK[$other]}:' >/dev/null"
}
pod_ip() { kc get pod "$1" -o jsonpath='{.metadata.annotations.cni\.projectcalico\.org/podIP}' | cut -d/ -f1; }

cmd_up() {
  inputs
  [[ ! -d $W ]] || die "lab $LAB is up already (or half up): run calico-vpp-vms.sh down first"
  start_vms
  pki
  say "lab namespace $NS, PKI"
  datastore
  resources
  payload
  boot_vms
  local vm
  for vm in "${VMS[@]}"; do node_up "$vm"; done
  say "units started on both VMs"
  for vm in "${VMS[@]}"; do until_ok 600 "$vm: VPP with its uplink host-eth1 up" vpp_up "$vm"; done
  say "VPP up with the uplink on both"
  for vm in "${VMS[@]}"; do until_ok 600 "$vm: the agent started (Felix connected)" agent_started "$vm"; done
  say "agents started (Felix synced) on both"
  for vm in "${VMS[@]}"; do until_ok 300 "$vm: the agent's CNI server" vm "$vm" test -S /var/run/calico/cni-server.sock; done
  for vm in "${VMS[@]}"; do
    vm "$vm" /opt/cvpp/etc/pod.sh add "${POD[$vm]}" >"$W/cni-add-${POD[$vm]}.json" 2>"$W/cni-add-${POD[$vm]}.log" ||
      die "$vm: CNI ADD of ${POD[$vm]} failed: $(tail -n 5 "$W/cni-add-${POD[$vm]}.log" "$W/cni-add-${POD[$vm]}.json")"
  done
  say "pods: ${POD[vm1]} $(pod_ip "${POD[vm1]}") on vm1, ${POD[vm2]} $(pod_ip "${POD[vm2]}") on vm2"
  for vm in "${VMS[@]}"; do until_ok 300 "$vm: BGP Established with the other node" bgp_established "$vm"; done
  say "BGP established"
  say "up done"
}

# ---------------------------------------------------------------- check
cmd_check() {
  inputs
  local bad=0 vm other via fib trace ip1 ip2
  for vm in "${VMS[@]}"; do
    vpp_up "$vm" && echo "ok   $vm: VPP runs, host-eth1 (af_packet on eth1) up" || { echo "FAIL $vm: VPP or its uplink" && bad=1; }
    agent_started "$vm" && echo "ok   $vm: the agent started" || { echo "FAIL $vm: the agent" && bad=1; }
    bgp_established "$vm" && echo "ok   $vm: BGP established with the other node" || { echo "FAIL $vm: no BGP session" && bad=1; }
  done
  ip1=$(pod_ip pod-1) ip2=$(pod_ip pod-2)
  [[ -n $ip1 && -n $ip2 ]] || die "the pods have no addresses (pod-1 '$ip1', pod-2 '$ip2')"
  for vm in "${VMS[@]}"; do
    other=$ip2
    [[ $vm == vm2 ]] && other=$ip1
    via=${UPLINK[vm2]}
    [[ $vm == vm2 ]] && via=${UPLINK[vm1]}
    fib=$(vm "$vm" "vppctl show ip fib $other/32 </dev/null")
    if grep -q "ipv4 via $via host-eth1" <<<"$fib"; then
      echo "ok   $vm: VPP routes $other via $via host-eth1 (the other node's uplink, learned over BGP)"
    else
      echo "FAIL $vm: VPP has no route to $other via the other node" && bad=1
    fi
  done
  vm vm2 'vppctl clear interfaces </dev/null; vppctl clear trace </dev/null; vppctl trace add af-packet-input 200 </dev/null'
  if vm vm1 ip netns exec pod-1 ping -c 3 -i 0.5 -W 5 "$ip2"; then echo "ok   pod-1 ($ip1, vm1) pings pod-2 ($ip2, vm2)"; else
    echo "FAIL pod-1 -> pod-2" && bad=1
  fi
  if vm vm2 ip netns exec pod-2 ping -c 3 -i 0.5 -W 5 "$ip1"; then echo "ok   pod-2 pings pod-1"; else echo "FAIL pod-2 -> pod-1" && bad=1; fi
  # Read whole first: grep -q ending the pipe early fails it under pipefail (SIGPIPE), whatever grep found.
  trace=$(vm vm2 'vppctl show trace </dev/null')
  if grep -q "ICMP: $ip1 -> $ip2" <<<"$trace" && grep -Eq "^[0-9:]+: tun[0-9]+-tx" <<<"$trace"; then
    echo "ok   vm2's VPP traced ICMP $ip1 -> $ip2 from its uplink (af-packet-input) to the pod's tun"
  else
    echo "FAIL vm2's VPP trace shows no ICMP $ip1 -> $ip2" && bad=1
  fi
  return $bad
}

cmd_down() {
  bash "$LAB_VM" net-down "$LAB"
}

case ${1:-} in
  up) cmd_up ;;
  check) cmd_check ;;
  down) cmd_down ;;
  *) sed -n '/^#   calico-vpp-vms.sh/s/^#   //p' "${BASH_SOURCE[0]}" >&2 && exit 2 ;;
esac
