#!/usr/bin/env bash
# Builds the lab's images without any registry:
#   base  (versions.json offlineImages.base): Debian bookworm by debootstrap, docker import
#   etcd  (offlineImages.etcd): Debian etcd-server, images/etcd/
#   node  (offlineImages.node): the calico/node contract, images/node/, with the binaries
#         from calico-binaries.sh (artifacts/manifest.json) and Calico's confd templates
#         from the Go module cache
#   kube-apiserver (offlineImages.kubeApiserver): Debian's openssl, kube-apiserver and
#         kubectl from kube-binaries.sh and Calico's CRDs (both in artifacts/manifest.json),
#         images/kube-apiserver/
#   tcpdump (offlineImages.tcpdump): Debian's tcpdump, images/tcpdump/: npm run lab:capture runs it
#         in a Docker node's network namespace
# Build contexts are assembled under $CALICO_LAB_CACHE/build/. Each image carries a label
# with the hash of its inputs; an image whose label matches is not rebuilt.
#   images.sh           build what is missing or out of date
#   images.sh --base    only the base image (calico-bird.sh compiles BIRD in it)
#   images.sh --check   print versions; non-zero when an image is missing or out of date.
#                       Changes nothing: no build, no tag; the build contexts whose hashes it
#                       compares with the images' labels are assembled in a temporary folder
#                       (removed on exit), modules come from the module cache only (GOPROXY=off).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/node-confd.sh"

check=0
base_only=0
[[ ${1:-} == --check ]] && check=1
[[ ${1:-} == --base ]] && base_only=1

BASE_IMAGE=$(pin offlineImages.base)
ETCD_IMAGE=$(pin offlineImages.etcd)
NODE_IMAGE=$(pin offlineImages.node)
KUBE_IMAGE=$(pin offlineImages.kubeApiserver)
TCPDUMP_IMAGE=$(pin offlineImages.tcpdump)
ETCD_VERSION=$(pin etcd.version)
calico_pins
MANIFEST="$CALICO_LAB_CACHE/artifacts/manifest.json"
BUILD="$CALICO_LAB_CACHE/build"
if ((check)); then
  BUILD=$(mktemp -d "${TMPDIR:-/tmp}/calico-lab-images-check.XXXXXX")
  trap 'rm -rf "$BUILD"' EXIT
  export GOPROXY=off
fi
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
LABEL_KEY=calico-lab.inputs
# The legacy builder works with every engine (Debian's 20.10 has no buildx plugin).
export DOCKER_BUILDKIT=0

image_label() { docker image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$1" 2>/dev/null || true; }
image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
tree_hash() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1); }

# ---------------------------------------------------------------- inputs of each image
# base: the suite and mirror (debootstrap takes the current packages of the suite).
base_inputs="debootstrap minbase $SUITE $MIRROR v1"

context_etcd() { # assemble the etcd build context; prints its directory
  local ctx="$BUILD/etcd"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -a "$CALICO_LAB_REPO/images/etcd/." "$ctx/"
  echo "$ctx"
}

context_tcpdump() { # assemble the tcpdump build context; prints its directory
  local ctx="$BUILD/tcpdump"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -a "$CALICO_LAB_REPO/images/tcpdump/." "$ctx/"
  echo "$ctx"
}

