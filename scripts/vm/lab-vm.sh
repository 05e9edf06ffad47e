#!/usr/bin/env bash
# The qemu substrate's VM lifecycle, one lab at a time. Everything a lab makes lives in
# its own network namespace, calicolab-<lab>: the bridge (br0, with the lab's gateway
# address and no route out), one tap per VM, the QEMU processes, and the host-side SSH
# client; nothing outside the namespace is ever a target. Files: the lab's key pair, VM
# overlays, pid files and serial logs under $CALICO_LAB_CACHE/vm/labs/<lab>/; the lab's
# known_hosts in $CALICO_LAB_CACHE/ssh/<lab>/ (where core/transports/ssh.ts looks).
# Needs the base image of scripts/offline/vm-image.sh. Each subcommand is idempotent.
# A forwarder (scripts/vm/forward.mjs, Node.js) lets this machine reach a port of a VM: it
# listens on 127.0.0.1 in this machine's namespace but runs inside the lab's, connecting to
# the VM over the bridge; its pid file and log are under the lab's folder.
#
#   lab-vm.sh net-up   LAB CIDR             namespace, bridge (gateway = first address), key pair
#   lab-vm.sh start    LAB VM ADDRESS       overlay disk, tap, QEMU (KVM if a boot probe works, else TCG)
#   lab-vm.sh wait-ssh LAB VM [SECONDS]     until the VM's sshd answers (its banner; default 300 s)
#   lab-vm.sh ssh      LAB VM [COMMAND...]  ssh into the VM from inside the lab's namespace
#   lab-vm.sh stop     LAB VM               QEMU, tap, overlay, logs and known_hosts entry go
#   lab-vm.sh net-down LAB                  every VM of the lab, the namespace, the lab's files
#   lab-vm.sh status   LAB                  the lab's VMs: address, pid, state
#   lab-vm.sh alive    LAB VM               exit 0 when the VM's QEMU runs, 1 (saying so) when not
#   lab-vm.sh accel-of LAB VM               the accelerator the VM was started with: kvm or tcg
#   lab-vm.sh accel                         the accelerator VMs get (probed once, then cached)
#   lab-vm.sh forward  LAB NAME ADDRESS:PORT LOCALPORT   127.0.0.1:LOCALPORT here to ADDRESS:PORT in the lab
#   lab-vm.sh forward-alive LAB NAME        exit 0 while that forwarder runs, 1 (saying so) when not
#   lab-vm.sh forward-stop  LAB NAME        stops the forwarder (net-down stops every one of the lab)
# Settings: LAB_VM_MEMORY (MiB, default 1024), LAB_VM_CPUS (default 2), LAB_VM_ACCEL
# (tcg, tcg:CPU or kvm:CPU to skip the probe; tcg:max gives the guest SSE4.2, which VPP's
# corei7 build needs, where QEMU's default CPU model has none), LAB_VM_TCG_TB_MIB (TCG translation cache, default
# 256; empty for QEMU's 1 GiB: a smaller cache keeps a VM running calico-node far smaller in
# memory, at no cost we could measure), LAB_VM_DRIVE (a raw disk image given to the VM read-only
# as /dev/vdb, e.g. made by `mke2fs -d`; read at start only), LAB_VM_UPLINK=1 (a second NIC, eth1,
# on its own tap in the lab's bridge, with no address: for a dataplane that takes an interface
# over, such as VPP, while eth0 keeps the VM's SSH).
set -euo pipefail

: "${CALICO_LAB_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}"
BASE="$CALICO_LAB_CACHE/vm/base"
LABS="$CALICO_LAB_CACHE/vm/labs"
MEMORY=${LAB_VM_MEMORY:-1024}
CPUS=${LAB_VM_CPUS:-2}
TB_MIB=${LAB_VM_TCG_TB_MIB-256}
QEMU=qemu-system-x86_64
BRIDGE=br0

