#!/usr/bin/env bash
# Builds the qemu substrate's VM base image from Debian packages only (opt-in part: not
# in build.sh's default parts because it is big; run it on its own, or
# `bash scripts/offline/build.sh` followed by `bash scripts/offline/vm-image.sh`):
#   $CALICO_LAB_CACHE/vm/base/vmlinuz      the Debian kernel (linux-image-amd64)
#   $CALICO_LAB_CACHE/vm/base/initrd.img   a small initramfs (virtio disk + ext4 only)
#   $CALICO_LAB_CACHE/vm/base/base.qcow2   the root filesystem: debootstrap bookworm minbase
#                                          + systemd, sshd, docker.io, iptables, and the
#                                          lab's node, etcd and kube-apiserver images
#                                          already in /var/lib/docker (no load at boot)
#   $CALICO_LAB_CACHE/vm/base/info         inputs and versions (what --check compares)
# Every VM boots from its own copy-on-write overlay of base.qcow2 (scripts/vm/lab-vm.sh).
# A VM takes its settings from the kernel command line, read at every boot by
# calicolab-setup.service: calicolab.ip=ADDR/PREFIX calicolab.gw=ADDR
# calicolab.hostname=NAME calicolab.key=BASE64(authorized_keys line). Nothing secret is
# baked in: no SSH key, no host keys (made at first boot), no password. Boot it with
# root=/dev/vda rw console=ttyS0 net.ifnames=0 apparmor=0 (the image has no AppArmor
# userland; with AppArmor on, dockerd refuses to start containers).
# Preloading: the lab images are `docker save`d from the host engine into a second,
# private dockerd (no network, no iptables, own sockets) whose data root is the image's
# /var/lib/docker; the guest's dockerd (the same Debian 20.10 release, overlay2) finds them
# there.
#   vm-image.sh           build what is missing or out of date
#   vm-image.sh --check   print versions; non-zero when missing or out of date
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check=0
[[ ${1:-} == --check ]] && check=1

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
ETCD_IMAGE=$(pin offlineImages.etcd)
NODE_IMAGE=$(pin offlineImages.node)
# kdd on VMs: the kube-apiserver VM runs it (without it, the runner would copy 200 MB over ssh at every up).
APISERVER_IMAGE=$(pin offlineImages.kubeApiserver)
PRELOAD=("$NODE_IMAGE" "$ETCD_IMAGE" "$APISERVER_IMAGE")
OUT="$CALICO_LAB_CACHE/vm/base"
WORK="$CALICO_LAB_CACHE/build/vm"
ROOTFS="$WORK/rootfs"
# What the VM runs: systemd, sshd, the kernel and a small initramfs, Docker, and what
# calico-node on the host network expects of its host (iptables, ipset, conntrack, kmod
# for ipip/vxlan modules); ping and ps for people.
PACKAGES=(systemd-sysv openssh-server linux-image-amd64 initramfs-tools iproute2 udev kmod
  docker.io iptables ipset conntrack procps iputils-ping ca-certificates netbase tcpdump)

# The rootfs depends on its own section of this script (packages, guest files); the disk
# on the whole script and the images.
self_hash=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)
rootfs_hash=$(sed -n '/^# -* rootfs$/,/^# -* preload/p' "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
rootfs_inputs=$(echo "rootfs $SUITE $MIRROR ${PACKAGES[*]} $rootfs_hash" | sha256sum | cut -d' ' -f1)
image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
disk_inputs() {
  local image ids=()
  for image in "${PRELOAD[@]}"; do ids+=("$image=$(image_id "$image")"); done
  echo "disk $rootfs_inputs $self_hash ${ids[*]}" | sha256sum | cut -d' ' -f1
}
# The preloaded images the host engine lacks (their ids decide whether the disk is current).
absent_images() {
  local image
  for image in "${PRELOAD[@]}"; do [[ -n $(image_id "$image") ]] || echo "$image"; done
}
info_get() { sed -n "s/^$1=//p" "$OUT/info" 2>/dev/null; }

# ---------------------------------------------------------------- --check
if ((check)); then
  bad=0
  for f in vmlinuz initrd.img base.qcow2 info; do
    [[ -f $OUT/$f ]] || {
      echo "MISSING: $OUT/$f" >&2
      bad=1
    }
  done
  if ((bad == 0)); then
    echo "kernel $(info_get kernel); docker $(info_get docker); images $(info_get images)"
    echo "base.qcow2 $(du -h "$OUT/base.qcow2" | cut -f1) on disk, virtual $(qemu-img info --output=json "$OUT/base.qcow2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write((JSON.parse(s)["virtual-size"]/2**30).toFixed(1)+" GiB"))'); built $(info_get built)"
    if [[ -n $(absent_images) ]]; then
      echo "cannot tell whether the preloaded images are current: $(absent_images | tr '\n' ' ')not in the host engine" >&2
      bad=1
    elif [[ $(info_get inputs) != "$(disk_inputs)" ]]; then
      echo "OUT OF DATE: $OUT/base.qcow2 (this script or the lab images changed)" >&2
      bad=1
    fi
  fi
  exit $bad