context_node() { # assemble the node build context; prints its directory
  local ctx="$BUILD/node"
  [[ -f $MANIFEST ]] || { echo "no $MANIFEST: run calico-binaries.sh first" >&2; return 1; }
  rm -rf "$ctx" && mkdir -p "$ctx/bin" "$ctx/cni" "$ctx/confd" "$ctx/bird"
  cp -a "$CALICO_LAB_REPO/images/node/." "$ctx/"
  # Artifacts, checked against the manifest's sha256 while they are copied.
  node - "$MANIFEST" "$ctx" "$CALICO_VERSION" <<'EOF'
const fs = require("fs"), crypto = require("crypto"), path = require("path");
const [manifestPath, ctx, calico] = process.argv.slice(2);
const a = JSON.parse(fs.readFileSync(manifestPath, "utf8")).artifacts;
const copy = (src, sum, dest) => {
  const data = fs.readFileSync(src);
  const h = crypto.createHash("sha256").update(data).digest("hex");
  if (h !== sum) throw new Error(`${src}: sha256 ${h} does not match the manifest (${sum})`);
  fs.writeFileSync(dest, data, { mode: 0o755 });
};
if (a["calico-node"].version !== calico) throw new Error(`manifest has calico ${a["calico-node"].version}, versions.json pins ${calico}: run calico-binaries.sh`);
copy(a["calico-node"].path, a["calico-node"].sha256, path.join(ctx, "bin/calico-node"));
copy(a.calicoctl.path, a.calicoctl.sha256, path.join(ctx, "bin/calicoctl"));
copy(a.cnitool.path, a.cnitool.sha256, path.join(ctx, "bin/cnitool"));
copy(a.calico.path, a.calico.sha256, path.join(ctx, "cni/calico"));
copy(a["calico-ipam"].path, a["calico-ipam"].sha256, path.join(ctx, "cni/calico-ipam"));
for (const [f, s] of Object.entries(a["cni-plugins"].files)) copy(path.join(a["cni-plugins"].dir, f), s, path.join(ctx, "cni", f));
if (!a.bird) throw new Error(`${manifestPath} has no bird: run calico-bird.sh`);
for (const [f, s] of Object.entries(a.bird.files)) copy(path.join(a.bird.dir, f), s, path.join(ctx, "bird", f));
const info = [
  `calico ${calico} commit ${a["calico-node"].commit} (Go module proxy)`,
  `bird ${a.bird.version} commit ${a.bird.commit} (Calico's BIRD fork, static): ${Object.keys(a.bird.files).join(" ")}`,
  `cnitool ${a.cnitool.version} (Go module proxy)`,
  `cni-plugins ${a["cni-plugins"].version} (Go module proxy): ${Object.keys(a["cni-plugins"].files).join(" ")}`,
];
fs.writeFileSync(path.join(ctx, "build-info"), info.join("\n") + "\n");
EOF
  # Calico's confd files, from the module cache (downloaded by calico-binaries.sh).
  local dir
  dir=$(module_dir "github.com/projectcalico/calico@$CALICO_MOD_VERSION")
  node_confd "$dir" "$ctx/confd"
  echo "confd from github.com/projectcalico/calico@$CALICO_MOD_VERSION (unmodified)" >>"$ctx/build-info"
  echo "$ctx"
}

context_kube_apiserver() { # assemble the kube-apiserver build context; prints its directory
  local ctx="$BUILD/kube-apiserver"
  [[ -f $MANIFEST ]] || { echo "no $MANIFEST: run kube-binaries.sh first" >&2; return 1; }
  rm -rf "$ctx" && mkdir -p "$ctx/bin" "$ctx/crds"
  cp -a "$CALICO_LAB_REPO/images/kube-apiserver/." "$ctx/"
  node - "$MANIFEST" "$ctx" "$KUBE_VERSION" "$CALICO_VERSION" <<'EOF'
const fs = require("fs"), crypto = require("crypto"), path = require("path");
const [manifestPath, ctx, kube, calico] = process.argv.slice(2);
const a = JSON.parse(fs.readFileSync(manifestPath, "utf8")).artifacts;
const copy = (src, sum, dest, mode) => {
  const data = fs.readFileSync(src);
  const h = crypto.createHash("sha256").update(data).digest("hex");
  if (h !== sum) throw new Error(`${src}: sha256 ${h} does not match the manifest (${sum})`);
  fs.writeFileSync(dest, data, { mode });
};
for (const name of ["kube-apiserver", "kubectl"]) {
  if (!a[name] || a[name].version !== kube) throw new Error(`manifest has ${name} ${a[name] ? a[name].version : "(none)"}, versions.json pins ${kube}: run kube-binaries.sh`);
  copy(a[name].path, a[name].sha256, path.join(ctx, "bin", name), 0o755);
}
const crds = a["calico-crds"];
if (!crds || crds.version !== calico) throw new Error(`manifest has calico-crds ${crds ? crds.version : "(none)"}, versions.json pins ${calico}: run kube-binaries.sh`);
for (const [f, s] of Object.entries(crds.files)) copy(path.join(crds.dir, f), s, path.join(ctx, "crds", f), 0o644);
const info = [
  `kube-apiserver ${kube} (Go module proxy, k8s.io/kubernetes)`,
  `kubectl ${kube} (Go module proxy, k8s.io/kubernetes)`,
  `calico CRDs ${calico} commit ${crds.commit} (Go module proxy, libcalico-go/config/crd): ${Object.keys(crds.files).length} files`,
];
fs.writeFileSync(path.join(ctx, "build-info"), info.join("\n") + "\n");
EOF
  echo "$ctx"
}

