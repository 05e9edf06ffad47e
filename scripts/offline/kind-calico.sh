#!/usr/bin/env bash
# Opt-in part kind-calico (build.sh --kind): what a kind lab installs Calico with, the way Calico's
# manifest install does (manifests/calico.yaml of the pinned calico module), from the lab's own builds:
#   calico/node             -> versions.json offlineImages.node (images.sh), copied into the v28 engine
#   calico/cni              -> calico-lab/cni:<calico version>: that node image plus Calico's CNI
#                              installer (cni-plugin/cmd/install), the calico and calico-ipam plugins in it
#   calico/kube-controllers -> calico-lab/kube-controllers:<calico version>: the lab's base image plus
#                              kube-controllers and check-status (its readiness probe)
# all built in calico's wrapper module (calico-binaries.sh), with the same flags; and the manifest
# itself, copied into artifacts/kind/calico-manifest/<version>/ (the lab edits it: see
# core/substrates/kind/calico-manifest.ts). Images go into the engine kind runs on (docker-v28.sh).
#   kind-calico.sh           build what is missing or out of date
#   kind-calico.sh --check   the binaries' stamp, the images' input labels, the manifest's hash
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check=0
[[ ${1:-} == --check ]] && check=1
((check)) && export GOPROXY=off

calico_pins
NODE_IMAGE=$(pin offlineImages.node)
BASE_IMAGE=$(pin offlineImages.base)
CNI_IMAGE=$(pin kind.calicoImages.cni)
KC_IMAGE=$(pin kind.calicoImages.kubeControllers)
OUT="$CALICO_LAB_CACHE/artifacts/kind/calico/$CALICO_VERSION"
MANIFEST_OUT="$CALICO_LAB_CACHE/artifacts/kind/calico-manifest/$CALICO_VERSION"
LABEL_KEY=calico-lab.inputs
PACKAGES=(cni-plugin/cmd/install kube-controllers/cmd/kube-controllers kube-controllers/cmd/check-status)
export DOCKER_BUILDKIT=0
dk() { bash "$here/docker-v28.sh" exec docker "$@"; }

go_build_env
recipe="calico=$CALICO_MOD_VERSION go=$GO_VERSION cgo=0 v=$CALICO_VERSION bins=install,kube-controllers,check-status"
build_binaries() {
  local w p
  w=$(calico_wrapper)
  mkdir -p "$OUT"
  for p in "${PACKAGES[@]}"; do
    (cd "$w" && go build -trimpath -buildvcs=false -o "$OUT/${p##*/}.tmp" \
      -ldflags "-s -w -X main.VERSION=$CALICO_VERSION" \
      "github.com/projectcalico/calico/$p")
    mv -f "$OUT/${p##*/}.tmp" "$OUT/${p##*/}"
  done
  stamp_set "$OUT/.stamp" "$recipe"
}

# The image on the machine's engine, in the v28 engine under the same ID (docker save keeps it).
copy_image() { # image
  local id
  id=$(docker image inspect --format '{{.Id}}' "$1") || { echo "no $1 on the machine's engine: run images.sh" >&2; return 1; }
  [[ $(dk image inspect --format '{{.Id}}' "$1" 2>/dev/null) == "$id" ]] || docker save "$1" | dk load -q
}

