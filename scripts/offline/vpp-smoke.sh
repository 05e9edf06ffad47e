#!/usr/bin/env bash
# The VPP forwarding lab (seed 003; docs/vpp.md), by hand and without Pulumi: on an internal
# Docker network of its own, etcd and two node-vpp containers (explicit capabilities, never
# --privileged). Each node's VPP takes an af_packet uplink on the node's eth0 (own MAC, own
# address), one workload per node is attached to VPP with an address from Calico IPAM, BIRD
# (node-to-node mesh) learns the other node's block and the route agent puts it in VPP's FIB.
# Checks: a workload on node1 pings one on node2; VPP's counters and a packet trace show the
# packets in both VPPs; the node kernels have no route that could carry them; with node2's VPP
# stopped the ping fails, after its restart the agent programs the routes again and it works;
# node2 leaving takes its block out of node1's VPP.
# Everything it creates carries the label calico-lab.vpp-smoke=1 and is removed on exit
# (with the two iptables rules that let routed traffic cross the lab's own bridge). It talks
# only to the containers it created.
#   vpp-smoke.sh [--keep]
# Settings: VPP_SMOKE_SUBNET (default 172.31.253.0/24), VPP_SMOKE_TIMEOUT seconds per wait (120),
# VPP_SMOKE_IMAGE (default versions.json vpp.nodeImage).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

keep=0
[[ ${1:-} == --keep ]] && keep=1
ETCD_IMAGE=$(pin offlineImages.etcd)
NODE_IMAGE=${VPP_SMOKE_IMAGE:-$(pin vpp.nodeImage)}
SUBNET=${VPP_SMOKE_SUBNET:-172.31.253.0/24}
TIMEOUT=${VPP_SMOKE_TIMEOUT:-120}
prefix=${SUBNET%.*}
RUN="vppsmoke-$(date +%s)"
NET="calico-lab-$RUN"
ETCD_IP="$prefix.4"
ETCD="http://$ETCD_IP:2379"
POOL_CIDR=10.125.0.0/16
node_ip() { echo "$prefix.$((4 + $1))"; }     # node1 .5, node2 .6 (the lab's plan)
vpp_ip() { echo "$prefix.$((132 + $1))"; }    # node1 .133, node2 .134 (core/scenarios/vpp-forwarding.ts)

