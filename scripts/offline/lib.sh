#!/usr/bin/env bash
# Shared helpers for the offline (airgapped) build scripts. Sourced, never run.
set -euo pipefail

: "${CALICO_LAB_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}"
export CALICO_LAB_CACHE
export CALICO_LAB_LOGS="$CALICO_LAB_CACHE/logs"
export GOPATH="$CALICO_LAB_CACHE/go"
export GOMODCACHE="$CALICO_LAB_CACHE/go/pkg/mod"
export GOCACHE="$CALICO_LAB_CACHE/go-build"
export GOFLAGS="${GOFLAGS:--mod=mod}"
export GOTOOLCHAIN=local
mkdir -p "$CALICO_LAB_LOGS" "$CALICO_LAB_CACHE/bin"

# Runs one named build step with its output in its own log file; prints what it
# does and how long it took, and on failure names the step and its log.
step() {
  local name=$1
  shift
  local log="$CALICO_LAB_LOGS/$name.log"
  local started=$SECONDS
  printf '==> %s ... ' "$name"
  if "$@" >"$log" 2>&1; then
    printf 'ok (%ss)\n' "$((SECONDS - started))"
  else
    local rc=$?
    printf 'FAILED (%ss, exit %s)\n' "$((SECONDS - started))" "$rc"
    printf 'step %s failed; its log is %s; last lines:\n' "$name" "$log" >&2
    tail -n 30 "$log" >&2
    return "$rc"
  fi
}

# Reads a pinned value from versions.env next to these scripts.
pin() {
  local key=$1
  local value
  value=$(sed -n "s/^${key}=//p" "$(dirname "${BASH_SOURCE[0]}")/versions.env")
  [ -n "$value" ] || { echo "versions.env has no $key" >&2; return 1; }
  printf '%s' "$value"
}