fi

want=$(disk_inputs)
[[ -z $(absent_images) ]] || {
  echo "$(absent_images | tr '\n' ' ')must be in the host engine first: run scripts/offline/build.sh" >&2
  exit 1
}
if [[ $(info_get inputs) == "$want" && -f $OUT/base.qcow2 && -f $OUT/vmlinuz && -f $OUT/initrd.img ]]; then
  echo "vm base image: up to date ($OUT)"
  exit 0
fi

need() { command -v "$1" >/dev/null || missing+=("$2"); }
missing=()
need debootstrap debootstrap
need qemu-img qemu-utils
need qemu-system-x86_64 qemu-system-x86
need mkfs.ext4 e2fsprogs
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  apt_install "${missing[@]}" || exit 1
fi
mkdir -p "$WORK" "$OUT"

# ---------------------------------------------------------------- rootfs
t0=$SECONDS
if [[ $(cat "$ROOTFS/.calico-lab-inputs" 2>/dev/null) != "$rootfs_inputs" ]]; then
  rm -rf "$ROOTFS"
  echo "debootstrap --variant=minbase $SUITE + ${PACKAGES[*]} (log: $CALICO_LAB_LOGS/vm-debootstrap.log)"
  debootstrap --variant=minbase --include="$(
    IFS=,
    echo "${PACKAGES[*]}"
  )" "$SUITE" "$ROOTFS" "$MIRROR" >"$CALICO_LAB_LOGS/vm-debootstrap.log" 2>&1 || {
    tail -n 20 "$CALICO_LAB_LOGS/vm-debootstrap.log" >&2
    exit 1
  }
  echo "debootstrap: $((SECONDS - t0))s"

  # --- guest files
  echo "calicolab" >"$ROOTFS/etc/hostname"
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$ROOTFS/etc/hosts"
  printf '/dev/vda / ext4 rw,noatime 0 1\n' >"$ROOTFS/etc/fstab"
  # Each VM gets its own machine id (systemd.machine_id= on the command line, else random).
  : >"$ROOTFS/etc/machine-id"
  rm -f "$ROOTFS/var/lib/dbus/machine-id"
  # No host keys in the image: every VM makes its own at first boot.
  rm -f "$ROOTFS"/etc/ssh/ssh_host_*
  cat >"$ROOTFS/etc/ssh/sshd_config.d/calicolab.conf" <<'EOF'
# calico-lab VM: key logins only (root, with the lab's key from the kernel command line).
HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
EOF
  cat >"$ROOTFS/usr/local/sbin/calicolab-setup" <<'EOF'
