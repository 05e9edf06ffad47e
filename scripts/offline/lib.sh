#!/usr/bin/env bash
# Shared helpers for the offline (airgapped) build scripts. Sourced, never run.
set -euo pipefail

: "${CALICO_LAB_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}"
export CALICO_LAB_CACHE
CALICO_LAB_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CALICO_LAB_REPO
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

# Reads a pinned value from the repo's versions.json by dotted path, e.g. pin calico.version.
pin() {
  node -e 'const v = process.argv[1].split(".").reduce((o, k) => (o == null ? o : o[k]), require(process.argv[2]));
if (typeof v !== "string" || v === "") { console.error("versions.json has no " + process.argv[1]); process.exit(1); }
process.stdout.write(v);' "$1" "$CALICO_LAB_REPO/versions.json"
}