inputs_of() { # image-name context-dir -> input hash (context + base image id)
  echo "$(tree_hash "$2") base=$(image_id "$BASE_IMAGE")" | sha256sum | cut -d' ' -f1
}

# ---------------------------------------------------------------- --check
if ((check)); then
  bad=0
  report() { # tag want-inputs
    local id label
    id=$(image_id "$1")
    if [[ -z $id ]]; then
      echo "MISSING: image $1" >&2
      bad=1
      return
    fi
    label=$(image_label "$1")
    if [[ -n $2 && $label != "$2" ]]; then
      echo "OUT OF DATE: image $1 (inputs $label, now $2)" >&2
      bad=1
    fi
    echo "$1 ${id:7:12} created $(docker image inspect --format '{{.Created}}' "$1" | cut -c1-19)"
  }
  report "$BASE_IMAGE" "$(echo "$base_inputs" | sha256sum | cut -d' ' -f1)"
  if ctx=$(context_etcd); then report "$ETCD_IMAGE" "$(inputs_of etcd "$ctx")"; else bad=1; fi
  if ctx=$(context_node); then report "$NODE_IMAGE" "$(inputs_of node "$ctx")"; else bad=1; fi
  if ctx=$(context_kube_apiserver); then report "$KUBE_IMAGE" "$(inputs_of kube-apiserver "$ctx")"; else bad=1; fi
  if ctx=$(context_tcpdump); then report "$TCPDUMP_IMAGE" "$(inputs_of tcpdump "$ctx")"; else bad=1; fi
  if [[ -n $(image_id "$ETCD_IMAGE") ]]; then
    v=$(docker run --rm --network none "$ETCD_IMAGE" etcd --version 2>&1)
    v=${v%%$'\n'*}
    echo "  $v"
    [[ $v == *"$ETCD_VERSION"* ]] || { echo "WRONG VERSION: $ETCD_IMAGE runs '$v', versions.json pins etcd $ETCD_VERSION" >&2; bad=1; }
  fi
  if [[ -n $(image_id "$NODE_IMAGE") ]]; then
    docker run --rm --network none "$NODE_IMAGE" versions | sed 's/^/  /'
    v=$(docker run --rm --network none "$NODE_IMAGE" calico-node -v 2>&1)
    [[ $v == "$CALICO_VERSION" ]] || { echo "WRONG VERSION: $NODE_IMAGE has calico-node '$v', versions.json pins $CALICO_VERSION" >&2; bad=1; }
    want_bird="BIRD version $(pin calicoBird.birdVersion)"
    for b in bird bird6; do
      v=$(docker run --rm --network none "$NODE_IMAGE" "$b" --version 2>&1)
      [[ $v == "$want_bird" ]] || { echo "WRONG VERSION: $NODE_IMAGE's $b prints '$v', expected '$want_bird' (Calico's BIRD)" >&2; bad=1; }
    done
  fi
  if [[ -n $(image_id "$KUBE_IMAGE") ]]; then
    v=$(docker run --rm --network none "$KUBE_IMAGE" kube-apiserver --version 2>&1)
    echo "  $v"
    [[ $v == "Kubernetes $KUBE_VERSION" ]] || { echo "WRONG VERSION: $KUBE_IMAGE runs '$v', versions.json pins $KUBE_VERSION" >&2; bad=1; }
  fi
  exit $bad
fi

