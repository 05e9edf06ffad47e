#!/usr/bin/env bash
# Live proof of the qemu substrate's groundwork, the tutorial's shape on two VMs:
#   calico1 (192.168.4.5): etcd (the lab's etcd image, host network) and calico-node
#   calico2 (192.168.4.6): calico-node
# both from the VM base image (scripts/offline/vm-image.sh), on a bridge inside the lab's own
# network namespace (scripts/vm/lab-vm.sh). Checks: BGP sessions Established both ways
# (birdcl), `modprobe ipip` and tunl0 in a VM. Prints the time of each stage and the
# memory of each VM; removes everything it made on exit (a trap: VMs, taps, namespace, files).
#   smoke.sh            (settings: SMOKE_LAB, default vmsmoke; LAB_VM_* as for lab-vm.sh)
# What it printed on our machines is in bench/results.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
LAB=${SMOKE_LAB:-vmsmoke}
CIDR=192.168.4.0/24
NODE_IMAGE=$(node -p 'require(process.argv[1]).offlineImages.node' "$repo/versions.json")
ETCD_IMAGE=$(node -p 'require(process.argv[1]).offlineImages.etcd' "$repo/versions.json")
declare -A ADDR=([calico1]=192.168.4.5 [calico2]=192.168.4.6)
ETCD_ENDPOINTS=http://${ADDR[calico1]}:2379
vm() { bash "$here/lab-vm.sh" "$@"; }
on() { # on VM COMMAND: run a command line in the VM (stdin passes through)
  local v=$1
  shift
  vm ssh "$LAB" "$v" "$@"
}

t0=$(date +%s.%N)
declare -a TIMES=()
mark() { # mark WHAT: time since the start
  local line
  line=$(awk -v a="$t0" -v b="$(date +%s.%N)" -v w="$1" 'BEGIN{printf "%7.1f s  %s", b-a, w}')
  TIMES+=("$line")
  echo "== $line"
}
until_ok() { # until_ok SECONDS WHAT COMMAND...: retry every second
  local limit=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || {
      echo "smoke: $what not within ${limit}s" >&2
      return 1
    }
    sleep 1
  done
}

