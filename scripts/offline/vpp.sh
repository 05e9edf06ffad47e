#!/usr/bin/env bash
# Opt-in part `vpp` of the offline build (build.sh --vpp): VPP built from its source tarball
# and the lab's node image with VPP (versions.json vpp.nodeImage, images/node-vpp/) for the vpp
# scenario ("VPP forwarding, Calico routes"; not Calico/VPP, the dataplane).
#   1. VPP: the tarball named by versions.json vpp.tarball, taken from a local path
#      ($CALICO_LAB_VPP_TARBALL, default ../shared/vendor/<vpp.tarball> next to the repo),
#      checked against vpp.sha256, compiled by vpp-compile.sh (CMake + Ninja, clang-14, the
#      plugins of vpp.plugins only, -march=vpp.march) into $CALICO_LAB_CACHE/vpp/stage.
#      Where: CALICO_LAB_VPP_BUILD_ON=container (default: a builder image made from the lab's
#      base image with Debian's build packages, run with --network none) or host (Debian's
#      build packages installed on this machine with apt-get). ccache: $CALICO_LAB_CACHE/vpp/
#      ccache-<opt>, mounted at the same path in the container (hits across host and container
#      need identical compiler and headers: seen not to happen, see docs/vpp.md).
#      CALICO_LAB_VPP_OPT=release (default: VPP's -O3) or quick (-O1, no debug info: about half
#      the compile time; see vpp-compile.sh).
#      Stamp: $CALICO_LAB_CACHE/stamps/vpp.stamp (tarball sha256, plugins, march, opt, where, the
#      compile script's hash).
#   2. The node-vpp image: the node image (offlineImages.node) + the staged VPP + runit services
#      (vpp, vpp-route-agent) + the node-side scripts; rebuilt when its input label changes.
#   vpp.sh           build what is missing or out of date
#   vpp.sh --check   the stamp against the recipe, the image's label, `show version` of a VPP
#                    started in the image (no network; VPP has no --version flag), and its
#                    plugin list against vpp.plugins; changes nothing
#   vpp.sh --cached  as `vpp.sh`, with the compile settings (opt, on) of the VPP build in the cache,
#                    so that only what changed since (the node image's scripts) is rebuilt; without a
#                    VPP build in the cache, as `vpp.sh` (CI on a new machine: the cold compile fits)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check=0
cached=0
case ${1:-} in
  --check) check=1 ;;
  --cached) cached=1 ;;
  "") ;;
  *) echo "usage: vpp.sh [--check | --cached]" >&2 && exit 2 ;;
esac
here="$(dirname "${BASH_SOURCE[0]}")"

BASE_IMAGE=$(pin offlineImages.base)
NODE_IMAGE=$(pin offlineImages.node)
NODE_VPP_IMAGE=$(pin vpp.nodeImage)
VPP_PLUGINS=$(pin vpp.plugins)
VPP_DIR="$CALICO_LAB_CACHE/vpp"
STAGE="$VPP_DIR/stage"
STAMP="$CALICO_LAB_CACHE/stamps/vpp.stamp"
if ((cached)) && [[ ! -f $STAMP ]]; then
  echo "no VPP build in the cache ($STAMP): building one with the default settings"
elif ((cached)); then
  # The stamp's own words: `opt=quick on=container ...`.
  CALICO_LAB_VPP_OPT=$(tr ' ' '\n' <"$STAMP" | sed -n 's/^opt=//p')
  CALICO_LAB_VPP_BUILD_ON=$(tr ' ' '\n' <"$STAMP" | sed -n 's/^on=//p')
fi
# After the stamp's own words: they choose the build type when bringing a cached build up to date.
vpp_settings
BUILD_ON=${CALICO_LAB_VPP_BUILD_ON:-container}
LABEL_KEY=calico-lab.inputs
# Debian's packages the compile needs (the vendor README's list, plus ccache).
VPP_BUILD_PACKAGES=(build-essential cmake ninja-build python3-ply pkg-config libssl-dev clang-14
  libnl-3-dev libnl-route-3-dev libmnl-dev ccache)
export DOCKER_BUILDKIT=0
case $BUILD_ON in container | host) ;; *) echo "CALICO_LAB_VPP_BUILD_ON is '$BUILD_ON'; allowed: container, host" >&2 && exit 2 ;; esac

image_label() { docker image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$1" 2>/dev/null || true; }
image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
tree_hash() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1); }
compile_hash=$(sha256sum <"$here/vpp-compile.sh" | cut -c1-16)
builder_inputs=$(echo "builder base=$(image_id "$BASE_IMAGE") ${VPP_BUILD_PACKAGES[*]}" | sha256sum | cut -d' ' -f1)
recipe="vpp=$VPP_VERSION tarball-sha256=$VPP_SHA256 plugins=$VPP_PLUGINS march=$VPP_MARCH opt=$VPP_OPT on=$BUILD_ON compile=$compile_hash"
[[ $BUILD_ON == container ]] && recipe+=" builder=${builder_inputs:0:16}"

