#!/usr/bin/env bash
# Builds Pulumi's Kubernetes provider plugin (pulumi-resource-kubernetes) from the Go module
# proxy and installs it into the offline toolchain's plugin directory ($PULUMI_HOME/plugins),
# so that @pulumi/kubernetes (pinned in package.json) runs with no download. The kdd scenario
# manages its Kubernetes objects (CRDs, Nodes, pods, IP pools, BGP settings, CalicoNodeStatus)
# through it.
#   kubernetes-provider.sh           build and install what is missing (cold: ~7 min, 1 core-heavy)
#   kubernetes-provider.sh --check   print what is installed; non-zero when the plugin is missing,
#                                    at the wrong version or not the one built here
#
# What the proxy serves (seen 2026-11): only the provider at tag v4.25.0, as the pseudo-version
# below (commit f47bc2d6 = tag v4.25.0; later commits answer 403). `go install` refuses it (its
# go.mod has a replace for ../sdk) and its main package embeds schema-embed.json and
# terraform-mapping-embed.json, which the provider's own `go run generate.go` makes from the
# schema.json and terraform-mapping.json next to it. So the build is: a wrapper module of ours
# that requires the provider and sdk/v4 v4.25.0 (replacing ../sdk with that version), the
# provider's cmd/pulumi-resource-kubernetes files copied into the wrapper's main package,
# `VERSION=4.25.0 go run generate.go` there, then `go build` with the version stamped.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

K8S_PROVIDER_VERSION=4.25.0
K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
# tag v4.25.0 of github.com/pulumi/pulumi-kubernetes
K8S_PROVIDER_PSEUDO=v4.0.0-20260115033456-f47bc2d6f199
K8S_SDK_MODULE=github.com/pulumi/pulumi-kubernetes/sdk/v4

BIN="$CALICO_LAB_CACHE/bin"
STAMPS="$CALICO_LAB_CACHE/stamps"
W="$CALICO_LAB_CACHE/wrappers/pulumi-resource-kubernetes"
OUT="$CALICO_LAB_CACHE/plugins-src/pulumi-resource-kubernetes-v$K8S_PROVIDER_VERSION"
export PULUMI_HOME="$CALICO_LAB_CACHE/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export CGO_ENABLED=0
mkdir -p "$STAMPS" "$PULUMI_HOME" "$(dirname "$OUT")"

check=false
for arg in "$@"; do
  case $arg in
    --check) check=true ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
  esac
done

GOMOD="module calico-lab/pulumi-resource-kubernetes

go 1.24.7

require (
	$K8S_PROVIDER_MODULE $K8S_PROVIDER_PSEUDO
	$K8S_SDK_MODULE v$K8S_PROVIDER_VERSION
)

replace $K8S_SDK_MODULE => $K8S_SDK_MODULE v$K8S_PROVIDER_VERSION"
LDFLAGS="-s -w -X $K8S_PROVIDER_MODULE/pkg/version.Version=$K8S_PROVIDER_VERSION"
RECIPE="$K8S_PROVIDER_MODULE@$K8S_PROVIDER_PSEUDO ldflags=$LDFLAGS cgo=0 go=$(go env GOVERSION)"

# The plugin the engine would load: `pulumi plugin ls` lists kubernetes at our version.
installed() {
  [[ -x $BIN/pulumi ]] && "$BIN/pulumi" plugin ls --json 2>/dev/null | node -e '
    const want = process.argv[1];
    const ls = JSON.parse(require("fs").readFileSync(0, "utf8") || "[]");
    process.exit(ls.some(p => p.name === "kubernetes" && p.kind === "resource" && p.version === want) ? 0 : 1);' \
    "$K8S_PROVIDER_VERSION"
}

# The installed binary is the one built here (same bytes as $OUT).
installed_is_ours() {
  local dir="$PULUMI_HOME/plugins/resource-kubernetes-v$K8S_PROVIDER_VERSION"
  [[ -f $OUT ]] && cmp -s "$OUT" "$dir/pulumi-resource-kubernetes"
}

prepare() {
  mkdir -p "$W"
  if [[ ! -f $W/go.mod.in || "$(cat "$W/go.mod.in")" != "$GOMOD" ]]; then
    printf '%s\n' "$GOMOD" >"$W/go.mod.in"
    printf '%s\n' "$GOMOD" >"$W/go.mod"
    rm -f "$W/go.sum"
  fi
  local dir
  dir=$(module_dir "$K8S_PROVIDER_MODULE@$K8S_PROVIDER_PSEUDO")
  for f in main.go generate.go schema.json terraform-mapping.json; do
    install -m 0644 "$dir/cmd/pulumi-resource-kubernetes/$f" "$W/$f"
  done
  (cd "$W" && go mod download "$K8S_PROVIDER_MODULE" "$K8S_SDK_MODULE")
}

generate() {
  (cd "$W" && VERSION=$K8S_PROVIDER_VERSION go run generate.go)
  [[ -s $W/schema-embed.json && -s $W/terraform-mapping-embed.json ]]
}

build() {
  (cd "$W" && go build -trimpath -ldflags "$LDFLAGS" -o "$OUT.tmp" .) && mv -f "$OUT.tmp" "$OUT"
}

install_plugin() {
  "$BIN/pulumi" plugin rm resource kubernetes "$K8S_PROVIDER_VERSION" --yes >/dev/null 2>&1 || true
  "$BIN/pulumi" plugin install resource kubernetes "$K8S_PROVIDER_VERSION" --file "$OUT"
}

run_check() {
  local v=""
  [[ -f $OUT ]] && v=$(go version -m "$OUT" | awk '$1 == "dep" && $2 == "'"$K8S_PROVIDER_MODULE"'" { print $2 "@" $3 }')
  if installed && installed_is_ours && [[ $v == "$K8S_PROVIDER_MODULE@$K8S_PROVIDER_PSEUDO" ]]; then
    echo "ok      resource plugin kubernetes $K8S_PROVIDER_VERSION ($v; PULUMI_HOME=$PULUMI_HOME)"
    return 0
  fi
  echo "MISSING resource plugin kubernetes $K8S_PROVIDER_VERSION built from $K8S_PROVIDER_MODULE@$K8S_PROVIDER_PSEUDO" \
    "(built: ${v:-nothing}; in pulumi plugin ls: $(installed && echo yes || echo no); PULUMI_HOME=$PULUMI_HOME)"
  return 1
}

if $check; then
  run_check
  exit $?
fi

[[ -x $BIN/pulumi ]] || { echo "no $BIN/pulumi: run scripts/offline/pulumi-toolchain.sh first" >&2; exit 1; }
started=$SECONDS
if [[ -f $STAMPS/pulumi-resource-kubernetes && "$(cat "$STAMPS/pulumi-resource-kubernetes")" == "$RECIPE" && -x $OUT ]]; then
  echo "==> pulumi-resource-kubernetes: built ($K8S_PROVIDER_VERSION)"
else
  step pulumi-resource-kubernetes-download prepare
  step pulumi-resource-kubernetes-generate generate
  step pulumi-resource-kubernetes-build build
  printf '%s\n' "$RECIPE" >"$STAMPS/pulumi-resource-kubernetes"
fi
if installed && installed_is_ours; then
  echo "==> pulumi-resource-kubernetes: installed ($K8S_PROVIDER_VERSION)"
else
  step pulumi-resource-kubernetes-install install_plugin
fi
echo "==> kubernetes provider done in $((SECONDS - started))s"
run_check
