#!/usr/bin/env bash
# Opt-in part `calico-vpp` of the offline build (build.sh --calico-vpp): Calico/VPP, the dataplane
# (`linuxDataplane: VPP`), built from source, in the two images Calico/VPP's manifest runs:
#   calico-vpp-agent   (versions.json calicoVpp.agentImage; upstream calicovpp/agent): the lab's base
#                      image + calico-vpp-agent + felix-api-proxy (the agent copies it for Felix's
#                      external dataplane driver) + /etc/calicovppversion
#   calico-vpp-manager (calicoVpp.managerImage; upstream calicovpp/vpp): the base image + iproute2 and
#                      ethtool (vpp-manager runs both) + vpp-manager + VPP with Calico/VPP's plugins
# Sources (no registry serves either):
#   vpp-dataplane      calicoVpp.tarball at calicoVpp.commit: $CALICO_LAB_CALICO_VPP_SOURCE, else
#                      ../shared/vendor/<tarball>, else calicoVpp.upstream (vendored_source in lib.sh).
#                      Its dependencies come from the Go module proxy (GOFLAGS=-mod=mod: its go.mod as
#                      written), into the shared module and build caches.
#   VPP                the vpp part's tarball (vpp.tarball, checked against vpp.sha256), compiled by
#                      vpp-compile.sh with calicoVpp.vppPlugins, in the vpp part's builder image.
# The Go binaries are static (CGO_ENABLED=0), -trimpath, stripped afterwards (build info survives
# strip). The tarball has no .git, so Go records no vcs.revision, and with -trimpath it leaves
# -ldflags out of the build info: the commit goes into the build settings as a build tag,
# -tags=calico_vpp_<commit> (no file of the source is constrained by it), which --check reads back.
# VPP's compile shares the vpp part's ccache: its build tree is mounted at the vpp part's path
# inside the builder (same paths, same compiler, so VPP's core compiles are hits; only the
# plugins that differ are compiled). Needs the vpp part first (build.sh --calico-vpp runs it).
#   calico-vpp.sh           build what is missing or out of date
#   calico-vpp.sh --check   the stamps, `go version -m` of the three binaries (Go, main package and
#                           module, the commit in -tags, cgo off, the pinned govpp and calico
#                           dependencies), the images' input labels and /etc/calicovppversion, and
#                           `show version` + `show plugins` of a VPP started in the manager image
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check=0
[[ ${1:-} == --check ]] && check=1
((check)) && export GOPROXY=off

CVPP_VERSION=$(pin calicoVpp.version)
CVPP_COMMIT=$(pin calicoVpp.commit)
CVPP_MODULE=$(pin calicoVpp.module)
CVPP_TARBALL=$(pin calicoVpp.tarball)
CVPP_UPSTREAM=$(pin calicoVpp.upstream)
CVPP_PLUGINS=$(pin calicoVpp.vppPlugins)
AGENT_IMAGE=$(pin calicoVpp.agentImage)
MANAGER_IMAGE=$(pin calicoVpp.managerImage)
BASE_IMAGE=$(pin offlineImages.base)
vpp_settings
DIR="$CALICO_LAB_CACHE/calico-vpp"
SRC="$CALICO_LAB_CACHE/src/vpp-dataplane-${CVPP_COMMIT:0:12}"
BIN="$DIR/bin"
STAGE="$DIR/vpp-stage"
# The vpp part's paths, which this part's VPP build takes inside the builder (shared ccache).
VPP_WORK_AS="$CALICO_LAB_CACHE/vpp/work"
CCACHE="$CALICO_LAB_CACHE/vpp/ccache-$VPP_OPT"
LABEL_KEY=calico-lab.inputs
export DOCKER_BUILDKIT=0
# name -> main package, relative to the module.
declare -A MAINS=([calico-vpp-agent]=calico-vpp-agent/cmd [felix-api-proxy]=calico-vpp-agent/cmd/api-proxy [vpp-manager]=vpp-manager)
TAGS="calico_vpp_$CVPP_COMMIT"