# The node-vpp build context: images/node-vpp, the staged VPP tree, build-info.
context_node_vpp() { # prints its directory
  local ctx=$1
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -a "$CALICO_LAB_REPO/images/node-vpp/." "$ctx/"
  cp -a "$STAGE" "$ctx/vpp"
  mkdir -p "$ctx/rootfs/etc/calico-lab"
  printf 'vpp %s from %s (sha256 %s), plugins %s, -march=%s, opt %s, built on %s\n' \
    "$VPP_VERSION" "$VPP_TARBALL_NAME" "$VPP_SHA256" "$VPP_PLUGINS" "$VPP_MARCH" "$VPP_OPT" "$BUILD_ON" >"$ctx/rootfs/etc/calico-lab/build-info.vpp"
  echo "$ctx"
}
node_vpp_inputs() { echo "$(tree_hash "$1") node=$(image_id "$NODE_IMAGE")" | sha256sum | cut -d' ' -f1; }

# Starts VPP in a throwaway container of the image (no network) and prints `show version`
# and `show plugins`.
vpp_probe() { # image
  docker run --rm --network none --entrypoint /bin/sh "$1" -c '
    mkdir -p /run/vpp /var/log/vpp; : >/run/vpp/startup.cli
    vpp -c /etc/vpp/startup.conf >/tmp/vpp.out 2>&1 &
    for i in $(seq 50); do vppctl show version >/dev/null 2>&1 && break; sleep 0.2; done
    vppctl show version; vppctl show plugins' 2>&1
}
# The plugin names a probe printed (e.g. af_packet_plugin.so -> af_packet), sorted, comma-separated.
probe_plugins() { grep -o '[a-z0-9_-]*_plugin\.so' | sed 's/_plugin\.so$//' | LC_ALL=C sort -u | paste -sd, -; }
want_plugins() { tr , '\n' <<<"$VPP_PLUGINS" | tr - _ | LC_ALL=C sort -u | paste -sd, -; }