die() {
  echo "lab-vm: $*" >&2
  exit 1
}
usage() {
  sed -n '/^#   lab-vm.sh/s/^#   //p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

# ---------------------------------------------------------------- names and addresses
check_lab() { [[ $1 =~ ^[a-z0-9][a-z0-9-]{0,20}$ ]] || die "lab name '$1': allowed are 1-21 of a-z, 0-9, '-' (it names the namespace calicolab-$1)"; }
check_vm() { [[ $1 =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]] || die "VM name '$1': allowed is a DNS label (a-z, 0-9, '-')"; }
ip2int() {
  local a b c d
  [[ $1 =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || return 1
  a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} c=${BASH_REMATCH[3]} d=${BASH_REMATCH[4]}
  ((a < 256 && b < 256 && c < 256 && d < 256)) || return 1
  echo $(((a << 24) | (b << 16) | (c << 8) | d))
}
int2ip() { echo "$((($1 >> 24) & 255)).$((($1 >> 16) & 255)).$((($1 >> 8) & 255)).$(($1 & 255))"; }
ns_of() { echo "calicolab-$1"; }
lab_dir() { echo "$LABS/$1"; }
known_hosts_of() { echo "$CALICO_LAB_CACHE/ssh/$1/known_hosts"; }
ns_exists() { ip netns list | awk '{print $1}' | grep -x "$1" >/dev/null; }
# The lab's network: sets net (int), prefix, gw (dotted).
read_cidr() {
  local cidr=$1 addr
  [[ $cidr =~ ^([0-9.]+)/([0-9]+)$ ]] || die "CIDR '$cidr': expected an IPv4 network like 192.168.4.0/24"
  addr=$(ip2int "${BASH_REMATCH[1]}") || die "CIDR '$cidr': not an IPv4 address"
  prefix=${BASH_REMATCH[2]}
  ((prefix >= 8 && prefix <= 29)) || die "CIDR '$cidr': allowed prefixes are /8 to /29"
  local mask=$(((0xffffffff << (32 - prefix)) & 0xffffffff))
  ((addr & ~mask & 0xffffffff)) && die "CIDR '$cidr': host bits set (the network is $(int2ip $((addr & mask)))/$prefix)"
  net=$addr
  bcast=$((addr | (~mask & 0xffffffff)))
  gw=$(int2ip $((addr + 1)))
}
lab_cidr() {
  local dir
  dir=$(lab_dir "$1")
  [[ -f $dir/cidr ]] || die "lab '$1' has no network: run lab-vm.sh net-up $1 CIDR first"
  cat "$dir/cidr"
}

# ---------------------------------------------------------------- processes
qemu_alive() { # pidfile: true when it names a running QEMU of ours
  local pid
  [[ -f $1 ]] || return 1
  pid=$(cat "$1")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -- "-name calicolab-" >/dev/null
}
kill_pid() { # pid: TERM, wait up to 10 s, KILL
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- accelerator
# KVM counts only if a guest kernel really boots under it: on some machines /dev/kvm
# opens but the guest hangs before its first message. The probe boots the base kernel
# with no disk and no network until it panics for want of a root filesystem.
probe_boot() { # accel-args...: true when the kernel reached its root mount within 30 s
  local log
  log=$(mktemp)
  # (in a subshell: QEMU aborting, as it does for -cpu host on some machines, stays quiet)
  (timeout 30 "$QEMU" "$@" -m 256 -nodefaults -no-user-config -display none -nic none -no-reboot \
    -serial "file:$log" -kernel "$BASE/vmlinuz" -append "console=ttyS0 panic=-1" >/dev/null 2>&1) 2>/dev/null || true
  grep -q -e "VFS: Unable to mount root" -e "Kernel panic" "$log"
  local rc=$?
  rm -f "$log"
  return $rc
}
accel() {
  if [[ -n ${LAB_VM_ACCEL:-} ]]; then
    echo "$LAB_VM_ACCEL"
    return
  fi
  [[ -f $BASE/vmlinuz ]] || die "no VM base image in $BASE: run scripts/offline/vm-image.sh"
  local cache="$CALICO_LAB_CACHE/vm/accel" key verdict=tcg cpu
  key="$(sha256sum "$BASE/vmlinuz" | cut -c1-16) $($QEMU --version | sed -n 1p)"
  if [[ -f $cache && $(head -n1 "$cache") == "$key" ]]; then
    sed -n 2p "$cache"
    return
  fi
  if [[ -r /dev/kvm && -w /dev/kvm ]]; then
    for cpu in host qemu64; do
      echo "lab-vm: probing KVM (-cpu $cpu): booting the kernel for up to 30 s" >&2
      if probe_boot -accel kvm -cpu "$cpu"; then
        verdict="kvm:$cpu"
        break
      fi
    done
  fi
  echo "lab-vm: accelerator $verdict (cached in $cache)" >&2
  mkdir -p "$(dirname "$cache")"
  printf '%s\n%s\n' "$key" "$verdict" >"$cache"
  echo "$verdict"
}
accel_args() {
  case $1 in
    tcg) echo "-accel tcg,thread=multi${TB_MIB:+,tb-size=$TB_MIB}" ;;
    tcg:*) echo "-accel tcg,thread=multi${TB_MIB:+,tb-size=$TB_MIB} -cpu ${1#tcg:}" ;;
    kvm:*) echo "-accel kvm -cpu ${1#kvm:}" ;;
    *) die "accelerator '$1': expected tcg, tcg:CPU or kvm:CPU" ;;
  esac
}

