#!/usr/bin/env bash
# Builds the Calico binaries, cnitool and the CNI reference plugins from the Go module
# proxy only, and records them in $CALICO_LAB_CACHE/artifacts/manifest.json (name, version,
# path, sha256 of each artifact). Idempotent: finished artifacts whose build inputs
# have not changed are kept.
#   calico-binaries.sh           build what is missing
#   calico-binaries.sh --check   print versions; non-zero when an artifact is missing,
#                                at the wrong version or not matching its sha256
#
# Calico: module github.com/projectcalico/calico has no /v3 in its path, so its release
# tags are not usable as module versions. versions.json pins the commit and the
# pseudo-version the Go module proxy serves for it (calico.goModuleVersion), plus the
# github.com/projectcalico/api version standing in for calico's `./api` replace
# (calico.apiGoModuleVersion). A throwaway wrapper module in the cache requires calico
# at that pseudo-version and copies calico's own require and replace blocks, so the
# build list is calico's (calico_wrapper in lib.sh; kube-binaries.sh builds in it too).
# What the Go module proxy serves (checked when this was written): exactly one version of
# github.com/projectcalico/calico, v1.11.0-cni-plugin.0.20250813170300-a0db560f0520
# (commit a0db560f, release-v3.28 branch, whose sources differ from the v3.28.5 tag only
# in lib.Makefile), hence calico v3.28.5; v3.29.4 (019fcb9c) is refused. Of
# github.com/projectcalico/api it serves no release-v3.28 commit newer than 9183ab93f33e
# (the branch point), which lacks only a few FelixConfiguration fields added later.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check=0
[[ ${1:-} == --check ]] && check=1

CALICO_VERSION=$(pin calico.version)
CALICO_COMMIT=$(pin calico.commit)
CALICO_MOD_VERSION=$(pin calico.goModuleVersion)
CALICO_API_VERSION=$(pin calico.apiGoModuleVersion)
CNITOOL_VERSION=$(pin cnitool.version)
CNI_PLUGINS_VERSION=$(pin cniPlugins.version)

ART="$CALICO_LAB_CACHE/artifacts"
MANIFEST="$ART/manifest.json"
CALICO_OUT="$ART/calico/$CALICO_VERSION"
CNITOOL_OUT="$ART/cnitool/$CNITOOL_VERSION"
CNI_OUT="$ART/cni/$CNI_PLUGINS_VERSION/bin"
# The reference plugins built (Linux ones; the Windows ones are left out).
CNI_PLUGINS=(
  main/bridge main/dummy main/host-device main/ipvlan main/loopback main/macvlan main/ptp main/tap main/vlan
  ipam/dhcp ipam/host-local ipam/static
  meta/bandwidth meta/firewall meta/portmap meta/sbr meta/tuning meta/vrf
)