label_of() { dk image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$1" 2>/dev/null || true; }
inputs_of() { # from-image files...: the label an image built from these carries
  local from=$1
  shift
  { docker image inspect --format '{{.Id}}' "$from" && sha256sum "$@" | awk '{print $1}'; } | sha256sum | cut -c1-32
}

build_image() { # tag from-image dockerfile-body files...
  local tag=$1 from=$2 body=$3 ctx want
  shift 3
  want=$(inputs_of "$from" "$@")
  [[ $(label_of "$tag") == "$want" ]] && return 0
  ctx=$(mktemp -d "$CALICO_LAB_CACHE/build/kind-calico.XXXXXX")
  cp "$@" "$ctx/"
  printf 'FROM %s\n%s\nLABEL %s=%s\n' "$from" "$body" "$LABEL_KEY" "$want" >"$ctx/Dockerfile"
  (cd "$ctx" && tar -c .) | dk build -q -t "$tag" - >/dev/null
  rm -rf "$ctx"
}

copy_manifest() {
  local src
  src="$(module_dir "github.com/projectcalico/calico@$CALICO_MOD_VERSION")/manifests/calico.yaml"
  mkdir -p "$MANIFEST_OUT"
  install -m 0644 "$src" "$MANIFEST_OUT/calico.yaml"
  manifest_merge "$(printf '{"calico-manifest":{"version":"%s","commit":"%s","path":"%s","sha256":"%s"}}' \
    "$CALICO_VERSION" "$CALICO_COMMIT" "$MANIFEST_OUT/calico.yaml" "$(sha256sum "$MANIFEST_OUT/calico.yaml" | cut -d' ' -f1)")"
}

CNI_BODY="COPY install /opt/cni/bin/install
CMD [\"/opt/cni/bin/install\"]"
# As Calico's kube-controllers/Dockerfile: the status file its readiness probe reads, owned by its user.
KC_BODY="COPY kube-controllers check-status /usr/bin/
RUN mkdir -p /status /profiles && touch /status/status.json /profiles/mem.pprof /profiles/cpu.pprof && chown 999 /status/status.json /profiles/mem.pprof /profiles/cpu.pprof
USER 999
ENTRYPOINT [\"/usr/bin/kube-controllers\"]"

if ((check)); then
  rc=0
  stamp_check kind-calico-binaries "$OUT/.stamp" "$recipe" || rc=1
  for pair in "$CNI_IMAGE|$NODE_IMAGE|install" "$KC_IMAGE|$BASE_IMAGE|kube-controllers check-status"; do
    IFS='|' read -r tag from files <<<"$pair"
    read -ra fs <<<"$files"
    want=$(inputs_of "$from" "${fs[@]/#/$OUT/}" 2>/dev/null || echo missing-inputs)
    if [[ $(label_of "$tag") == "$want" ]]; then echo "ok      $tag (label $want)"; else
      echo "WRONG IMAGE: $tag: label $LABEL_KEY expected $want, found '$(label_of "$tag")'" >&2 && rc=1
    fi
  done
  if [[ $(dk image inspect --format '{{.Id}}' "$NODE_IMAGE" 2>/dev/null) == "$(docker image inspect --format '{{.Id}}' "$NODE_IMAGE")" ]]; then
    echo "ok      $NODE_IMAGE in the v28 engine"
  else echo "MISSING $NODE_IMAGE in the v28 engine (or not the machine's)" >&2 && rc=1; fi
  node -e 'const a = require(process.argv[1]).artifacts["calico-manifest"]; const h = require("crypto").createHash("sha256").update(require("fs").readFileSync(a.path)).digest("hex");
if (a.version !== process.argv[2] || h !== a.sha256) { console.error("WRONG calico-manifest: " + JSON.stringify(a)); process.exit(1); } console.log("ok      calico-manifest " + a.path);' \
    "$CALICO_LAB_CACHE/artifacts/manifest.json" "$CALICO_VERSION" || rc=1
  exit $rc
fi

bash "$here/docker-v28.sh" start >/dev/null
if stamp_ok "$OUT/.stamp" "$recipe" "$OUT/install" "$OUT/kube-controllers" "$OUT/check-status"; then
  echo "==> kind-calico binaries: built ($CALICO_VERSION)"
else
  step kind-calico-binaries build_binaries
fi
step kind-calico-copy-images bash -c "$(declare -f dk copy_image); here=$(printf %q "$here"); copy_image $(printf %q "$NODE_IMAGE") && copy_image $(printf %q "$BASE_IMAGE")"
mkdir -p "$CALICO_LAB_CACHE/build"
build_image "$CNI_IMAGE" "$NODE_IMAGE" "$CNI_BODY" "$OUT/install"
build_image "$KC_IMAGE" "$BASE_IMAGE" "$KC_BODY" "$OUT/kube-controllers" "$OUT/check-status"
echo "==> images in the v28 engine: $NODE_IMAGE $CNI_IMAGE $KC_IMAGE"
copy_manifest