# ---------------------------------------------------------------- ssh
ssh_argv() { # lab: sets SSH, the host-side client inside the lab's namespace
  SSH=(ip netns exec "$(ns_of "$1")" ssh -i "$(lab_dir "$1")/id_ed25519" -o "UserKnownHostsFile=$(known_hosts_of "$1")"
    -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR)
}
vm_address() { # lab vm
  local f
  f="$(lab_dir "$1")/vms/$2/address"
  [[ -f $f ]] || die "no VM '$2' in lab '$1'"
  cat "$f"
}

# ---------------------------------------------------------------- forwarders
FORWARD_JS="$(dirname "${BASH_SOURCE[0]}")/forward.mjs"
check_forward() { [[ $1 =~ ^[a-z0-9][a-z0-9-]{0,40}$ ]] || die "forward name '$1': allowed are 1-41 of a-z, 0-9, '-'"; }
forward_alive() { # lab name: true when the pid file names the lab's running forwarder of that name
  local pidfile pid
  pidfile="$(lab_dir "$1")/forwards/$2.pid"
  [[ -f $pidfile ]] || return 1
  pid=$(cat "$pidfile")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -F -- "forward.mjs serve --name calicolab-$1-$2 " >/dev/null
}

# ---------------------------------------------------------------- subcommands
cmd_net_up() {
  (($# == 2)) || usage
  local lab=$1 cidr=$2 ns dir
  check_lab "$lab"
  read_cidr "$cidr"
  ns=$(ns_of "$lab")
  dir=$(lab_dir "$lab")
  if [[ -f $dir/cidr && $(cat "$dir/cidr") != "$cidr" ]]; then
    die "lab '$lab' already has network $(cat "$dir/cidr"); run net-down first to change it"
  fi
  mkdir -p "$dir/vms" "$(dirname "$(known_hosts_of "$lab")")"
  echo "$cidr" >"$dir/cidr"
  touch "$(known_hosts_of "$lab")"
  ns_exists "$ns" || ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link show "$BRIDGE" >/dev/null 2>&1 || ip -n "$ns" link add "$BRIDGE" type bridge
  ip -n "$ns" addr replace "$gw/$prefix" dev "$BRIDGE"
  ip -n "$ns" link set "$BRIDGE" up
  [[ -f $dir/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C "calicolab-$lab" -f "$dir/id_ed25519"
  echo "lab $lab: namespace $ns, bridge $BRIDGE $gw/$prefix, key $dir/id_ed25519"
}

cmd_start() {
  (($# == 3)) || usage
  local lab=$1 vm=$2 address=$3 cidr ns dir vdir a acc tap mac key other base_id
  check_lab "$lab"
  check_vm "$vm"
  cidr=$(lab_cidr "$lab")
  read_cidr "$cidr"
  ns=$(ns_of "$lab")
  ns_exists "$ns" || die "namespace $ns is missing: run lab-vm.sh net-up $lab $cidr"
  a=$(ip2int "$address") || die "address '$address': not an IPv4 address"
  ((a > net + 1 && a < bcast)) || die "address $address: must be inside $cidr, and not the network, broadcast or gateway ($gw)"
  dir=$(lab_dir "$lab")
  vdir="$dir/vms/$vm"
  for other in "$dir"/vms/*/address; do
    [[ -f $other && $other != "$vdir/address" && $(cat "$other") == "$address" ]] &&
      die "address $address is taken by VM $(basename "$(dirname "$other")")"
  done
  if qemu_alive "$vdir/pid"; then
    [[ $(cat "$vdir/address") == "$address" ]] || die "VM $vm runs with address $(cat "$vdir/address"); stop it first"
    echo "VM $vm: already running (pid $(cat "$vdir/pid"), $address)"
    return
  fi
  [[ -f $BASE/base.qcow2 ]] || die "no VM base image in $BASE: run scripts/offline/vm-image.sh"
  acc=$(accel)
  # A VM that ran and died (killed by hand, or the machine rebooted) is made anew: its overlay may be
  # torn (cache=unsafe), and its host key and the lab's ssh connection to it are stale.
  if [[ -f $vdir/started ]]; then
    echo "VM $vm: its QEMU (pid $(cat "$vdir/pid" 2>/dev/null || echo unknown)) is gone; starting it anew from a fresh overlay"
    rm -f "$vdir/disk.qcow2" "$vdir/pid"
    ssh-keygen -q -R "$address" -f "$(known_hosts_of "$lab")" >/dev/null 2>&1 || true
    rm -f "$(known_hosts_of "$lab").old"
  fi
  mkdir -p "$vdir"
  echo "$address" >"$vdir/address"
  # An overlay is only good on the base it was made from: a rebuilt base (vm-image.sh
  # replaces the file, so running VMs keep the old one open) means a fresh overlay.
  base_id=$(stat -c '%i %Y %s' "$BASE/base.qcow2")
  if [[ -f $vdir/disk.qcow2 && $(cat "$vdir/base-id" 2>/dev/null) != "$base_id" ]]; then
    echo "VM $vm: the base image changed since its overlay was made; starting from a fresh overlay"
    rm -f "$vdir/disk.qcow2"
  fi
  if [[ ! -f $vdir/disk.qcow2 ]]; then
    qemu-img create -q -f qcow2 -F qcow2 -b "$BASE/base.qcow2" "$vdir/disk.qcow2"
    echo "$base_id" >"$vdir/base-id"
  fi
  # The tap is named after the address (unique in the lab; 10 characters).
  tap=$(printf 'vm%08x' "$a")
  echo "$tap" >"$vdir/tap"
  ip -n "$ns" link show "$tap" >/dev/null 2>&1 || ip -n "$ns" tuntap add dev "$tap" mode tap
  ip -n "$ns" link set "$tap" master "$BRIDGE" up
  mac=$(printf '52:54:00:%02x:%02x:%02x' $(((a >> 16) & 255)) $(((a >> 8) & 255)) $((a & 255)))
  local extra=()
  if [[ -n ${LAB_VM_DRIVE:-} ]]; then
    [[ -f $LAB_VM_DRIVE ]] || die "LAB_VM_DRIVE '$LAB_VM_DRIVE': no such file (a raw disk image)"
    extra+=(-drive "file=$LAB_VM_DRIVE,if=virtio,format=raw,readonly=on")
  fi
  if [[ ${LAB_VM_UPLINK:-} == 1 ]]; then
    local tap2
    tap2=$(printf 'vu%08x' "$a")
    echo "$tap2" >"$vdir/tap2"
    ip -n "$ns" link show "$tap2" >/dev/null 2>&1 || ip -n "$ns" tuntap add dev "$tap2" mode tap
    ip -n "$ns" link set "$tap2" master "$BRIDGE" up
    extra+=(-netdev "tap,id=n1,ifname=$tap2,script=no,downscript=no"
      -device "virtio-net-pci,netdev=n1,mac=$(printf '52:54:01:%02x:%02x:%02x' $(((a >> 16) & 255)) $(((a >> 8) & 255)) $((a & 255)))")
  elif [[ -n ${LAB_VM_UPLINK:-} ]]; then
    die "LAB_VM_UPLINK '$LAB_VM_UPLINK': allowed are 1 (a second NIC) or empty"
  fi
  key=$(base64 -w0 <"$dir/id_ed25519.pub")
  rm -f "$vdir/serial.log"
  date +%s.%N >"$vdir/started"
  echo "${acc%%:*}" >"$vdir/accel"
  # shellcheck disable=SC2046 # accel_args prints separate words
  ip netns exec "$ns" "$QEMU" -name "calicolab-$lab-$vm" $(accel_args "$acc") -m "$MEMORY" -smp "$CPUS" \
    -nodefaults -no-user-config -display none -serial "file:$vdir/serial.log" \
    -kernel "$BASE/vmlinuz" -initrd "$BASE/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 quiet cryptomgr.notests net.ifnames=0 mitigations=off apparmor=0 systemd.machine_id=$(echo -n "$lab/$vm" | md5sum | cut -c1-32) calicolab.hostname=$vm calicolab.ip=$address/$prefix calicolab.gw=$gw calicolab.key=$key" \
    -drive "file=$vdir/disk.qcow2,if=virtio,format=qcow2,cache=unsafe" \
    -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device "virtio-net-pci,netdev=n0,mac=$mac" \
    -device virtio-rng-pci "${extra[@]}" -pidfile "$vdir/pid" -daemonize
  echo "VM $vm: started (pid $(cat "$vdir/pid"), $address, $acc, ${MEMORY} MiB, $CPUS vCPUs, serial log $vdir/serial.log)"
}

cmd_wait_ssh() {
  (($# >= 2 && $# <= 3)) || usage
  local lab=$1 vm=$2 timeout=${3:-300} address vdir started now
  address=$(vm_address "$lab" "$vm")
  vdir="$(lab_dir "$lab")/vms/$vm"
  local deadline=$((SECONDS + timeout))
  # sshd's banner, read from inside the namespace, rather than a login: a login under TCG costs
  # 1-2 s, and the lab's own first command logs in anyway. The VM's key and host key are in place
  # before sshd starts (calicolab-setup.service). A probe gives up after 2 s (no ARP answer yet).
  until [[ $(ip netns exec "$(ns_of "$lab")" timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/22" && head -c 4 <&3' "$address" 2>/dev/null) == SSH- ]]; do
    qemu_alive "$vdir/pid" || {
      tail -n 20 "$vdir/serial.log" >&2 || true
      die "VM $vm is not running"
    }
    ((SECONDS < deadline)) || {
      tail -n 20 "$vdir/serial.log" >&2 || true
      die "VM $vm: no SSH within ${timeout}s"
    }
    sleep 0.3
  done
  started=$(cat "$vdir/started")
  now=$(date +%s.%N)
  echo "VM $vm: SSH answers ($(awk -v a="$started" -v b="$now" 'BEGIN{printf "%.1f", b-a}') s after start)"
}

cmd_ssh() {
  (($# >= 2)) || usage
  local lab=$1 vm=$2 address
  shift 2
  address=$(vm_address "$lab" "$vm")
  ssh_argv "$lab"
  exec "${SSH[@]}" "root@$address" "$@"
}

cmd_stop() {
  (($# == 2)) || usage
  local lab=$1 vm=$2 vdir ns f
  check_lab "$lab"
  check_vm "$vm"
  vdir="$(lab_dir "$lab")/vms/$vm"
  ns=$(ns_of "$lab")
  [[ -d $vdir ]] || {
    echo "VM $vm: not there"
    return
  }
  if qemu_alive "$vdir/pid"; then kill_pid "$(cat "$vdir/pid")"; fi
  for f in tap tap2; do
    if [[ -f $vdir/$f ]] && ns_exists "$ns"; then ip -n "$ns" link del "$(cat "$vdir/$f")" 2>/dev/null || true; fi
  done
  if [[ -f $vdir/address && -f $(known_hosts_of "$lab") ]]; then
    ssh-keygen -q -R "$(cat "$vdir/address")" -f "$(known_hosts_of "$lab")" >/dev/null 2>&1 || true
    rm -f "$(known_hosts_of "$lab").old"
  fi
  rm -rf "$vdir"
  echo "VM $vm: stopped and removed"
}

cmd_net_down() {
  (($# == 1)) || usage
  local lab=$1 ns dir v pid f
  check_lab "$lab"
  ns=$(ns_of "$lab")
  dir=$(lab_dir "$lab")
  for v in "$dir"/vms/*/; do
    [[ -d $v ]] && cmd_stop "$lab" "$(basename "$v")"
  done
  # Forwarders run in the namespace (the loop below stops them), but one whose namespace was removed by hand would not be found there.
  for f in "$dir"/forwards/*.pid; do
    [[ -f $f ]] && cmd_forward_stop "$lab" "$(basename "$f" .pid)" >/dev/null
  done
  if ns_exists "$ns"; then
    # Whatever still runs in the lab's namespace was started there by this lab.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill_pid "$pid"; done
    ip netns del "$ns"
  fi
  rm -rf "$dir" "$(dirname "$(known_hosts_of "$lab")")"
  echo "lab $lab: namespace $ns and the lab's files removed"
}

cmd_status() {
  (($# == 1)) || usage
  local lab=$1 dir v state
  check_lab "$lab"
  dir=$(lab_dir "$lab")
  [[ -d $dir ]] || {
    echo "lab $lab: not there"
    return
  }
  echo "lab $lab: network $(cat "$dir/cidr" 2>/dev/null), namespace $(ns_of "$lab") $(ns_exists "$(ns_of "$lab")" && echo present || echo MISSING)"
  for v in "$dir"/vms/*/; do
    [[ -d $v ]] || continue
    if qemu_alive "$v/pid"; then state="running (pid $(cat "$v/pid"))"; else state="not running"; fi
    echo "  $(basename "$v") $(cat "$v/address" 2>/dev/null) $state"
  done
}

cmd_alive() {
  (($# == 2)) || usage
  local lab=$1 vm=$2 vdir
  check_lab "$lab"
  check_vm "$vm"
  vdir="$(lab_dir "$lab")/vms/$vm"
  qemu_alive "$vdir/pid" && return 0
  echo "VM $vm of lab $lab: not running" >&2
  return 1
}

cmd_accel_of() {
  (($# == 2)) || usage
  local f
  check_lab "$1"
  check_vm "$2"
  f="$(lab_dir "$1")/vms/$2/accel"
  [[ -f $f ]] || die "VM '$2' of lab '$1' was never started"
  cat "$f"
}

cmd_forward() {
  (($# == 4)) || usage
  local lab=$1 name=$2 to=$3 port=$4 ns dir
  check_lab "$lab"
  check_forward "$name"
  [[ $to =~ ^[0-9.]+:[0-9]+$ ]] || die "forward target '$to': expected ADDRESS:PORT"
  [[ $port =~ ^[0-9]+$ ]] && ((port >= 1 && port <= 65535)) || die "local port '$port': expected 1 to 65535"
  ns=$(ns_of "$lab")
  ns_exists "$ns" || die "namespace $ns is missing: run lab-vm.sh net-up $lab CIDR"
  dir="$(lab_dir "$lab")/forwards"
  mkdir -p "$dir"
  if forward_alive "$lab" "$name"; then
    echo "forwarder $name: already running (pid $(cat "$dir/$name.pid"))" >&2
    echo "$port"
    return
  fi
  command -v "${LAB_VM_NODE:-node}" >/dev/null || die "forwarder $name needs Node.js (${LAB_VM_NODE:-node} is not on PATH)"
  "${LAB_VM_NODE:-node}" "$FORWARD_JS" start --name "calicolab-$lab-$name" --listen "$port" --to "$to" \
    --pidfile "$dir/$name.pid" --log "$dir/$name.log" --netns "$ns"
  echo "forwarder $name: 127.0.0.1:$port to $to in $ns (pid $(cat "$dir/$name.pid"), log $dir/$name.log)" >&2
}

cmd_forward_alive() {
  (($# == 2)) || usage
  check_lab "$1"
  check_forward "$2"
  forward_alive "$1" "$2" && return 0
  echo "forwarder $2 of lab $1: not running" >&2
  return 1
}

cmd_forward_stop() {
  (($# == 2)) || usage
  local pidfile
  check_lab "$1"
  check_forward "$2"
  pidfile="$(lab_dir "$1")/forwards/$2.pid"
  if forward_alive "$1" "$2"; then kill_pid "$(cat "$pidfile")"; fi
  rm -f "$pidfile" "${pidfile%.pid}.log"
  echo "forwarder $2: stopped"
}

sub=${1:-}
(($#)) && shift
case $sub in
  net-up) cmd_net_up "$@" ;;
  start) cmd_start "$@" ;;
  wait-ssh) cmd_wait_ssh "$@" ;;
  ssh) cmd_ssh "$@" ;;
  stop) cmd_stop "$@" ;;
  net-down) cmd_net_down "$@" ;;
  status) cmd_status "$@" ;;
  alive) cmd_alive "$@" ;;
  accel-of) cmd_accel_of "$@" ;;
  accel) accel ;;
  forward) cmd_forward "$@" ;;
  forward-alive) cmd_forward_alive "$@" ;;
  forward-stop) cmd_forward_stop "$@" ;;
  *) usage ;;
esac