created_containers=()
created_network=""
rules=()
cleanup() {
  local rc=$?
  if ((keep)); then
    echo "kept: containers ${created_containers[*]} network $created_network"
    echo "remove with: docker rm -f ${created_containers[*]}; docker network rm $created_network; and iptables -D for: ${rules[*]}"
    return
  fi
  if ((${#created_containers[@]})); then docker rm -f "${created_containers[@]}" >/dev/null 2>&1 || true; fi
  local r
  for r in "${rules[@]}"; do while iptables -D $r 2>/dev/null; do :; done; done
  if [[ -n $created_network ]]; then docker network rm "$created_network" >/dev/null 2>&1 || true; fi
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
ok() { printf 'PASS %s\n' "$*"; passed=$((passed + 1)); }
bad() { printf 'FAIL %s\n' "$*"; failed=$((failed + 1)); }
wait_for() { # wait_for DESCRIPTION COMMAND...
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
show() { echo "  \$ $*"; { "$@" 2>&1 || echo "(exit $?)"; } | sed 's/^/    /'; }
dump() {
  echo "---- docker logs $1 (last 40 lines)"
  docker logs --tail 40 "$1" 2>&1 | sed 's/^/    /'
}

docker image inspect "$ETCD_IMAGE" "$NODE_IMAGE" >/dev/null || { echo "images missing: run scripts/offline/build.sh --vpp first" >&2; exit 1; }

docker network create --internal --subnet "$SUBNET" --label calico-lab.vpp-smoke=1 "$NET" >/dev/null
created_network=$NET
bridge="br-$(docker network inspect --format '{{.Id}}' "$NET" | cut -c1-12)"
for chain in DOCKER-USER DOCKER-ISOLATION-STAGE-1; do
  r="$chain -i $bridge -o $bridge -m comment --comment calico-lab:$NET -j ACCEPT"
  iptables -I $r
  rules+=("$r")
done
echo "network $NET ($SUBNET, internal, bridge $bridge)"

run() {
  local name=$1
  shift
  docker run -d --name "$name" --hostname "$name" --network "$NET" --label calico-lab.vpp-smoke=1 "$@" >/dev/null
  created_containers+=("$name")
}
run "$RUN-etcd" --ip "$ETCD_IP" "$ETCD_IMAGE" \
  etcd --name=etcd0 --advertise-client-urls="$ETCD" --listen-client-urls=http://0.0.0.0:2379
wait_for "etcd answers" docker exec "$RUN-etcd" etcdctl --endpoints="$ETCD" endpoint health || exit 1

node_caps=(
  --cap-add NET_ADMIN --cap-add NET_RAW --cap-add SYS_ADMIN --cap-add IPC_LOCK
  --security-opt systempaths=unconfined --security-opt apparmor=unconfined --security-opt seccomp=unconfined
)
start_node() { # start_node N
  local name="$RUN-node$1" ip
  ip=$(node_ip "$1")
  run "$name" --ip "$ip" "${node_caps[@]}" \
    -e NODENAME="$name" -e CALICO_NETWORKING_BACKEND=bird -e DATASTORE_TYPE=etcdv3 \
    -e ETCD_ENDPOINTS="$ETCD" -e IP="$ip" -e CALICO_MANAGE_CNI=false -e NO_DEFAULT_POOLS=true \
    -e FELIX_HEALTHENABLED=true -e FELIX_LOGSEVERITYSCREEN=info "$NODE_IMAGE"
}
started() { [[ $(docker logs "$1" 2>&1) == *"Calico node started successfully"* ]]; }
t0=$SECONDS
start_node 1
start_node 2
for i in 1 2; do
  n="$RUN-node$i"
  wait_for "node$i: calico-node -startup completed" started "$n" || { dump "$n"; exit 1; }
  wait_for "node$i: VPP answers (vppctl show version)" docker exec "$n" vppctl show version || { dump "$n"; exit 1; }
  wait_for "node$i: vpp-lab uplink $(vpp_ip "$i")/24 on eth0" docker exec "$n" vpp-lab uplink "$(vpp_ip "$i")/24" eth0 ||
    { docker exec "$n" vpp-lab uplink "$(vpp_ip "$i")/24" eth0; dump "$n"; exit 1; }
done
show docker exec "$RUN-node1" vppctl show version
show docker exec "$RUN-node1" vppctl show plugins
show docker exec "$RUN-node1" vppctl show interface address

docker exec -i "$RUN-node1" calicoctl apply -f - <<EOF
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: vpp-smoke-pool
spec:
  cidr: $POOL_CIDR
  ipipMode: Never
  vxlanMode: Never
  natOutgoing: false
  blockSize: 26
EOF
established() { docker exec "$RUN-node1" calicoctl node status 2>&1 | grep -E "$(node_ip 2) .*\| *Established"; }
wait_for "node1 <-> node2 BGP session Established" established || exit 1
ok "lab up in $((SECONDS - t0))s"

w1=$(docker exec "$RUN-node1" vpp-lab workload add wl1 | awk '{print $2}') || true
w2=$(docker exec "$RUN-node2" vpp-lab workload add wl2 | awk '{print $2}') || true
[[ $w1 == 10.125.* && $w2 == 10.125.* ]] && ok "workloads: wl1 $w1 on node1, wl2 $w2 on node2 (Calico IPAM)" ||
  { bad "workloads got '$w1' '$w2'"; exit 1; }
block2=$(docker exec "$RUN-node2" sh -c "ip -4 route show proto bird | awk '/^blackhole/{print \$2}'" | sed -n 1p)
block1=$(docker exec "$RUN-node1" sh -c "ip -4 route show proto bird | awk '/^blackhole/{print \$2}'" | sed -n 1p)
in_fib() { # in_fib NODE PREFIX VIA (the whole output first: grep -q would end vppctl with SIGPIPE)
  local out
  out=$(docker exec "$1" vppctl show ip fib "$2") && [[ $out == *"via $3 host-eth0"* ]]
}
wait_for "node1's VPP FIB: $block2 via node2's VPP $(vpp_ip 2) (route agent)" in_fib "$RUN-node1" "$block2" "$(vpp_ip 2)"
wait_for "node2's VPP FIB: $block1 via node1's VPP $(vpp_ip 1) (route agent)" in_fib "$RUN-node2" "$block1" "$(vpp_ip 1)"
show docker exec "$RUN-node1" ip -4 route
show docker exec "$RUN-node2" ip -4 route
show docker exec "$RUN-node2" ip -4 route get "$w2"
show docker exec "$RUN-node1" vppctl show ip fib "$block2"
show docker exec "$RUN-node1" sh -c 'tail -n 5 /var/log/calico/vpp-route-agent/current'

counter() { # counter NODE IF NAME -> value (0 when absent)
  docker exec "$1" vppctl show interface "$2" | grep -oE "$3 +[0-9]+" | awk '{print $NF}' | sed -n 1p || echo 0
}
rx_before=$(counter "$RUN-node2" host-v-wl2 "tx packets")
docker exec "$RUN-node2" vppctl clear trace >/dev/null
docker exec "$RUN-node2" vppctl trace add af-packet-input 20 >/dev/null
if docker exec "$RUN-node1" ip netns exec wl1 ping -c 5 -i 0.2 -W 2 "$w2" >/tmp/vpp-smoke-ping.$$ 2>&1; then
  ok "wl1 ($w1, node1) pings wl2 ($w2, node2): $(grep -o '[0-9]* received' /tmp/vpp-smoke-ping.$$)"
else
  bad "wl1 ($w1) does not reach wl2 ($w2)"
fi
sed 's/^/    /' /tmp/vpp-smoke-ping.$$; rm -f /tmp/vpp-smoke-ping.$$
rx_after=$(counter "$RUN-node2" host-v-wl2 "tx packets")
((${rx_after:-0} - ${rx_before:-0} >= 5)) && ok "node2's VPP sent $((rx_after - rx_before)) packets to wl2 (host-v-wl2 tx packets $rx_before -> $rx_after)" ||
  bad "node2's VPP host-v-wl2 tx packets $rx_before -> $rx_after"
show docker exec "$RUN-node1" vppctl show interface
show docker exec "$RUN-node2" vppctl show interface
# All traced packets: a workload veth's IPv6 multicast (router solicitations) may take the first slots.
trace=$(docker exec "$RUN-node2" vppctl show trace max 20)
echo "$trace" | sed -n '1,80p' | sed 's/^/    /'
[[ $trace == *"ip4-lookup"* && $trace == *"host-v-wl2-output"* && $trace == *"$w1 -> $w2"* ]] &&
  ok "node2's trace: $w1 -> $w2 in on host-eth0 (af-packet-input), ip4-lookup, out host-v-wl2" ||
  bad "node2's trace does not show $w1 -> $w2 going out host-v-wl2"

# VPP is the only path: stop node2's VPP and the ping fails; start it and the agent programs again.
docker exec "$RUN-node2" sv stop vpp >/dev/null
docker exec "$RUN-node1" ip netns exec wl1 ping -c 2 -W 1 "$w2" >/dev/null 2>&1 &&
  bad "with node2's VPP stopped, wl1 still reaches wl2 (another path exists)" ||
  ok "with node2's VPP stopped, wl1 does not reach wl2 (no kernel path)"
docker exec "$RUN-node2" sv start vpp >/dev/null
wait_for "node2: VPP back" docker exec "$RUN-node2" vppctl show version
# VPP's startup-config (vpp-lab's cli.d) brings back the uplink and wl2's interface; the agent, seeing a
# new VPP pid, programs the BGP routes again.
wait_for "node2's VPP FIB again: $block1 via $(vpp_ip 1) (startup-config + agent)" in_fib "$RUN-node2" "$block1" "$(vpp_ip 1)"
wait_for "wl1 reaches wl2 again after node2's VPP restarted" docker exec "$RUN-node1" ip netns exec wl1 ping -c 1 -W 1 "$w2"

# node2 leaves: BIRD on node1 loses the session; Calico's BIRD config has graceful restart, so
# BIRD keeps node2's route as stale for its restart time (120 s) before it withdraws it from the
# kernel; then the agent takes it out of VPP.
docker stop -t 2 "$RUN-node2" >/dev/null
left_kernel() { ! docker exec "$RUN-node1" ip -4 route show "$block2" | grep . >/dev/null; }
gone() { # the whole output first: grep -q would end vppctl with SIGPIPE and pipefail would pass
  local out
  out=$(docker exec "$RUN-node1" vppctl show ip fib "$block2") && [[ $out != *"via $(vpp_ip 2)"* ]]
}
TIMEOUT=$((TIMEOUT + 120)) wait_for "node2 stopped: BIRD (graceful restart over) withdrew $block2 from node1's kernel" left_kernel
wait_for "node2 stopped: $block2 left node1's VPP FIB" gone
show docker exec "$RUN-node1" sh -c 'tail -n 3 /var/log/calico/vpp-route-agent/current'

if ((failed)); then for c in "${created_containers[@]}"; do dump "$c"; done; fi
printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