if [[ ${#CALICO_COMMIT} -ne 40 || $CALICO_MOD_VERSION != *-"${CALICO_COMMIT:0:12}" ]]; then
  echo "versions.json: calico.commit ($CALICO_COMMIT) must be a full hash and calico.goModuleVersion ($CALICO_MOD_VERSION) must end with its first 12 digits" >&2
  exit 1
fi

sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---------------------------------------------------------------- --check
if ((check)); then
  if [[ ! -f $MANIFEST ]]; then
    echo "calico artifacts: no manifest at $MANIFEST" >&2
    exit 1
  fi
  node - "$MANIFEST" "$CALICO_VERSION" "$CNITOOL_VERSION" "$CNI_PLUGINS_VERSION" "${CNI_PLUGINS[@]##*/}" <<'EOF'
const fs = require("fs"), crypto = require("crypto"), path = require("path");
const [manifestPath, calico, cnitool, cniPlugins, ...plugins] = process.argv.slice(2);
const m = JSON.parse(fs.readFileSync(manifestPath, "utf8")).artifacts || {};
const want = { "calico-node": calico, calicoctl: calico, calico: calico, "calico-ipam": calico, cnitool, "cni-plugins": cniPlugins };
const hash = (p) => crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");
let bad = 0;
const fail = (msg) => { console.error("MISSING/WRONG: " + msg); bad++; };
for (const [name, version] of Object.entries(want)) {
  const a = m[name];
  if (!a) { fail(`${name}: not in manifest`); continue; }
  if (a.version !== version) fail(`${name}: manifest has ${a.version}, versions.json pins ${version}`);
  const files = a.files ? Object.entries(a.files).map(([f, s]) => [path.join(a.dir, f), s]) : [[a.path, a.sha256]];
  if (a.files) for (const p of plugins) if (!(p in a.files)) fail(`${name}: plugin ${p} missing`);
  for (const [p, s] of files) {
    if (!fs.existsSync(p)) { fail(`${name}: ${p} does not exist`); continue; }
    const h = hash(p);
    if (h !== s) fail(`${name}: ${p} sha256 ${h} != manifest ${s}`);
  }
  console.log(`${name} ${a.version} ${a.path || a.dir + " (" + Object.keys(a.files).length + " plugins)"}`);
}
process.exit(bad ? 1 : 0);
EOF
  rc=$?
  "$CALICO_OUT/calico-node" -v 2>/dev/null | sed 's/^/calico-node -v: /' || true
  exit $rc
fi

# ---------------------------------------------------------------- build
GO_VERSION=$(go env GOVERSION)
export CGO_ENABLED=0

# Stamp files record the inputs of each finished build; equal stamp + present outputs = skip.
stamp_ok() { [[ -f $1/.stamp && "$(cat "$1/.stamp")" == "$2" ]]; }

# --- Calico (calico-node, calicoctl, calico CNI plugin + calico-ipam)
calico_stamp="calico=$CALICO_MOD_VERSION api=$CALICO_API_VERSION go=$GO_VERSION cgo=0 v=$CALICO_VERSION reproducible"
if stamp_ok "$CALICO_OUT" "$calico_stamp" && [[ -x $CALICO_OUT/calico-node && -x $CALICO_OUT/calicoctl && -x $CALICO_OUT/calico && -x $CALICO_OUT/calico-ipam ]]; then
  echo "calico $CALICO_VERSION: up to date in $CALICO_OUT"
else
  W=$(calico_wrapper)
  mkdir -p "$CALICO_OUT"

  commit_short=${CALICO_COMMIT:0:12}
  # The commit time (from the pseudo-version) as the build date keeps builds reproducible:
  # same pins and Go version, same sha256 on every machine.
  ts=${CALICO_MOD_VERSION%-*}
  ts=${ts##*.}
  build_date="${ts:0:4}-${ts:4:2}-${ts:6:2}T${ts:8:2}:${ts:10:2}:${ts:12:2}Z"
  pkg=github.com/projectcalico/calico
  gobuild() { # out main-package ldflags...
    local out=$1 main=$2
    shift 2
    echo "go build $main -> $out"
    (cd "$W" && go build -trimpath -buildvcs=false -o "$out.tmp" -ldflags "-s -w $*" "$main")
    mv -f "$out.tmp" "$out"
  }
  gobuild "$CALICO_OUT/calico-node" $pkg/node/cmd/calico-node \
    "-X $pkg/node/pkg/lifecycle/startup.VERSION=$CALICO_VERSION" \
    "-X $pkg/node/buildinfo.GitVersion=$CALICO_VERSION" \
    "-X $pkg/node/buildinfo.BuildDate=$build_date" \
    "-X $pkg/node/buildinfo.GitRevision=$commit_short"
  gobuild "$CALICO_OUT/calicoctl" $pkg/calicoctl/calicoctl \
    "-X $pkg/calicoctl/calicoctl/commands.VERSION=$CALICO_VERSION" \
    "-X $pkg/calicoctl/calicoctl/commands.GIT_REVISION=$commit_short" \
    "-X $pkg/calicoctl/calicoctl/commands/common.VERSION=$CALICO_VERSION" \
    "-X main.VERSION=$CALICO_VERSION"
  gobuild "$CALICO_OUT/calico" $pkg/cni-plugin/cmd/calico "-X main.VERSION=$CALICO_VERSION"
  # The same binary acts as the IPAM plugin when it is called calico-ipam.
  cp -f "$CALICO_OUT/calico" "$CALICO_OUT/calico-ipam"
  echo "$calico_stamp" >"$CALICO_OUT/.stamp"
fi

# --- cnitool
cnitool_stamp="cni=$CNITOOL_VERSION go=$GO_VERSION cgo=0"
if stamp_ok "$CNITOOL_OUT" "$cnitool_stamp" && [[ -x $CNITOOL_OUT/cnitool ]]; then
  echo "cnitool $CNITOOL_VERSION: up to date in $CNITOOL_OUT"
else
  mkdir -p "$CNITOOL_OUT"
  echo "go install github.com/containernetworking/cni/cnitool@$CNITOOL_VERSION"
  (cd "$CNITOOL_OUT" && GOFLAGS= GOBIN="$CNITOOL_OUT" go install -trimpath -ldflags "-s -w" \
    "github.com/containernetworking/cni/cnitool@$CNITOOL_VERSION")
  echo "$cnitool_stamp" >"$CNITOOL_OUT/.stamp"
fi

# --- CNI reference plugins
cni_stamp="plugins=$CNI_PLUGINS_VERSION go=$GO_VERSION cgo=0 list=${CNI_PLUGINS[*]}"
if stamp_ok "$CNI_OUT" "$cni_stamp"; then
  echo "cni plugins $CNI_PLUGINS_VERSION: up to date in $CNI_OUT"
else
  mkdir -p "$CNI_OUT"
  pkgs=()
  for p in "${CNI_PLUGINS[@]}"; do pkgs+=("github.com/containernetworking/plugins/plugins/$p@$CNI_PLUGINS_VERSION"); done
  echo "go install ${#pkgs[@]} plugins from github.com/containernetworking/plugins@$CNI_PLUGINS_VERSION"
  (cd "$CNI_OUT" && GOFLAGS= GOBIN="$CNI_OUT" go install -trimpath \
    -ldflags "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$CNI_PLUGINS_VERSION" \
    "${pkgs[@]}")
  echo "$cni_stamp" >"$CNI_OUT/.stamp"
fi

# --- manifest
# Entries of other parts (kube-binaries.sh) are kept.
manifest_merge "$(node - "$CALICO_VERSION" "$CALICO_COMMIT" "$CALICO_OUT" "$CNITOOL_VERSION" "$CNITOOL_OUT" "$CNI_PLUGINS_VERSION" "$CNI_OUT" "${CNI_PLUGINS[@]##*/}" <<'EOF'
const fs = require("fs"), crypto = require("crypto"), path = require("path");
const [calico, commit, calicoOut, cnitool, cnitoolOut, cniVersion, cniOut, ...plugins] = process.argv.slice(2);
const hash = (p) => crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");
const file = (version, p, extra = {}) => ({ version, ...extra, path: p, sha256: hash(p) });
const artifacts = {
  "calico-node": file(calico, path.join(calicoOut, "calico-node"), { commit }),
  calicoctl: file(calico, path.join(calicoOut, "calicoctl"), { commit }),
  calico: file(calico, path.join(calicoOut, "calico"), { commit }),
  "calico-ipam": file(calico, path.join(calicoOut, "calico-ipam"), { commit }),
  cnitool: file(cnitool, path.join(cnitoolOut, "cnitool")),
  "cni-plugins": { version: cniVersion, dir: cniOut, files: Object.fromEntries(plugins.sort().map((p) => [p, hash(path.join(cniOut, p))])) },
};
process.stdout.write(JSON.stringify(artifacts));
EOF
)"

# --- env.sh: this script's part, between its markers
ENV_SH="$CALICO_LAB_CACHE/env.sh"
touch "$ENV_SH"
block="# >>> calico-artifacts
export CALICO_LAB_ARTIFACTS=\"\${CALICO_LAB_CACHE:-$CALICO_LAB_CACHE}/artifacts/manifest.json\"
# <<< calico-artifacts"
node - "$ENV_SH" "$block" <<'EOF'
const fs = require("fs");
const [file, block] = process.argv.slice(2);
let text = fs.readFileSync(file, "utf8");
const re = /# >>> calico-artifacts\n[\s\S]*?# <<< calico-artifacts\n?/;
let next;
if (re.test(text)) next = text.replace(re, block + "\n");
else {
  next = text + (text === "" || text.endsWith("\n") ? "" : "\n") + block + "\n";
}
if (next !== fs.readFileSync(file, "utf8")) fs.writeFileSync(file, next);
EOF
echo "env: $ENV_SH (CALICO_LAB_ARTIFACTS)"
