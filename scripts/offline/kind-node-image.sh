#!/usr/bin/env bash
# Opt-in part kind-node-image (build.sh --kind): a kind node image (versions.json
# kind.nodeImage) assembled without any registry, the way kind's own images/base/Dockerfile
# and `kind build node-image` (pkg/build/nodeimage) make one, which cannot run offline:
#   1. node rootfs: debootstrap bookworm with the packages of kind's base Dockerfile (systemd,
#      conntrack, iptables, nftables, iproute2, ...) plus Debian's containerd and runc; kind's
#      images/base/files from the kind module (entrypoint, systemd units, containerd config.toml,
#      kubelet drop-ins); the Dockerfile's RUN steps in the chroot; /etc/containerd/cri-base.json
#      from `ctr oci spec` as kind makes it; crictl, the CNI plugins kind ships (host-local,
#      loopback, ptp, portmap), kubeadm/kubelet/kubectl in /usr/bin, /kind/version.
#   2. the images kubeadm asks for (`kubeadm config images list`), built from kind-binaries.sh's
#      binaries on a small Debian base, under their exact registry.k8s.io names; containerd's
#      sandbox_image is set to kubeadm's pause (kind's base config names pause:3.10, which
#      Kubernetes 1.29 does not build).
#   3. as `kind build node-image` does: a build container from the rootfs, containerd started in
#      it, `ctr -n k8s.io images import --no-unpack` of the images, `docker commit`.
# The engine is the one kind will use: the v28 engine in its namespace (docker-v28.sh), or the
# machine's engine when CALICO_LAB_KIND_ENGINE=host. An image whose calico-lab.inputs label
# matches the inputs is not rebuilt.
#   kind-node-image.sh           build when missing or out of date
#   kind-node-image.sh --check   compare the image's label with the inputs; change nothing
#   kind-node-image.sh --rootfs-only   only the two debootstrapped trees (cached as tarballs in
#                      $CALICO_LAB_CACHE/build/kind-rootfs/, named by suite, mirror and packages)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check=0
rootfs_only=0
[[ ${1:-} == --check ]] && check=1
[[ ${1:-} == --rootfs-only ]] && rootfs_only=1
((check)) && export GOPROXY=off

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
calico_pins
KIND_VERSION=$(pin kind.version)
CRICTL_VERSION=$(pin kind.crictlVersion)
ETCD_VERSION=$(pin kind.etcdVersion)
COREDNS_VERSION=$(pin kind.corednsVersion)
PAUSE_VERSION=$(pin kind.pauseVersion)
CNI_PLUGINS_VERSION=$(pin cniPlugins.version)
NODE_IMAGE=$(pin kind.nodeImage)
ART="$CALICO_LAB_CACHE/artifacts"
KBIN="$ART/kind/kubernetes/$KUBE_VERSION"
CNI_BIN="$ART/cni/$CNI_PLUGINS_VERSION/bin"
BUILD="$CALICO_LAB_CACHE/build/kind-node"
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
LABEL_KEY=calico-lab.inputs
export DOCKER_BUILDKIT=0

if [[ ${CALICO_LAB_KIND_ENGINE:-v28} == host ]]; then
  dk() { docker "$@"; }
else
  dk() { bash "$here/docker-v28.sh" exec docker "$@"; }
fi

