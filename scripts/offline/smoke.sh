#!/usr/bin/env bash
# Smoke test of the offline images, without Pulumi: on an internal Docker network of its
# own, one etcd container and two Calico node containers (explicit capabilities, never
# --privileged). Checks that calico-node's startup completes, BIRD answers on its control
# socket, `calicoctl get nodes` lists the nodes, Felix is live and ready, an IPPool
# (VXLAN, no IPIP) reaches BIRD's config, and the two nodes' BGP session is Established.
# Everything it creates carries the label calico-lab.smoke=1 plus a per-run label, and is
# removed on exit. It talks only to the containers it created.
#   smoke.sh [--keep]    --keep leaves the lab up for a look (remove it with the printed command)
# Settings: SMOKE_SUBNET (default 172.31.254.0/24), SMOKE_TIMEOUT seconds per wait (120).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

keep=0
[[ ${1:-} == --keep ]] && keep=1

ETCD_IMAGE=$(pin offlineImages.etcd)
NODE_IMAGE=$(pin offlineImages.node)
SUBNET=${SMOKE_SUBNET:-172.31.254.0/24}
TIMEOUT=${SMOKE_TIMEOUT:-120}
prefix=${SUBNET%.*}
RUN="smoke-$(date +%s)-$$"
NET="calico-lab-$RUN"
ETCD_IP="$prefix.2"
ETCD="http://$ETCD_IP:2379"
POOL_CIDR=10.123.0.0/16
POOL2_CIDR=10.124.0.0/16