if ((check)); then
  bad=0
  mkdir -p "$CALICO_LAB_CACHE/stamps"
  stamp_check vpp "$STAMP" "$recipe" || bad=1
  [[ -x $STAGE/usr/bin/vpp ]] || { echo "MISSING: $STAGE/usr/bin/vpp" >&2; bad=1; }
  if [[ -z $(image_id "$NODE_VPP_IMAGE") ]]; then
    echo "MISSING: image $NODE_VPP_IMAGE" >&2
    bad=1
  else
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/calico-lab-vpp-check.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    if [[ -x $STAGE/usr/bin/vpp ]]; then
      want=$(node_vpp_inputs "$(context_node_vpp "$tmp/ctx")")
      label=$(image_label "$NODE_VPP_IMAGE")
      [[ $label == "$want" ]] || { echo "OUT OF DATE: image $NODE_VPP_IMAGE (inputs $label, now $want)" >&2; bad=1; }
    fi
    out=$(vpp_probe "$NODE_VPP_IMAGE")
    echo "$out" | sed 's/^/  /'
    [[ ${out//\~/-} == *"vpp $VPP_VERSION "* ]] ||
      { echo "WRONG VERSION: $NODE_VPP_IMAGE: show version does not say vpp $VPP_VERSION" >&2; bad=1; }
    have=$(probe_plugins <<<"$out")
    [[ $have == "$(want_plugins)" ]] ||
      { echo "WRONG PLUGINS: $NODE_VPP_IMAGE loads '$have', versions.json vpp.plugins is '$(want_plugins)'" >&2; bad=1; }
  fi
  echo "$NODE_VPP_IMAGE $(docker image inspect --format '{{.Size}}' "$NODE_VPP_IMAGE" 2>/dev/null | numfmt --to=iec 2>/dev/null)"
  exit $bad
fi

# ---------------------------------------------------------------- 1. VPP
[[ -f $VPP_TARBALL ]] || {
  echo "no VPP source tarball at $VPP_TARBALL: set CALICO_LAB_VPP_TARBALL to the path of $VPP_TARBALL_NAME" >&2
  exit 1
}
mkdir -p "$VPP_DIR" "$CALICO_LAB_CACHE/stamps"
if stamp_ok "$STAMP" "$recipe" "$STAGE/usr/bin/vpp"; then
  echo "vpp: up to date ($STAMP)"
else
  sum=$(sha256sum "$VPP_TARBALL" | cut -d' ' -f1)
  [[ $sum == "$VPP_SHA256" ]] || { echo "$VPP_TARBALL: sha256 $sum, versions.json vpp.sha256 is $VPP_SHA256" >&2; exit 1; }
  started=$SECONDS
  rm -f "$STAMP"
  if [[ $BUILD_ON == host ]]; then
    missing=()
    for p in "${VPP_BUILD_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if ((${#missing[@]})); then
      apt-get update -qq || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$CALICO_LAB_LOGS/apt-vpp.log" 2>&1 ||
        { tail -n 20 "$CALICO_LAB_LOGS/apt-vpp.log" >&2; exit 1; }
    fi
    CCACHE_DIR="$VPP_DIR/ccache-$VPP_OPT" VPP_PLUGINS=$VPP_PLUGINS VPP_MARCH=$VPP_MARCH VPP_OPT=$VPP_OPT VPP_BUILD_ON=host \
      nice -n 10 bash "$here/vpp-compile.sh" "$VPP_TARBALL" "$VPP_DIR/work" "$STAGE.new"
  else
    [[ -n $(image_id "$BASE_IMAGE") ]] || { echo "no image $BASE_IMAGE: run images.sh first" >&2; exit 1; }
    if [[ $(image_label "$BUILDER_IMAGE") != "$builder_inputs" ]]; then
      echo "docker build -> $BUILDER_IMAGE"
      printf 'FROM %s\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends %s && rm -rf /var/lib/apt/lists/*\n' \
        "$BASE_IMAGE" "${VPP_BUILD_PACKAGES[*]}" |
        docker build --force-rm --label "$LABEL_KEY=$builder_inputs" -t "$BUILDER_IMAGE" -
    fi
    # Same absolute paths inside as outside, so one ccache serves host and container builds.
    docker run --rm --network none --name "calico-lab-vpp-build-$$" \
      -v "$VPP_DIR:$VPP_DIR" -v "$(realpath "$VPP_TARBALL"):/src/vpp.tar.gz:ro" -v "$(realpath "$here/vpp-compile.sh"):/vpp-compile.sh:ro" \
      -e CCACHE_DIR="$VPP_DIR/ccache-$VPP_OPT" -e VPP_PLUGINS="$VPP_PLUGINS" -e VPP_MARCH="$VPP_MARCH" -e VPP_OPT="$VPP_OPT" -e JOBS="$(nproc)" \
      -e VPP_BUILD_ON="container:$(image_id "$BUILDER_IMAGE" | cut -c8-19)" \
      "$BUILDER_IMAGE" nice -n 10 bash /vpp-compile.sh /src/vpp.tar.gz "$VPP_DIR/work" "$STAGE.new"
  fi
  # The new tree replaces the old one only now: a failed compile leaves the last good one in place.
  rm -rf "$STAGE" && mv "$STAGE.new" "$STAGE"
  rm -rf "$VPP_DIR/work/src" # the build tree (work/b) stays for ninja's next run; the sources are in the tarball
  stamp_set "$STAMP" "$recipe"
  echo "vpp: compiled in $((SECONDS - started))s on $BUILD_ON; stage $(du -sh "$STAGE" | cut -f1)"
fi

# ---------------------------------------------------------------- 2. node-vpp image
[[ -n $(image_id "$NODE_IMAGE") ]] || { echo "no image $NODE_IMAGE: run images.sh first" >&2; exit 1; }
ctx=$(context_node_vpp "$CALICO_LAB_CACHE/build/node-vpp")
want=$(node_vpp_inputs "$ctx")
if [[ $(image_label "$NODE_VPP_IMAGE") == "$want" ]]; then
  echo "$NODE_VPP_IMAGE: up to date"
else
  old=$(image_id "$NODE_VPP_IMAGE")
  echo "docker build -> $NODE_VPP_IMAGE (context $ctx)"
  docker build --force-rm --build-arg "NODE_IMAGE=$NODE_IMAGE" --build-arg "VPP_VERSION=$VPP_VERSION" \
    --label "$LABEL_KEY=$want" -t "$NODE_VPP_IMAGE" "$ctx"
  if [[ -n $old && $old != "$(image_id "$NODE_VPP_IMAGE")" && $(docker image inspect --format '{{len .RepoTags}}' "$old" 2>/dev/null) == 0 ]]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
fi
out=$(vpp_probe "$NODE_VPP_IMAGE")
echo "$out"
have=$(probe_plugins <<<"$out")
[[ $have == "$(want_plugins)" ]] || { echo "$NODE_VPP_IMAGE loads plugins '$have', versions.json vpp.plugins is '$(want_plugins)'" >&2; exit 1; }
echo "$NODE_VPP_IMAGE: $(docker image inspect --format '{{.Size}}' "$NODE_VPP_IMAGE" | numfmt --to=iec) (node image $(docker image inspect --format '{{.Size}}' "$NODE_IMAGE" | numfmt --to=iec))"