cleanup() {
  local rc=$?
  echo "== cleanup (exit $rc)"
  vm net-down "$LAB" || true
  if ip netns list | grep "^calicolab-$LAB\b" >/dev/null; then echo "LEFT OVER: namespace calicolab-$LAB" >&2; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

vm net-down "$LAB" >/dev/null # leftovers of an interrupted run
vm accel >/dev/null
mark "accelerator: $(vm accel)"
vm net-up "$LAB" "$CIDR"
for v in calico1 calico2; do vm start "$LAB" "$v" "${ADDR[$v]}"; done
mark "both VMs started"
for v in calico1 calico2; do
  vm wait-ssh "$LAB" "$v" 300
  mark "$v: SSH"
done
for v in calico1 calico2; do
  until_ok 300 "docker in $v" on "$v" docker info
  mark "$v: docker ready"
done
on calico1 docker images --format "'{{.Repository}}:{{.Tag}}'"

# etcd on calico1, host network.
on calico1 docker run -d --name etcd --net=host --restart=unless-stopped "$ETCD_IMAGE" etcd --name=etcd0 \
  --data-dir=/var/lib/etcd/data --advertise-client-urls="$ETCD_ENDPOINTS" --listen-client-urls=http://0.0.0.0:2379 >/dev/null
until_ok 180 "etcd healthy" on calico1 docker exec etcd etcdctl --endpoints=http://127.0.0.1:2379 endpoint health
mark "etcd healthy"

# calico-node on both, host network, the env of templates/calico-node.env.hbs (plain HTTP: its etcdTls block dropped).
for v in calico1 calico2; do
  sed -e '/^{{#if etcdTls}}$/,/^{{\/if}}$/d' -e "s|{{nodeName}}|$v|g" -e "s|{{ip}}|${ADDR[$v]}|g" -e "s|{{asNumber}}|64512|g" \
    -e "s|{{etcdEndpoints}}|$ETCD_ENDPOINTS|g" -e "s|{{logLevel}}|info|g" "$repo/templates/calico-node.env.hbs" |
    on "$v" "mkdir -p /etc/calico-lab && cat > /etc/calico-lab/calico-node.env"
  on "$v" "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 &&
    docker run -d --name calico-node --net=host --privileged --restart=unless-stopped \
      --env-file /etc/calico-lab/calico-node.env \
      -v /lib/modules:/lib/modules:ro -v /var/run/calico:/var/run/calico -v /var/lib/calico:/var/lib/calico \
      -v /var/log/calico:/var/log/calico -v /run/xtables.lock:/run/xtables.lock $NODE_IMAGE" >/dev/null
done
mark "calico-node containers created"
for v in calico1 calico2; do
  until_ok 300 "BIRD answering in $v" on "$v" docker exec calico-node birdcl -s /var/run/calico/bird.ctl show status
  mark "$v: calico-node ready (birdcl answers)"
done
established() { # VM PEER-ADDRESS
  on "$1" docker exec calico-node birdcl -s /var/run/calico/bird.ctl show protocols |
    grep -E "^Mesh_${2//./_} .*Established"
}
until_ok 300 "calico1 -> calico2 Established" established calico1 "${ADDR[calico2]}"
until_ok 300 "calico2 -> calico1 Established" established calico2 "${ADDR[calico1]}"
mark "BGP Established both ways"
for v in calico1 calico2; do
  echo "-- $v: birdcl show protocols"
  on "$v" docker exec calico-node birdcl -s /var/run/calico/bird.ctl show protocols
done

# The VM's kernel is the lab's own: IPIP works.
on calico2 "modprobe ipip && ip -d link show tunl0"
mark "calico2: modprobe ipip, tunl0 present"

# An IPIP pool: each node gets a tunnel address on tunl0 and a block, and BIRD routes the
# other node's block through tunl0 (the node image's BIRD is Calico's fork: krt_tunnel).
on calico1 "docker exec -i calico-node calicoctl apply -f -" <<'EOF'
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: smoke-ipip
spec:
  cidr: 10.1.0.0/16
  blockSize: 26
  ipipMode: Always
  natOutgoing: true
EOF
for v in calico1 calico2; do
  until_ok 300 "a tunnel address on tunl0 in $v" on "$v" "ip -4 -o addr show dev tunl0 | grep 'inet 10\.1\.' >/dev/null"
  echo "$v: $(on "$v" ip -4 -o addr show dev tunl0 | awk '{print $2, $4}')"
done
mark "IPIP pool: tunl0 addresses on both"
until_ok 300 "calico1: a BIRD route to calico2's block" on calico1 "ip route show proto bird | grep '^10\.1\.' >/dev/null"
routes=$(on calico1 ip route show proto bird)
echo "calico1: proto bird routes:"
echo "$routes" | sed 's/^/  /'
if ! grep -q 'dev tunl0' <<<"$routes"; then
  echo "calico1: the BIRD route to calico2's block is not via tunl0" >&2
  exit 1
fi
mark "calico1: route to calico2's block via tunl0"

echo "-- memory"
for v in calico1 calico2; do
  pid=$(cat "${CALICO_LAB_CACHE:-$HOME/.cache/calico-lab}/vm/labs/$LAB/vms/$v/pid")
  echo "$v: qemu RSS $(awk '/VmRSS/{printf "%d MiB", $2/1024}' "/proc/$pid/status"); guest: $(on "$v" free -m | awk '/Mem:/{print "used " $3 " MiB of " $2 " MiB, available " $7 " MiB"}')"
done
echo "-- times"
printf '%s\n' "${TIMES[@]}"
echo "smoke: OK"