created_containers=()
created_network=""
cleanup() {
  local rc=$?
  if ((keep)); then
    echo "kept: containers ${created_containers[*]} network $created_network"
    echo "remove with: docker rm -f ${created_containers[*]}; docker network rm $created_network"
    return
  fi
  if ((${#created_containers[@]})); then docker rm -f "${created_containers[@]}" >/dev/null 2>&1 || true; fi
  if [[ -n $created_network ]]; then docker network rm "$created_network" >/dev/null 2>&1 || true; fi
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
ok() { printf 'PASS %s\n' "$*"; passed=$((passed + 1)); }
bad() { printf 'FAIL %s\n' "$*"; failed=$((failed + 1)); }
# wait_for DESCRIPTION COMMAND...: retries COMMAND every second for up to $TIMEOUT s.
wait_for() {
  local what=$1 start=$SECONDS
  shift
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - start >= TIMEOUT)); then
      bad "$what (gave up after ${TIMEOUT}s)"
      return 1
    fi
    sleep 1
  done
  ok "$what ($((SECONDS - start))s)"
}
dump() { # dump CONTAINER: last lines of its log, for failures
  echo "---- docker logs $1 (last 40 lines)"
  docker logs --tail 40 "$1" 2>&1 | sed 's/^/    /'
}

docker image inspect "$ETCD_IMAGE" "$NODE_IMAGE" >/dev/null || {
  echo "images missing: run scripts/offline/build.sh first" >&2
  exit 1
}

created_network=$(docker network create --internal --subnet "$SUBNET" \
  --label calico-lab.smoke=1 --label "calico-lab.smoke.run=$RUN" "$NET")
created_network=$NET
echo "network $NET ($SUBNET, internal)"

run() { # run NAME docker-run-args...: starts a labelled container and records it
  local name=$1
  shift
  docker run -d --name "$name" --hostname "$name" --network "$NET" \
    --label calico-lab.smoke=1 --label "calico-lab.smoke.run=$RUN" "$@" >/dev/null
  created_containers+=("$name")
}

# ---------------------------------------------------------------- etcd
run "$RUN-etcd" --ip "$ETCD_IP" "$ETCD_IMAGE" \
  etcd --name=etcd0 --advertise-client-urls="$ETCD" --listen-client-urls=http://0.0.0.0:2379
wait_for "etcd answers on $ETCD" docker exec "$RUN-etcd" etcdctl --endpoints="$ETCD" endpoint health ||
  { dump "$RUN-etcd"; exit 1; }

# ---------------------------------------------------------------- calico nodes
node_caps=(
  --cap-add NET_ADMIN --cap-add NET_RAW --cap-add SYS_ADMIN
  --security-opt systempaths=unconfined --security-opt apparmor=unconfined --security-opt seccomp=unconfined
)
start_node() { # start_node N
  local name="$RUN-node$1" ip="$prefix.$((10 + $1))"
  run "$name" --ip "$ip" "${node_caps[@]}" \
    -e NODENAME="$name" -e CALICO_NETWORKING_BACKEND=bird -e DATASTORE_TYPE=etcdv3 \
    -e ETCD_ENDPOINTS="$ETCD" -e IP="$ip" -e IP_AUTODETECTION_METHOD=can-reach="$ETCD_IP" \
    -e CALICO_MANAGE_CNI=false -e NO_DEFAULT_POOLS=true \
    -e FELIX_HEALTHENABLED=true -e FELIX_LOGSEVERITYSCREEN=info \
    "$NODE_IMAGE"
}
started() { [[ $(docker logs "$1" 2>&1) == *"Calico node started successfully"* ]]; }
node_checks() { # node_checks NAME
  local n=$1
  wait_for "$n: calico-node -startup completed" started "$n" || { dump "$n"; return 1; }
  wait_for "$n: BIRD answers on /var/run/calico/bird.ctl" \
    docker exec "$n" birdcl -s /var/run/calico/bird.ctl show status || dump "$n"
  docker exec "$n" birdcl -s /var/run/calico/bird.ctl show status 2>&1 | sed 's/^/    /'
  wait_for "$n: calico-node -bird-ready" docker exec "$n" calico-node -bird-ready
  wait_for "$n: calico-node -felix-live" docker exec "$n" calico-node -felix-live
  wait_for "$n: calico-node -felix-ready" docker exec "$n" calico-node -felix-ready
  wait_for "$n: confd wrote bird.cfg" docker exec "$n" test -s /etc/calico/confd/config/bird.cfg
  wait_for "$n: calicoctl get nodes lists $n" sh -c "docker exec '$n' calicoctl get nodes | grep -w '$n' >/dev/null"
}

start_node 1
node_checks "$RUN-node1" || exit 1
docker exec "$RUN-node1" calicoctl get nodes -o wide 2>&1 | sed 's/^/    /'
echo "    services: $(docker exec "$RUN-node1" sh -c 'sv status /etc/service/enabled/* 2>&1 | cut -d: -f1,2 | tr "\n" ";"')"

# Two IPPools without IPIP (no ipip kernel module here), one with VXLAN and one routed
# by BGP alone: confd renders both into bird_ipam.cfg (Calico's templates as they are,
# krt_tunnel statements included), which the image's BIRD (Calico's fork) must accept.
docker exec -i "$RUN-node1" calicoctl apply -f - <<EOF
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: smoke-pool-vxlan
spec:
  cidr: $POOL_CIDR
  ipipMode: Never
  vxlanMode: Always
  natOutgoing: false
  blockSize: 26
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: smoke-pool-bgp
spec:
  cidr: $POOL2_CIDR
  ipipMode: Never
  vxlanMode: Never
  natOutgoing: false
  blockSize: 26
EOF
pools_rendered() {
  local cfg
  cfg=$(docker exec "$RUN-node1" cat /etc/calico/confd/config/bird_ipam.cfg) &&
    [[ $cfg == *"$POOL_CIDR"* && $cfg == *"$POOL2_CIDR"* ]]
}
wait_for "node1: pools $POOL_CIDR and $POOL2_CIDR in BIRD's config" pools_rendered
wait_for "node1: BIRD parses the rendered config (bird -p)" \
  docker exec "$RUN-node1" bird -p -c /etc/calico/confd/config/bird.cfg
wait_for "node1: BIRD reloaded with the pool (show protocols)" \
  docker exec "$RUN-node1" birdcl -s /var/run/calico/bird.ctl show protocols

start_node 2
node_checks "$RUN-node2" || exit 1

established() { docker exec "$RUN-node1" calicoctl node status 2>&1 | grep -E "$prefix\.12 .*\| *Established"; }
wait_for "node1 <-> node2 BGP session Established" established
docker exec "$RUN-node1" calicoctl node status 2>&1 | sed 's/^/    /'
docker exec "$RUN-node2" birdcl -s /var/run/calico/bird.ctl show protocols 2>&1 | sed 's/^/    /'

wait_for "node2: VXLAN device vxlan.calico created by Felix" docker exec "$RUN-node2" ip -d link show vxlan.calico
docker exec "$RUN-node2" ip -d link show vxlan.calico 2>&1 | sed 's/^/    /'

# One workload per node (a network namespace inside the node container, plumbed by
# cnitool with the calico + calico-ipam plugins from the VXLAN pool), then a ping from
# one workload to the other across nodes. Only VXLAN is tried: unencapsulated BGP-routed
# workload traffic is dropped by the Docker engine's isolation rules for internal
# networks (packets whose addresses are outside the network's subnet).
add_workload() { # add_workload NODE -> prints the workload's IPv4 address
  local n=$1
  docker exec -i "$n" sh -c 'mkdir -p /etc/cni/net.d && cat >/etc/cni/net.d/10-smoke.conflist' <<EOF
{"cniVersion": "1.0.0", "name": "smoke", "plugins": [
  {"type": "calico", "datastore_type": "etcdv3", "etcd_endpoints": "$ETCD", "nodename": "$n",
   "log_level": "warning", "log_file_path": "/var/log/calico/cni/cni.log", "mtu": 1450,
   "ipam": {"type": "calico-ipam", "assign_ipv4": "true", "ipv4_pools": ["$POOL_CIDR"]}},
  {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true}]}
EOF
  docker exec "$n" sh -c 'ip netns add w1 &&
    CNI_PATH=/opt/cni/bin NETCONFPATH=/etc/cni/net.d cnitool add smoke /var/run/netns/w1 >/dev/null 2>&1 &&
    ip netns exec w1 ip -4 -o addr show eth0' | awk '{print $4}' | cut -d/ -f1
}
w1=$(add_workload "$RUN-node1") || true
w2=$(add_workload "$RUN-node2") || true
if [[ $w1 == "${POOL_CIDR%%.0.0/16}".* && $w2 == "${POOL_CIDR%%.0.0/16}".* ]]; then
  ok "cnitool add: workloads $w1 on node1, $w2 on node2"
  wait_for "workload $w1 (node1) pings workload $w2 (node2) over VXLAN" \
    docker exec "$RUN-node1" ip netns exec w1 ping -c 1 -W 1 "$w2"
else
  bad "cnitool add: workloads got '$w1' and '$w2', not addresses in $POOL_CIDR"
fi

if ((failed)); then
  for c in "${created_containers[@]}"; do dump "$c"; done
fi
printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
