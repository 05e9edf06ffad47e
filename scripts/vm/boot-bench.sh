#!/usr/bin/env bash
# Measures how soon a lab VM is ready, the way the qemu substrate starts one (lab-vm.sh net-up,
# start, wait-ssh and a first command over ssh, then `docker info` until it answers): per run,
# seconds from `start` to that first command's answer and to Docker answering, the guest's uptime
# at both and when sshd and dockerd were up (its journal), systemd-analyze's total, then (with -v) systemd-analyze blame and critical-chain, the kernel's last dmesg
# line before init and docker/containerd's start in the journal. One VM at a time, in a lab
# of its own (namespace calicolab-$BENCH_LAB), torn down with net-down after each run (and on exit).
# Run it under the shared lock: flock /tmp/calico-lab-heavy.lock bash scripts/vm/boot-bench.sh
#   boot-bench.sh [-v] [RUNS]   (default 3 runs; settings: BENCH_LAB, default vmboot; BENCH_LAB_VM, another
#                               lab-vm.sh to compare with; CALICO_LAB_CACHE, LAB_VM_* as for lab-vm.sh)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
verbose=0
[[ ${1:-} == -v ]] && verbose=1 && shift
RUNS=${1:-3}
LAB=${BENCH_LAB:-vmboot}
CIDR=192.168.77.0/24
ADDRESS=192.168.77.4
VM=bench
vm() { bash "${BENCH_LAB_VM:-$here/lab-vm.sh}" "$@"; }
trap 'vm net-down "$LAB" >/dev/null 2>&1 || true' EXIT

declare -a ROWS=()
for run in $(seq 1 "$RUNS"); do
  vm net-down "$LAB" >/dev/null 2>&1 || true
  vm net-up "$LAB" "$CIDR" >/dev/null
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s.%N)
  vm start "$LAB" "$VM" "$ADDRESS" >/dev/null
  vm wait-ssh "$LAB" "$VM" 300 >/dev/null
  # SSH ready: wait-ssh and then a first command, as the lab's machine step does (its boot id).
  up_ssh=$(vm ssh "$LAB" "$VM" 'cut -d" " -f1 /proc/uptime')
  t_ssh=$(date +%s.%N)
  # Docker: polled inside the VM (0.2 s), as the lab's dockerWaitScript does over its own connection.
  up_docker=$(vm ssh "$LAB" "$VM" 'until docker info >/dev/null 2>&1; do sleep 0.2; done; cut -d" " -f1 /proc/uptime')
  t_docker=$(date +%s.%N)
  total=$(vm ssh "$LAB" "$VM" 'until systemctl is-system-running --wait >/dev/null 2>&1 || [ "$(systemctl is-system-running)" = degraded ]; do sleep 0.5; done; systemd-analyze | sed -n 1p')
  # In the guest's own clock: sshd started, dockerd's API listening.
  up=$(vm ssh "$LAB" "$VM" 'journalctl -b -o short-monotonic --no-pager -u ssh -u docker | sed -n -e "s/^\[ *\([0-9.]*\)\].*Started ssh.service.*/sshd \1/p" -e "s/^\[ *\([0-9.]*\)\].*API listen.*/dockerd \1/p" | tr "\n" " "')
  row=$(awk -v a="$t0" -v s="$t_ssh" -v d="$t_docker" -v us="$up_ssh" -v ud="$up_docker" -v l="$load" -v r="$run" -v t="$total" -v u="$up" \
    'BEGIN{printf "run %d  load %5s  ssh %5.1f s (guest %5.1f)  docker %5.1f s (guest %5.1f)  guest: %s | %s", r, l, s-a, us, d-a, ud, u, t}')
  ROWS+=("$row")
  echo "$row"
  if ((verbose)); then
    vm ssh "$LAB" "$VM" 'echo "-- blame"; systemd-analyze blame | sed -n 1,25p
      echo "-- critical-chain"; systemd-analyze critical-chain
      echo "-- critical-chain ssh.service docker.service"; systemd-analyze critical-chain ssh.service docker.service
      echo "-- kernel"; dmesg | grep -m1 -e "Run /sbin/init" -e "Run /init"; dmesg | grep -m1 "EXT4-fs (vda)"; dmesg | grep -m1 "Freeing unused kernel"
      echo "-- units"; systemctl list-units --type=service --state=running --no-legend --plain | cut -d" " -f1 | tr "\n" " "; echo
      echo "-- timers"; systemctl list-timers --all --no-legend --plain | awk "{print \$NF}" | tr "\n" " "; echo
      echo "-- docker, containerd, ssh"; journalctl -b -o short-monotonic --no-pager -u ssh -u containerd -u docker | grep -e Started -e Starting -e "API listen" -e "serving\.\.\." | sed -n 1,12p'
  fi
  vm net-down "$LAB" >/dev/null
done
echo "== summary (seconds from lab-vm.sh start)"
printf '%s\n' "${ROWS[@]}"