# The node's Debian packages: kind v0.29.0's images/base/Dockerfile list, less what serves
# only rootless or storage tests (fuse-overlayfs, nfs-common, open-iscsi) and curl, plus
# Debian's containerd and runc (kind builds its own) and gcc-free tools the lab uses.
NODE_PACKAGES=systemd,systemd-sysv,dbus,conntrack,iptables,nftables,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,pigz,bash,ca-certificates,jq,procps,containerd,runc,iputils-ping
IMAGES_PACKAGES=ca-certificates,iptables,conntrack,ipset,kmod
# The images kubeadm asks for at the kubernetes pin (read from kubeadm 1.29.15's constants and
# `kubeadm config images list`), each with the file its static pod or addon runs.
images_list() {
  local r=registry.k8s.io
  echo "$r/kube-apiserver:$KUBE_VERSION kube-apiserver /usr/local/bin/kube-apiserver"
  echo "$r/kube-controller-manager:$KUBE_VERSION kube-controller-manager /usr/local/bin/kube-controller-manager"
  echo "$r/kube-scheduler:$KUBE_VERSION kube-scheduler /usr/local/bin/kube-scheduler"
  echo "$r/kube-proxy:$KUBE_VERSION kube-proxy /usr/local/bin/kube-proxy"
  echo "$r/etcd:$ETCD_VERSION-0 etcd /usr/local/bin/etcd"
  echo "$r/coredns/coredns:$COREDNS_VERSION coredns /coredns"
  echo "$r/pause:$PAUSE_VERSION pause /pause"
}
bin_of() { # name -> built file
  case $1 in
    etcd) echo "$ART/kind/etcd/$ETCD_VERSION/etcd" ;;
    coredns) echo "$ART/kind/coredns/$COREDNS_VERSION/coredns" ;;
    pause) echo "$ART/kind/pause/$PAUSE_VERSION/pause" ;;
    crictl) echo "$ART/kind/crictl/$CRICTL_VERSION/crictl" ;;
    *) echo "$KBIN/$1" ;;
  esac
}
NODE_BINS=(kubeadm kubelet kubectl crictl)
CNI_PLUGINS=(host-local loopback ptp portmap)