# ---------------------------------------------------------------- base image
ensure_base() {
  want=$(echo "$base_inputs" | sha256sum | cut -d' ' -f1)
  if [[ $(image_label "$BASE_IMAGE") == "$want" ]]; then
    echo "$BASE_IMAGE: up to date"
  else
    rootfs="$BUILD/rootfs-$SUITE"
    if [[ ! -f $rootfs/.calico-lab-done ]]; then
      command -v debootstrap >/dev/null || apt_install debootstrap
      rm -rf "$rootfs"
      echo "debootstrap --variant=minbase $SUITE (log: $CALICO_LAB_LOGS/debootstrap.log)"
      debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$CALICO_LAB_LOGS/debootstrap.log" 2>&1 || {
        tail -n 20 "$CALICO_LAB_LOGS/debootstrap.log" >&2
        exit 1
      }
      # Updates and security updates too, and container-friendly apt settings.
      rm -f "$rootfs/etc/apt/sources.list"
      cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
      printf '#!/bin/sh\n# no services are started while packages are installed in an image\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
      chmod +x "$rootfs/usr/sbin/policy-rc.d"
      printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$rootfs/etc/apt/apt.conf.d/90calico-lab"
      rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
      touch "$rootfs/.calico-lab-done"
    fi
    echo "docker import -> $BASE_IMAGE"
    tar -C "$rootfs" --exclude ./.calico-lab-done -c . |
      docker import -c 'CMD ["/bin/bash"]' -c "LABEL $LABEL_KEY=$want" \
        -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$BASE_IMAGE" >/dev/null
  fi
}
ensure_base
((base_only)) && exit 0

# ---------------------------------------------------------------- etcd and node images
build_image() { # tag context-dir build-args...
  local tag=$1 ctx=$2
  shift 2
  local want
  want=$(inputs_of "$tag" "$ctx")
  if [[ $(image_label "$tag") == "$want" ]]; then
    echo "$tag: up to date"
    return
  fi
  echo "docker build -> $tag (context $ctx)"
  local old
  old=$(image_id "$tag")
  docker build --force-rm --build-arg "BASE_IMAGE=$BASE_IMAGE" "$@" --label "$LABEL_KEY=$want" -t "$tag" "$ctx"
  # The image this one replaces, once untagged, is only taking space.
  if [[ -n $old && $old != "$(image_id "$tag")" && $(docker image inspect --format '{{len .RepoTags}}' "$old" 2>/dev/null) == 0 ]]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
}

ctx=$(context_etcd)
build_image "$ETCD_IMAGE" "$ctx" --build-arg "ETCD_VERSION=$ETCD_VERSION"
v=$(docker run --rm --network none "$ETCD_IMAGE" etcd --version)
v=${v%%$'\n'*}
echo "$ETCD_IMAGE: $v"
[[ $v == *"$ETCD_VERSION"* ]] || { echo "$ETCD_IMAGE runs '$v', versions.json pins etcd $ETCD_VERSION" >&2; exit 1; }

ctx=$(context_node)
build_image "$NODE_IMAGE" "$ctx" --build-arg "CALICO_VERSION=$CALICO_VERSION"
docker run --rm --network none "$NODE_IMAGE" versions

ctx=$(context_kube_apiserver)
build_image "$KUBE_IMAGE" "$ctx" --build-arg "KUBE_VERSION=$KUBE_VERSION"
v=$(docker run --rm --network none "$KUBE_IMAGE" kube-apiserver --version)
echo "$KUBE_IMAGE: $v"
[[ $v == "Kubernetes $KUBE_VERSION" ]] || { echo "$KUBE_IMAGE runs '$v', versions.json pins $KUBE_VERSION" >&2; exit 1; }
ctx=$(context_tcpdump)
build_image "$TCPDUMP_IMAGE" "$ctx"
echo "$TCPDUMP_IMAGE: $(docker run --rm --network none "$TCPDUMP_IMAGE" tcpdump --version 2>&1 | sed -n 1p)"

echo "images: $BASE_IMAGE $ETCD_IMAGE $NODE_IMAGE $KUBE_IMAGE $TCPDUMP_IMAGE (calico commit ${CALICO_COMMIT:0:12})"