image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
image_label() { docker image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$1" 2>/dev/null || true; }
tree_hash() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-32); }
go_build_env
compile_hash=$(sha256sum <"$here/vpp-compile.sh" | cut -c1-16)
builder=$(image_id "$BUILDER_IMAGE" | cut -c8-19)
go_recipe="calico-vpp=$CVPP_COMMIT go=$GO_VERSION cgo=0 tags=$TAGS bins=${!MAINS[*]}"
vpp_recipe="vpp=$VPP_VERSION tarball-sha256=$VPP_SHA256 plugins=$CVPP_PLUGINS march=$VPP_MARCH opt=$VPP_OPT compile=$compile_hash builder=$builder"

# ---------------------------------------------------------------- Go binaries
build_go() {
  local src name
  src=$(vendored_source calicoVpp CALICO_LAB_CALICO_VPP_SOURCE "$CVPP_TARBALL" "$CVPP_COMMIT" "$CVPP_UPSTREAM") || return 1
  rm -rf "$SRC" && mkdir -p "$SRC" "$BIN"
  tar -xzf "$src" -C "$SRC" --strip-components=1
  for name in "${!MAINS[@]}"; do
    (cd "$SRC" && nice -n 10 go build -trimpath -buildvcs=false -tags="$TAGS" -o "$BIN/$name.tmp" "./${MAINS[$name]}")
    strip "$BIN/$name.tmp"
    mv -f "$BIN/$name.tmp" "$BIN/$name"
  done
  stamp_set "$BIN/.stamp" "$go_recipe"
}

# What `go version -m` must say of each binary (go-build-check.ts), the dependencies as the
# source's go.mod requires them (the k8s ones replaced).
go_expectations() {
  local name deps=() m
  for m in go.fd.io/govpp github.com/projectcalico/calico github.com/projectcalico/api github.com/osrg/gobgp/v3; do
    deps+=("dep=$m@$(awk -v m="$m" '$1 == m && $2 ~ /^v/ {print $2; exit}' "$SRC/go.mod")")
  done
  for name in "${!MAINS[@]}"; do
    local d=("${deps[@]}")
    [[ $name == felix-api-proxy ]] && d=("${deps[0]}" "${deps[3]}") # no Calico client in the proxy
    echo "$name $BIN/$name go=$GO_VERSION path=$CVPP_MODULE/${MAINS[$name]} mod=$CVPP_MODULE@(devel)" \
      "setting=CGO_ENABLED=0 setting=-tags=$TAGS ${d[*]}"
  done
}

# ---------------------------------------------------------------- VPP
build_vpp() {
  [[ -f $VPP_TARBALL ]] || { echo "no VPP source tarball at $VPP_TARBALL: set CALICO_LAB_VPP_TARBALL to the path of $VPP_TARBALL_NAME" >&2 && return 1; }
  [[ $(sha256sum "$VPP_TARBALL" | cut -d' ' -f1) == "$VPP_SHA256" ]] || { echo "$VPP_TARBALL: sha256 is not versions.json vpp.sha256 ($VPP_SHA256)" >&2 && return 1; }
  [[ -n $builder ]] || { echo "no image $BUILDER_IMAGE: the vpp part makes it (build.sh --calico-vpp runs it first)" >&2 && return 1; }
  mkdir -p "$DIR/work" "$CCACHE"
  docker run --rm --network none --name "calico-lab-calico-vpp-build-$$" \
    -v "$DIR:$DIR" -v "$DIR/work:$VPP_WORK_AS" -v "$CCACHE:$CCACHE" \
    -v "$(realpath "$VPP_TARBALL"):/src/vpp.tar.gz:ro" -v "$here/vpp-compile.sh:/vpp-compile.sh:ro" \
    -e CCACHE_DIR="$CCACHE" -e VPP_PLUGINS="$CVPP_PLUGINS" -e VPP_MARCH="$VPP_MARCH" -e VPP_OPT="$VPP_OPT" -e JOBS="$(nproc)" \
    -e VPP_BUILD_ON="container:$builder" \
    "$BUILDER_IMAGE" nice -n 10 bash /vpp-compile.sh /src/vpp.tar.gz "$VPP_WORK_AS" "$STAGE.new"
  rm -rf "$STAGE" && mv "$STAGE.new" "$STAGE"
  rm -rf "$DIR/work/src"
  stamp_set "$DIR/vpp.stamp" "$vpp_recipe"
}

