#!/usr/bin/env bash
# Builds the provider of the lab's steps (pulumi-resource-calicolab-steps, Go source in providers/steps: the
# bash scripts of components/lab/host-command.ts) and installs it into the offline toolchain's plugin
# directory ($PULUMI_HOME/plugins), so that the engine finds calicolab-steps at the version the lab asks for
# (providers/steps/VERSION). Its modules are the Pulumi Go SDK and gRPC at the versions the toolchain's CLI
# is built with (providers/steps/go.sum: the same lines, checked against the checksum database then), so
# after pulumi-toolchain.sh nothing is downloaded.
#   steps-provider.sh           build and install what is missing or changed
#   steps-provider.sh --check   print what is installed; non-zero when the plugin is missing, at the wrong
#                               version, not the bytes built here, or built from other sources
#   steps-provider.sh --test    run the provider's Go tests (npm run test:go), offline
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SRC="$CALICO_LAB_REPO/providers/steps"
STEPS_VERSION=$(tr -d '[:space:]' <"$SRC/VERSION")
BIN="$CALICO_LAB_CACHE/bin"
STAMPS="$CALICO_LAB_CACHE/stamps"
OUT="$CALICO_LAB_CACHE/plugins-src/pulumi-resource-calicolab-steps-v$STEPS_VERSION"
# The toolchain's Pulumi home unless one is set (scripts/lab.sh passes the one its Pulumi CLI uses).
export PULUMI_HOME="${PULUMI_HOME:-$CALICO_LAB_CACHE/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p "$STAMPS" "$PULUMI_HOME" "$(dirname "$OUT")"

check=false
test=false
for arg in "$@"; do
  case $arg in
    --check) check=true ;;
    --test) test=true ;;
    *) echo "usage: $0 [--check | --test]" >&2; exit 2 ;;
  esac
done

command -v go >/dev/null || { echo "no Go toolchain: the provider of the lab's steps is built from providers/steps with Go" >&2; exit 1; }
go_build_env
LDFLAGS="-s -w -X main.version=$STEPS_VERSION"
# The sources (every file the build reads, tests aside) decide the bytes, with Go, cgo and ldflags.
sources_sum() {
  (cd "$SRC" && ls go.mod go.sum VERSION *.go | grep -v '_test\.go$' | xargs sha256sum | sha256sum | cut -c1-16)
}
RECIPE="calico-lab/providers/steps sources=$(sources_sum) ldflags=$LDFLAGS goflags=-mod=readonly,-buildvcs=false cgo=0 go=$GO_VERSION"
PLUGIN_DIR="$PULUMI_HOME/plugins/resource-calicolab-steps-v$STEPS_VERSION"

# The plugin the engine would load is the one built here.
installed() { [[ -f $OUT ]] && cmp -s "$OUT" "$PLUGIN_DIR/pulumi-resource-calicolab-steps"; }

build() {
  # -mod=readonly: go.sum is the repository's, complete; a build never edits the source tree.
  (cd "$SRC" && GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath -ldflags "$LDFLAGS" -o "$OUT.tmp" .) && mv -f "$OUT.tmp" "$OUT"
}

# The toolchain's CLI, else the one on PATH (a machine with a Pulumi CLI of its own).
pulumi_cli() { if [[ -x $BIN/pulumi ]]; then echo "$BIN/pulumi"; else command -v pulumi; fi; }

install_plugin() {
  "$(pulumi_cli)" plugin rm resource calicolab-steps "$STEPS_VERSION" --yes >/dev/null 2>&1 || true
  "$(pulumi_cli)" plugin install resource calicolab-steps "$STEPS_VERSION" --file "$OUT"
}

run_check() {
  local bad=0
  stamp_check pulumi-resource-calicolab-steps "$STAMPS/pulumi-resource-calicolab-steps.stamp" "$RECIPE" || bad=1
  echo "pulumi-resource-calicolab-steps $OUT path=calico-lab/providers/steps dep=github.com/pulumi/pulumi/sdk/v3@v3.248.0" \
    "go=$GO_VERSION setting=CGO_ENABLED=0 setting=-trimpath=true" | go_builds_check || bad=1
  if installed; then
    echo "ok      resource plugin calicolab-steps $STEPS_VERSION: the bytes of $OUT (PULUMI_HOME=$PULUMI_HOME)"
  else
    echo "MISSING resource plugin calicolab-steps $STEPS_VERSION built from $SRC in $PLUGIN_DIR (PULUMI_HOME=$PULUMI_HOME)"
    bad=1
  fi
  return "$bad"
}

if $test; then
  cd "$SRC" && GOPROXY=off GOFLAGS="-mod=readonly -buildvcs=false" exec go test ./...
fi

if $check; then
  export GOPROXY=off
  run_check
  exit $?
fi

pulumi_cli >/dev/null || { echo "no Pulumi CLI ($BIN/pulumi or on PATH): run scripts/offline/pulumi-toolchain.sh first" >&2; exit 1; }
started=$SECONDS
if stamp_ok "$STAMPS/pulumi-resource-calicolab-steps.stamp" "$RECIPE" "$OUT"; then
  echo "==> pulumi-resource-calicolab-steps: built ($STEPS_VERSION)"
else
  step pulumi-resource-calicolab-steps-build build
  stamp_set "$STAMPS/pulumi-resource-calicolab-steps.stamp" "$RECIPE"
fi
if installed; then
  echo "==> pulumi-resource-calicolab-steps: installed ($STEPS_VERSION)"
else
  step pulumi-resource-calicolab-steps-install install_plugin
fi
echo "==> steps provider done in $((SECONDS - started))s"