#!/bin/sh
# calico-lab: applies this VM's settings from the kernel command line at every boot:
#   calicolab.ip=ADDR/PREFIX  calicolab.gw=ADDR  calicolab.hostname=NAME
#   calicolab.key=BASE64 (an authorized_keys line for root)
set -eu
ip='' gw='' name='' key=''
for w in $(cat /proc/cmdline); do
  case $w in
    calicolab.ip=*) ip=${w#*=} ;;
    calicolab.gw=*) gw=${w#*=} ;;
    calicolab.hostname=*) name=${w#*=} ;;
    calicolab.key=*) key=${w#*=} ;;
  esac
done
if [ -n "$name" ]; then
  echo "$name" >/etc/hostname
  hostname "$name"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost ip6-localhost ip6-loopback\n' "$name" >/etc/hosts
fi
mkdir -p /run/systemd/network
if [ -n "$ip" ]; then
  {
    printf '[Match]\nName=eth0\n\n[Network]\nAddress=%s\n' "$ip"
    [ -n "$gw" ] && printf 'Gateway=%s\n' "$gw"
    printf 'LinkLocalAddressing=no\nIPv6AcceptRA=no\n'
  } >/run/systemd/network/10-calicolab.network
fi
if [ -n "$key" ]; then
  mkdir -p -m 700 /root/.ssh
  echo "$key" | base64 -d >/root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
[ -f /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
EOF
  chmod 755 "$ROOTFS/usr/local/sbin/calicolab-setup"
  cat >"$ROOTFS/etc/systemd/system/calicolab-setup.service" <<'EOF'
[Unit]
Description=calico-lab: address, hostname and SSH key from the kernel command line
DefaultDependencies=no
After=local-fs.target
Before=network-pre.target systemd-networkd.service ssh.service sysinit.target
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/calicolab-setup

[Install]
WantedBy=sysinit.target
EOF
  # Small initramfs: the disk is virtio, the root ext4; nothing else is needed to mount it.
  sed -i 's/^MODULES=.*/MODULES=list/' "$ROOTFS/etc/initramfs-tools/initramfs.conf"
  printf 'virtio_pci\nvirtio_blk\next4\ncrc32c_generic\n' >>"$ROOTFS/etc/initramfs-tools/modules"
  chroot "$ROOTFS" update-initramfs -u -k all >>"$CALICO_LAB_LOGS/vm-debootstrap.log" 2>&1
  chroot "$ROOTFS" systemctl enable calicolab-setup.service systemd-networkd.service >/dev/null 2>&1
  # Units that only cost boot time in a throwaway lab VM: maintenance timers; networkd-wait-online
  # (2 s under TCG that docker.service waited for: the address is static, and the lab's containers
  # use the host network); the gettys on VGA consoles the VM has not (getty-static starts tty2-6
  # without logind; serial-getty@ttyS0 stays); modprobe@ of modules no lab uses (loop, fuse,
  # dm_mod, efi_pstore).
  for u in e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer fstrim.timer \
    dpkg-db-backup.timer systemd-networkd-wait-online.service getty-static.service getty@tty1.service \
    modprobe@loop.service modprobe@fuse.service modprobe@dm_mod.service modprobe@efi_pstore.service; do
    ln -sf /dev/null "$ROOTFS/etc/systemd/system/$u"
  done
  # Drivers for QEMU pc devices the VM does not use (floppy, IDE, PS/2 mouse, speaker, SMBus),
  # KVM (nested) and wireless, which udev loaded at every boot. Only udev's automatic loading
  # is off: `modprobe` by name still works (the modules Calico loads are not among them).
  printf 'blacklist %s\n' floppy ata_piix ata_generic pata_acpi psmouse serio_raw pcspkr i2c_piix4 \
    kvm kvm_amd kvm_intel ccp cfg80211 >"$ROOTFS/etc/modprobe.d/calicolab.conf"
  # The journal in memory: no flush to /var/log/journal at boot (a lab VM's disk is thrown away).
  mkdir -p "$ROOTFS/etc/systemd/journald.conf.d"
  printf '[Journal]\nStorage=volatile\n' >"$ROOTFS/etc/systemd/journald.conf.d/calicolab.conf"
  # sshd without its config test before each start (sshd -t: one more sshd run under TCG).
  mkdir -p "$ROOTFS/etc/systemd/system/ssh.service.d"
  printf '[Service]\nExecStartPre=\n' >"$ROOTFS/etc/systemd/system/ssh.service.d/calicolab.conf"
  # Docker without its default bridge and iptables rules: every container of the lab runs with
  # --network host, and setting up docker0 and its chains took dockerd 3-4 s of its start under TCG.
  mkdir -p "$ROOTFS/etc/docker"
  printf '{ "bridge": "none", "iptables": false }\n' >"$ROOTFS/etc/docker/daemon.json"
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/lib/apt/lists/* \
    "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/var/log/*.log
  echo "$rootfs_inputs" >"$ROOTFS/.calico-lab-inputs"
  echo "rootfs ready: $((SECONDS - t0))s, $(du -sh "$ROOTFS" | cut -f1)"
else
  echo "rootfs: up to date ($ROOTFS)"
fi

# ---------------------------------------------------------------- preload the lab images
t1=$SECONDS
rm -rf "$ROOTFS/var/lib/docker"
mkdir -p "$ROOTFS/var/lib/docker"
priv="$WORK/dockerd"
rm -rf "$priv" && mkdir -p "$priv"
echo '{}' >"$priv/daemon.json"
# A private daemon: its own sockets and exec root, no bridge, no iptables, no forwarding
# changes, in a network namespace of its own: a dockerd started with --bridge none deletes any
# docker0 link it sees (moby removes the default bridge when it is disabled), and on this
# machine's namespace that was the running engine's docker0. Its client talks to it over the socket.
unshare --net -- dockerd --config-file "$priv/daemon.json" --data-root "$ROOTFS/var/lib/docker" --exec-root "$priv/exec" \
  --pidfile "$priv/dockerd.pid" -H "unix://$priv/docker.sock" --storage-driver overlay2 \
  --bridge none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
  >"$CALICO_LAB_LOGS/vm-preload-dockerd.log" 2>&1 &
priv_pid=$!
stop_priv() {
  kill "$priv_pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$priv_pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -9 "$priv_pid" 2>/dev/null || true
}
trap stop_priv EXIT
for _ in $(seq 1 100); do
  docker -H "unix://$priv/docker.sock" info >/dev/null 2>&1 && break
  kill -0 "$priv_pid" 2>/dev/null || {
    tail -n 20 "$CALICO_LAB_LOGS/vm-preload-dockerd.log" >&2
    exit 1
  }
  sleep 0.2
done
echo "docker save ${PRELOAD[*]} | docker load (private daemon)"
docker save "${PRELOAD[@]}" | docker -H "unix://$priv/docker.sock" load
docker -H "unix://$priv/docker.sock" images --format '{{.Repository}}:{{.Tag}} {{.ID}}' >"$priv/images"
stop_priv
trap - EXIT
# Keep the images and their layers; the guest's daemon makes the rest for itself.
(cd "$ROOTFS/var/lib/docker" && find . -mindepth 1 -maxdepth 1 ! -name image ! -name overlay2 -exec rm -rf {} +)
echo "preload: $((SECONDS - t1))s, /var/lib/docker $(du -sh "$ROOTFS/var/lib/docker" | cut -f1)"

# ---------------------------------------------------------------- kernel, initrd, disk
t2=$SECONDS
kver=$(basename "$(ls -d "$ROOTFS"/lib/modules/* | sort -V | tail -n1)")
size_mb=$(($(du -sm "$ROOTFS" | cut -f1) * 13 / 10 + 2048))
raw="$WORK/disk.raw"
rm -f "$raw"
# mke2fs -d copies files, owners, modes, devices and extended attributes (overlay2's
# whiteouts and opaque directories survive).
mkfs.ext4 -q -F -L calicolab-root -E root_owner=0:0 -d "$ROOTFS" "$raw" "${size_mb}M" >/dev/null
qemu-img convert -q -O qcow2 "$raw" "$OUT/base.qcow2.new"
rm -f "$raw"
cp "$ROOTFS/boot/vmlinuz-$kver" "$OUT/vmlinuz.new"
cp "$ROOTFS/boot/initrd.img-$kver" "$OUT/initrd.img.new"
mv "$OUT/vmlinuz.new" "$OUT/vmlinuz"
mv "$OUT/initrd.img.new" "$OUT/initrd.img"
mv "$OUT/base.qcow2.new" "$OUT/base.qcow2"
{
  echo "inputs=$want"
  echo "kernel=$kver"
  echo "docker=$(chroot "$ROOTFS" dpkg-query -W -f '${Version}' docker.io)"
  echo "images=$(tr '\n' ' ' <"$priv/images" | sed 's/ $//')"
  echo "disk_mb=$size_mb"
  echo "built=$(date -u +%FT%TZ)"
} >"$OUT/info"
echo "disk: $((SECONDS - t2))s; base.qcow2 $(du -h "$OUT/base.qcow2" | cut -f1), initrd $(du -h "$OUT/initrd.img" | cut -f1), kernel $kver"
echo "vm base image ready in $((SECONDS - t0))s: $OUT"