# ---------------------------------------------------------------- images
VERSION_FILE_TEXT="Calico/VPP $CVPP_VERSION ($CVPP_MODULE at $CVPP_COMMIT), built by calico-lab from $CVPP_TARBALL
VPP $VPP_VERSION from $VPP_TARBALL_NAME (sha256 $VPP_SHA256), plugins $CVPP_PLUGINS, -march=$VPP_MARCH, opt $VPP_OPT"
AGENT_DOCKERFILE="COPY calico-vpp-agent felix-api-proxy /bin/
COPY calicovppversion /etc/calicovppversion
ENTRYPOINT [\"/bin/calico-vpp-agent\"]"
# VPP's binaries with these plugins need only libc and libm; ldd fails the build if that changes.
MANAGER_DOCKERFILE="RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iproute2 ethtool && rm -rf /var/lib/apt/lists/*
COPY vpp/ /
COPY vpp-manager /usr/bin/
COPY calicovppversion /etc/calicovppversion
RUN set -e; ldconfig; mkdir -p /var/run/vpp /var/log/vpp /etc/vpp; \\
    if ldd /usr/bin/vpp /usr/bin/vppctl /usr/lib/x86_64-linux-gnu/vpp_plugins/*.so | grep 'not found'; then exit 1; fi
ENTRYPOINT [\"/usr/bin/vpp-manager\"]"

context() { # dir dockerfile-body files... ; prints the dir
  local ctx=$1 body=$2
  shift 2
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -a "$@" "$ctx/"
  printf '%s\n' "$VERSION_FILE_TEXT" >"$ctx/calicovppversion"
  printf 'FROM %s\n%s\nLABEL calico-lab.component="calico-vpp" calico-lab.calico-vpp.commit="%s"\n' "$BASE_IMAGE" "$body" "$CVPP_COMMIT" >"$ctx/Dockerfile"
  echo "$ctx"
}
inputs_of() { echo "$(tree_hash "$1") base=$(image_id "$BASE_IMAGE")" | sha256sum | cut -c1-32; }
agent_context() { context "$1" "$AGENT_DOCKERFILE" "$BIN/calico-vpp-agent" "$BIN/felix-api-proxy"; }
manager_context() {
  local ctx
  ctx=$(context "$1" "$MANAGER_DOCKERFILE" "$BIN/vpp-manager") && cp -a "$STAGE" "$ctx/vpp" && echo "$ctx"
}

build_image() { # tag context-function
  local tag=$1 ctx want old
  ctx=$($2 "$CALICO_LAB_CACHE/build/$2")
  want=$(inputs_of "$ctx")
  if [[ $(image_label "$tag") == "$want" ]]; then echo "$tag: up to date" && return 0; fi
  old=$(image_id "$tag")
  docker build -q --force-rm --label "$LABEL_KEY=$want" -t "$tag" "$ctx"
  if [[ -n $old && $old != "$(image_id "$tag")" && $(docker image inspect --format '{{len .RepoTags}}' "$old" 2>/dev/null) == 0 ]]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
}

# VPP started in a throwaway container of the manager image (no network, no vpp-manager):
# `show version` and `show plugins`.
vpp_probe() {
  docker run --rm --network none --entrypoint /bin/sh "$MANAGER_IMAGE" -c '
    vpp "unix { nodaemon cli-listen /run/vpp/cli.sock poll-sleep-usec 100 } buffers { buffers-per-numa 16384 } plugins { plugin dpdk_plugin.so { disable } }" >/tmp/vpp.out 2>&1 &
    for i in $(seq 50); do vppctl show version >/dev/null 2>&1 && break; sleep 0.2; done
    vppctl show version; vppctl show plugins' 2>&1
}
probe_plugins() { grep -o '[a-z0-9_-]*_plugin\.so' | sed 's/_plugin\.so$//' | LC_ALL=C sort -u | paste -sd, -; }
want_plugins() { tr , '\n' <<<"$CVPP_PLUGINS" | tr - _ | LC_ALL=C sort -u | paste -sd, -; }
check_probe() { # prints the probe; status 1 when the version or the plugins differ
  local out have
  out=$(vpp_probe)
  echo "$out" | sed 's/^/  /'
  [[ ${out//\~/-} == *"vpp $VPP_VERSION "* ]] || { echo "WRONG VERSION: $MANAGER_IMAGE: show version does not say vpp $VPP_VERSION" >&2 && return 1; }
  have=$(probe_plugins <<<"$out")
  [[ $have == "$(want_plugins)" ]] || { echo "WRONG PLUGINS: $MANAGER_IMAGE loads '$have', versions.json calicoVpp.vppPlugins is '$(want_plugins)'" >&2 && return 1; }
  echo "ok      $MANAGER_IMAGE: vpp $VPP_VERSION, plugins $have"
}

report_sizes() {
  local t
  for t in "$AGENT_IMAGE" "$MANAGER_IMAGE"; do
    echo "$t $(docker image inspect --format '{{.Size}}' "$t" 2>/dev/null | numfmt --to=iec 2>/dev/null)"
  done
}

if ((check)); then
  bad=0
  stamp_check calico-vpp-binaries "$BIN/.stamp" "$go_recipe" || bad=1
  stamp_check calico-vpp-vpp "$DIR/vpp.stamp" "$vpp_recipe" || bad=1
  if [[ -f $SRC/go.mod ]]; then go_expectations | go_builds_check || bad=1; else echo "MISSING: $SRC (the unpacked source)" >&2 && bad=1; fi
  mkdir -p "$CALICO_LAB_CACHE/build"
  for pair in "$AGENT_IMAGE agent_context" "$MANAGER_IMAGE manager_context"; do
    read -r tag fn <<<"$pair"
    ctx=$($fn "$(mktemp -d "$CALICO_LAB_CACHE/build/calico-vpp-check.XXXXXX")")
    want=$(inputs_of "$ctx")
    rm -rf "$ctx"
    if [[ $(image_label "$tag") == "$want" ]]; then echo "ok      $tag (label $want)"; else
      echo "WRONG IMAGE: $tag: label $LABEL_KEY expected $want, found '$(image_label "$tag")'" >&2 && bad=1
    fi
    v=$(docker run --rm --network none --entrypoint /bin/cat "$tag" /etc/calicovppversion 2>&1 || true)
    [[ $v == *"$CVPP_COMMIT"* ]] || { echo "WRONG IMAGE: $tag: /etc/calicovppversion does not name $CVPP_COMMIT: $v" >&2 && bad=1; }
  done
  [[ -n $(image_id "$MANAGER_IMAGE") ]] && { check_probe || bad=1; }
  report_sizes
  exit $bad
fi

mkdir -p "$CALICO_LAB_CACHE/build"
if stamp_ok "$BIN/.stamp" "$go_recipe" "$BIN/calico-vpp-agent" "$BIN/felix-api-proxy" "$BIN/vpp-manager"; then
  echo "calico-vpp binaries: up to date ($BIN)"
else
  started=$SECONDS
  build_go
  echo "calico-vpp binaries: built in $((SECONDS - started))s"
fi
if stamp_ok "$DIR/vpp.stamp" "$vpp_recipe" "$STAGE/usr/bin/vpp"; then
  echo "calico-vpp VPP: up to date ($STAGE)"
else
  started=$SECONDS
  build_vpp
  echo "calico-vpp VPP: compiled in $((SECONDS - started))s; $(du -sh "$STAGE" | cut -f1)"
fi
[[ -n $(image_id "$BASE_IMAGE") ]] || { echo "no image $BASE_IMAGE: run images.sh first" >&2 && exit 1; }
build_image "$AGENT_IMAGE" agent_context
build_image "$MANAGER_IMAGE" manager_context
check_probe
manifest_merge "$(printf '{"calico-vpp":{"version":"%s","commit":"%s","plugins":"%s","images":["%s","%s"]}}' \
  "$CVPP_VERSION" "$CVPP_COMMIT" "$CVPP_PLUGINS" "$AGENT_IMAGE" "$MANAGER_IMAGE")"
report_sizes