# A debootstrapped tree as a tarball, made once per suite, mirror and package list (a warm
# build skips debootstrap: minutes on a busy machine). Prints the tarball's path.
rootfs_tar() { # name packages
  local dir="$CALICO_LAB_CACHE/build/kind-rootfs" key tarball tmp
  key=$(echo "$SUITE $MIRROR minbase $2" | sha256sum | cut -c1-16)
  tarball="$dir/$1-$SUITE-$key.tar"
  if [[ ! -f $tarball ]]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    mkdir -p "$dir"
    tmp=$(mktemp -d "$dir/.$1.XXXXXX")
    echo "debootstrap $1 ($2)" >&2
    debootstrap --variant=minbase --include="$2" "$SUITE" "$tmp/root" "$MIRROR" >"$dir/$1.log" 2>&1 ||
      { tail -n 20 "$dir/$1.log" >&2; rm -rf "$tmp"; return 1; }
    rm -rf "$tmp/root"/var/cache/apt/archives/*.deb "$tmp/root"/var/lib/apt/lists/*
    tar -C "$tmp/root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$tmp"
  fi
  echo "$tarball"
}

kind_files() { echo "$(module_dir "sigs.k8s.io/kind@$KIND_VERSION")/images/base/files"; }
inputs() { # one line per input; its hash is the image's label
  local f name _
  echo "script $(sha256sum <"$0" | cut -c1-16) suite=$SUITE mirror=$MIRROR packages=$NODE_PACKAGES images-packages=$IMAGES_PACKAGES"
  echo "kind-files $(cd "$(kind_files)" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
  for name in "${NODE_BINS[@]}"; do f=$(bin_of "$name"); echo "$name $(sha256sum <"$f" | cut -c1-16)"; done
  for name in "${CNI_PLUGINS[@]}"; do echo "cni/$name $(sha256sum <"$CNI_BIN/$name" | cut -c1-16)"; done
  while read -r _ name _; do f=$(bin_of "$name"); echo "image/$name $(sha256sum <"$f" | cut -c1-16)"; done < <(images_list)
}
if ((rootfs_only)); then
  rootfs_tar node "$NODE_PACKAGES" && rootfs_tar images "$IMAGES_PACKAGES"
  exit
fi
label_of() { dk image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$1" 2>/dev/null || true; }

if [[ ${CALICO_LAB_KIND_ENGINE:-v28} != host ]]; then
  if ((check)); then
    bash "$here/docker-v28.sh" status >/dev/null || exit 1
  else
    bash "$here/docker-v28.sh" start
  fi
fi
missing=0
for name in "${NODE_BINS[@]}" kube-apiserver kube-controller-manager kube-scheduler kube-proxy etcd coredns pause; do
  [[ -x $(bin_of "$name") ]] || { echo "missing $(bin_of "$name"): run kind-binaries.sh" >&2; missing=1; }
done
for name in "${CNI_PLUGINS[@]}"; do [[ -x $CNI_BIN/$name ]] || { echo "missing $CNI_BIN/$name: run calico-binaries.sh" >&2; missing=1; }; done
((missing)) && exit 1
want=$(inputs | sha256sum | cut -c1-32)

if ((check)); then
  have=$(label_of "$NODE_IMAGE")
  if [[ $have == "$want" ]]; then
    echo "ok      $NODE_IMAGE ($(dk image inspect --format '{{.Size}}' "$NODE_IMAGE") bytes) inputs $want"
    exit 0
  fi
  echo "WRONG IMAGE: $NODE_IMAGE: label $LABEL_KEY expected $want, found '${have:-no image}'" >&2
  exit 1
fi

if [[ $(label_of "$NODE_IMAGE") == "$want" ]]; then
  echo "$NODE_IMAGE: up to date (inputs $want)"
  exit 0
fi
rm -rf "$BUILD" && mkdir -p "$BUILD"
started=$SECONDS

# ---- 2. the images kubeadm needs, on a small Debian base
images_tar=$(rootfs_tar images "$IMAGES_PACKAGES")
dk import - calico-lab/kind-images-base:$SUITE <"$images_tar" >/dev/null
names=()
while read -r ref name path; do
  ctx="$BUILD/img-$name" && mkdir -p "$ctx"
  cp "$(bin_of "$name")" "$ctx/$name"
  if [[ $name == pause ]]; then
    printf 'FROM scratch\nCOPY %s %s\nUSER 65535:65535\nENTRYPOINT ["%s"]\n' "$name" "$path" "$path" >"$ctx/Dockerfile"
  else
    printf 'FROM calico-lab/kind-images-base:%s\nCOPY %s %s\nENTRYPOINT ["%s"]\n' "$SUITE" "$name" "$path" "$path" >"$ctx/Dockerfile"
  fi
  (cd "$ctx" && tar -c .) | dk build -q -t "$ref" - >/dev/null
  names+=("$ref")
  echo "image $ref ($path)"
done < <(images_list)
dk save "${names[@]}" >"$BUILD/images.tar"
echo "saved ${#names[@]} images: $(du -h "$BUILD/images.tar" | cut -f1)"

# ---- 1. the node rootfs
R="$BUILD/rootfs"
node_tar=$(rootfs_tar node "$NODE_PACKAGES")
mkdir -p "$R" && tar -C "$R" -xf "$node_tar"
F=$(kind_files)
install -m 0755 "$F"/usr/local/bin/* "$R/usr/local/bin/"
mkdir -p "$R/kind/bin" "$R/LICENSES" "$R/etc/containerd" "$R/etc/default" "$R/etc/sysctl.d" \
  "$R/etc/systemd/system/kubelet.service.d" "$R/kind/manifests" "$R/opt/cni/bin"
install -m 0644 "$F"/kind/README.txt "$R/kind/"
install -m 0755 "$F"/kind/bin/* "$R/kind/bin/"
install -m 0644 "$F"/LICENSES/* "$R/LICENSES/"
install -m 0644 "$F"/etc/crictl.yaml "$R/etc/"
install -m 0644 "$F"/etc/containerd/* "$R/etc/containerd/"
install -m 0644 "$F"/etc/default/* "$R/etc/default/"
install -m 0644 "$F"/etc/sysctl.d/* "$R/etc/sysctl.d/"
install -m 0644 "$F"/etc/systemd/system/*.service "$F"/etc/systemd/system/*.slice "$R/etc/systemd/system/"
install -m 0644 "$F"/etc/systemd/system/kubelet.service.d/* "$R/etc/systemd/system/kubelet.service.d/"
sed -i "s#sandbox_image = \"registry.k8s.io/pause:[^\"]*\"#sandbox_image = \"registry.k8s.io/pause:$PAUSE_VERSION\"#" "$R/etc/containerd/config.toml"
grep -q "pause:$PAUSE_VERSION" "$R/etc/containerd/config.toml" || { echo "kind's containerd config.toml has no sandbox_image line to set" >&2; exit 1; }
# Pods may not lower their oom_score_adj below containerd's own: setting a lower value needs
# CAP_SYS_RESOURCE, which this machine's bounding set lacks (static pods ask for -998: runc
# then fails "can't get final child's PID from pipe: EOF"). kind's entrypoint sets the same for
# rootless nodes.
sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' "$R/etc/containerd/config.toml"
grep -q 'restrict_oom_score_adj = true' "$R/etc/containerd/config.toml" || { echo "kind's containerd config.toml has no restrict_oom_score_adj line" >&2; exit 1; }
# kind's units run containerd from /usr/local/bin (it builds its own); Debian's is in /usr/bin.
ln -sf /usr/bin/containerd "$R/usr/local/bin/containerd"
for b in "${NODE_BINS[@]}"; do
  case $b in crictl) install -m 0755 "$(bin_of "$b")" "$R/usr/local/bin/$b" ;; *) install -m 0755 "$(bin_of "$b")" "$R/usr/bin/$b" ;; esac
done
for p in "${CNI_PLUGINS[@]}"; do install -m 0755 "$CNI_BIN/$p" "$R/opt/cni/bin/$p"; done
printf '%s' "$KUBE_VERSION" >"$R/kind/version"
# The Dockerfile's RUN steps, in the chroot.
chroot "$R" /bin/bash -euc '
  find /lib/systemd/system/sysinit.target.wants/ -name "systemd-tmpfiles-setup.service" -delete
  rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \
    /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \
    /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*
  grep -qx "ReadKMsg=no" /etc/systemd/journald.conf || echo "ReadKMsg=no" >> /etc/systemd/journald.conf
  ln -sf "$(command -v systemd)" /sbin/init
  systemctl enable kubelet.service containerd.service undo-mount-hacks.service
  systemctl mask systemd-binfmt.service
  mkdir -p /etc/kubernetes/manifests
  ctr oci spec | jq ".hooks.createContainer[.hooks.createContainer| length] |= . + {\"path\": \"/kind/bin/mount-product-files.sh\"}" \
    | jq "del(.process.rlimits)" > /etc/containerd/cri-base.json
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
'
tar -C "$R" -c . | dk import \
  --change 'ENV container=docker' --change 'STOPSIGNAL SIGRTMIN+3' \
  --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
  - calico-lab/kind-node-base:$KUBE_VERSION >/dev/null
rm -rf "$R"
echo "node rootfs imported as calico-lab/kind-node-base:$KUBE_VERSION ($((SECONDS - started))s so far)"

# ---- 3. images into the node's containerd, as kind's node-image build does; commit
id=kind-build-$$
dk rm -f "$id" >/dev/null 2>&1 || true
dk run -d --name "$id" --entrypoint sleep --security-opt seccomp=unconfined calico-lab/kind-node-base:$KUBE_VERSION infinity >/dev/null
trap 'dk rm -f "$id" >/dev/null 2>&1 || true' EXIT
dk exec "$id" bash -c 'nohup containerd > /dev/null 2>&1 &'
dk exec "$id" bash -c 'for i in $(seq 1 30); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1'
dk exec -i "$id" ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests - <"$BUILD/images.tar"
dk exec "$id" ctr --namespace=k8s.io images list -q | grep -v '^sha256:' | sort
dk exec "$id" pkill containerd
# Stopped means gone or a zombie (PID 1 here is sleep, which reaps nothing): flushed to disk.
dk exec "$id" bash -c 'for i in $(seq 1 40); do ps -C containerd -o stat= | grep -v Z >/dev/null || exit 0; sleep 0.5; done; exit 1'
dk commit \
  --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
  --change 'ENV HTTP_PROXY="" HTTPS_PROXY="" NO_PROXY=""' \
  --change "LABEL $LABEL_KEY=$want" \
  "$id" "$NODE_IMAGE" >/dev/null
dk rm -f "$id" >/dev/null
trap - EXIT
rm -rf "$BUILD/images.tar" "$BUILD"/img-*
# The images this build replaced are dangling now (the engine is the lab's own: docker-v28.sh).
[[ ${CALICO_LAB_KIND_ENGINE:-v28} == host ]] || dk image prune -f >/dev/null
echo "$NODE_IMAGE: built in $((SECONDS - started))s, $(dk image inspect --format '{{.Size}}' "$NODE_IMAGE") bytes (inputs $want)"
