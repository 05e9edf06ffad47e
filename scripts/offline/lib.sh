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

# Prints the directory of a module version in the module cache, downloading it first if needed.
module_dir() { # module@version
  (cd "$CALICO_LAB_CACHE" && GOFLAGS= go mod download -json "$1" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s); if(j.Error){console.error(j.Error);process.exit(1)} process.stdout.write(j.Dir)})')
}

# The pins shared by the Calico and Kubernetes parts (calico-binaries.sh, kube-binaries.sh,
# images.sh), checked for consistency: calico.commit is a full hash whose first 12 digits end
# calico.goModuleVersion (the pseudo-version the Go module proxy serves for it).
calico_pins() {
  CALICO_VERSION=$(pin calico.version) || return 1
  CALICO_COMMIT=$(pin calico.commit) || return 1
  CALICO_MOD_VERSION=$(pin calico.goModuleVersion) || return 1
  CALICO_API_VERSION=$(pin calico.apiGoModuleVersion) || return 1
  KUBE_VERSION=$(pin kubernetes.version) || return 1
  if [[ ${#CALICO_COMMIT} -ne 40 || $CALICO_MOD_VERSION != *-"${CALICO_COMMIT:0:12}" ]]; then
    echo "versions.json: calico.commit ($CALICO_COMMIT) must be a full hash and calico.goModuleVersion ($CALICO_MOD_VERSION) must end with its first 12 digits" >&2
    return 1
  fi
}

# The VPP pins and settings the vpp and calico-vpp parts share: the builder image, VPP's version,
# source tarball and its checksum, the target CPU; the tarball's path (CALICO_LAB_VPP_TARBALL, else
# the vendored one next to the repo) and the build type (CALICO_LAB_VPP_OPT, else release).
vpp_settings() {
  BUILDER_IMAGE=$(pin vpp.builderImage) || return 1
  VPP_VERSION=$(pin vpp.version) || return 1
  VPP_TARBALL_NAME=$(pin vpp.tarball) || return 1
  VPP_SHA256=$(pin vpp.sha256) || return 1
  VPP_MARCH=$(pin vpp.march) || return 1
  VPP_TARBALL=${CALICO_LAB_VPP_TARBALL:-$CALICO_LAB_REPO/../shared/vendor/$VPP_TARBALL_NAME}
  VPP_OPT=${CALICO_LAB_VPP_OPT:-release}
}

# The settings every Go build of ours uses: static binaries (no cgo), and GO_VERSION (the
# toolchain, part of every stamp).
go_build_env() {
  export CGO_ENABLED=0
  GO_VERSION=$(go env GOVERSION)
}

# Stamps: a file holding the recipe of a finished build (every input that decides its bytes:
# pins, the wrapper module's go.mod, Go, cgo, ldflags). Equal recipe + present outputs = skip.
stamp_ok() { # stamp-file recipe output...
  local file=$1 recipe=$2 out
  shift 2
  [[ -f $file && "$(cat "$file")" == "$recipe" ]] || return 1
  for out in "$@"; do [[ -e $out ]] || return 1; done
}
stamp_set() { printf '%s\n' "$2" >"$1"; } # stamp-file recipe

# For --check: is the stamp the recipe a build would write now? Prints `ok` or, per differing
# field, NAME, the stamp file, the expected and the found value; status 1 on a difference.
stamp_check() { # name stamp-file recipe
  local name=$1 file=$2 recipe=$3 found="" w
  [[ -f $file ]] && found=$(cat "$file")
  if [[ $found == "$recipe" ]]; then
    echo "ok      $name stamp $file"
    return 0
  fi
  if [[ -z $found ]]; then
    echo "WRONG STAMP: $name ($file): expected '$recipe', found no stamp" >&2
    return 1
  fi
  local -a want have
  read -ra want <<<"$recipe"
  read -ra have <<<"$found"
  local -A in_have=() in_want=()
  for w in "${have[@]}"; do in_have[$w]=1; done
  for w in "${want[@]}"; do in_want[$w]=1; done
  local missing=() extra=()
  for w in "${want[@]}"; do [[ -n ${in_have[$w]:-} ]] || missing+=("$w"); done
  for w in "${have[@]}"; do [[ -n ${in_want[$w]:-} ]] || extra+=("$w"); done
  echo "WRONG STAMP: $name ($file): expected ${missing[*]:-(same fields)}, found ${extra[*]:-(same fields)} (offline:build rebuilds it)" >&2
  return 1
}

# For --check: verifies Go binaries against the expectation lines on stdin (NAME FILE TOKEN...;
# core/go-build-check.ts) with `go version -m`: toolchain, main package and module, commit,
# dependencies, build settings. Prints one line per binary; status 1 on any mismatch.
go_builds_check() {
  local ts_node="$CALICO_LAB_REPO/node_modules/.bin/ts-node"
  [[ -x $ts_node ]] || { echo "go_builds_check: no $ts_node: run npm ci in $CALICO_LAB_REPO" >&2; return 1; }
  "$ts_node" --transpile-only "$CALICO_LAB_REPO/scripts/offline/verify-go-builds.ts"
}

# The throwaway wrapper module that builds Calico, and Kubernetes at the version Calico
# requires (calico-binaries.sh, kube-binaries.sh). It requires calico at the pinned
# pseudo-version and copies calico's own require and replace blocks, so the build list is
# calico's; calico's `./api` replace points at calico.apiGoModuleVersion. Needs calico_pins.
# calico_wrapper_dir prints its directory; calico_wrapper_gomod prints its go.mod (from the
# module cache, downloading calico first if needed); calico_wrapper writes it and prints the
# directory. The go.mod is rewritten (and go.sum dropped) only when the generated text
# changes, so the parts share one go.sum.
calico_wrapper_dir() { echo "$CALICO_LAB_CACHE/src/calico-build-${CALICO_COMMIT:0:12}"; }
calico_wrapper_gomod() {
  local dir text
  dir=$(module_dir "github.com/projectcalico/calico@$CALICO_MOD_VERSION") || return 1
  text=$(
    echo "// Generated by calico-lab scripts/offline/calico-binaries.sh; do not edit."
    echo "module calico-lab.local/calico-build"
    echo
    grep -m1 '^go ' "$dir/go.mod"
    echo
    echo "require github.com/projectcalico/calico $CALICO_MOD_VERSION"
    echo
    sed -n '/^require (/,/^)/p' "$dir/go.mod" | grep -v 'github.com/projectcalico/api '
    echo
    sed -n '/^replace (/,/^)/p' "$dir/go.mod" |
      sed "s#^\(\s*github.com/projectcalico/api\) => \./api#\1 => github.com/projectcalico/api $CALICO_API_VERSION#"
    echo
    echo "require github.com/projectcalico/api v0.0.0-00010101000000-000000000000"
  ) || return 1
  if [[ $text != *"github.com/projectcalico/api => github.com/projectcalico/api $CALICO_API_VERSION"* ]]; then
    echo "calico's go.mod has no 'github.com/projectcalico/api => ./api' replace; the wrapper needs updating" >&2
    return 1
  fi
  printf '%s\n' "$text"
}
calico_wrapper() {
  local w
  w=$(calico_wrapper_dir)
  mkdir -p "$w" || return 1
  echo "calico: github.com/projectcalico/calico@$CALICO_MOD_VERSION (wrapper $w)" >&2
  calico_wrapper_gomod >"$w/go.mod.new" || return 1
  if ! cmp -s "$w/go.mod.new" "$w/go.mod.gen"; then
    cp "$w/go.mod.new" "$w/go.mod"
    cp "$w/go.mod.new" "$w/go.mod.gen"
    rm -f "$w/go.sum"
  fi
  rm -f "$w/go.mod.new"
  echo "$w"
}

# Merges artifact entries (a JSON object: name -> entry) into the offline manifest
# ($CALICO_LAB_CACHE/artifacts/manifest.json), keeping the entries other parts wrote;
# the file is rewritten only when its text changes.
manifest_merge() { # json
  node - "$CALICO_LAB_CACHE/artifacts/manifest.json" "$1" <<'EOF'
const fs = require("fs");
const [manifestPath, json] = process.argv.slice(2);
const old = fs.existsSync(manifestPath) ? fs.readFileSync(manifestPath, "utf8") : "";
const artifacts = { ...((old && JSON.parse(old).artifacts) || {}), ...JSON.parse(json) };
const text = JSON.stringify({ artifacts }, null, 2) + "\n";
if (old !== text) { fs.writeFileSync(manifestPath + ".tmp", text); fs.renameSync(manifestPath + ".tmp", manifestPath); }
console.log("manifest: " + manifestPath);
EOF
}

# Installs Debian packages. A failed `apt-get update` is no reason to stop (the lists already there may hold
# the packages), but when the install then fails, the update's error is the likely cause: both are said.
apt_install() { # package...
  local update_err install_log
  update_err=$(DEBIAN_FRONTEND=noninteractive apt-get update -qq 2>&1 >/dev/null) && update_err=""
  install_log=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" 2>&1) && return 0
  echo "apt-get install $* failed:" >&2
  printf '%s\n' "$install_log" | tail -n 30 >&2
  [ -z "$update_err" ] || printf 'apt-get update had failed before it:\n%s\n' "$update_err" >&2
  return 1
}

# Prints the path of a `git archive` tarball of a pinned commit for sources no registry serves:
# the file the environment variable ENV names, else <repo>/../shared/vendor/TARBALL when it
# exists (our machines, CI), else a download of UPSTREAM (GitHub's archive of the same commit)
# into the cache. Whichever it is, the commit git archive recorded in it (`git get-tar-commit-id`)
# must be COMMIT: the bytes differ between GitHub and a local git archive, the commit does not.
vendored_source() { # pin-name ENV tarball commit upstream
  local name=$1 env=$2 tarball=$3 commit=$4 upstream=$5 src found
  src=${!env:-}
  if [[ -z $src && -f $CALICO_LAB_REPO/../shared/vendor/$tarball ]]; then src=$CALICO_LAB_REPO/../shared/vendor/$tarball; fi
  if [[ -z $src ]]; then
    src="$CALICO_LAB_CACHE/downloads/$tarball"
    if [[ ! -f $src ]]; then
      mkdir -p "${src%/*}"
      echo "downloading $upstream (set $env to a local tarball to skip)" >&2
      curl -fsSL --retry 2 -o "$src.part" "$upstream" || {
        echo "$name: cannot download $upstream; set $env to a git archive of it at $commit" >&2
        return 1
      }
      mv "$src.part" "$src"
    fi
  fi
  [[ -f $src ]] || { echo "$env=$src: no such file" >&2 && return 1; }
  found=$(gzip -dc "$src" | git get-tar-commit-id 2>/dev/null || true)
  if [[ $found != "$commit" ]]; then
    echo "$name source $src holds commit '${found:-(none recorded)}', versions.json pins $commit" >&2
    return 1
  fi
  echo "$src"
}
