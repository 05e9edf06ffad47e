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
# --check downloads nothing: modules come from the module cache only.
((check)) && export GOPROXY=off

calico_pins
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
# Calico's binaries and their main packages (calico-ipam is a copy of calico).
CALICO_PKG=github.com/projectcalico/calico
CALICO_BINS=(calico-node calicoctl calico calico-ipam)
declare -A CALICO_MAINS=(
  [calico-node]=$CALICO_PKG/node/cmd/calico-node
  [calicoctl]=$CALICO_PKG/calicoctl/calicoctl
  [calico]=$CALICO_PKG/cni-plugin/cmd/calico
  [calico-ipam]=$CALICO_PKG/cni-plugin/cmd/calico
)

sha() { sha256sum "$1" | cut -d' ' -f1; }

# The recipes written to the stamps (everything that decides the binaries' bytes): the calico
# pseudo-version carries the commit, the wrapper module follows from it and the api pin; the
# build flags are this script's (-trimpath, -s -w, the -X stamps of the version).
go_build_env
calico_stamp="calico=$CALICO_MOD_VERSION api=$CALICO_API_VERSION go=$GO_VERSION cgo=0 v=$CALICO_VERSION reproducible"
cnitool_stamp="cni=$CNITOOL_VERSION go=$GO_VERSION cgo=0"
cni_stamp="plugins=$CNI_PLUGINS_VERSION go=$GO_VERSION cgo=0 list=${CNI_PLUGINS[*]}"

# ---------------------------------------------------------------- --check
if ((check)); then
  if [[ ! -f $MANIFEST ]]; then
    echo "calico artifacts: no manifest at $MANIFEST" >&2
    exit 1
  fi
  rc=0
  node - "$MANIFEST" "$CALICO_VERSION" "$CNITOOL_VERSION" "$CNI_PLUGINS_VERSION" "${CNI_PLUGINS[@]##*/}" <<'EOF' || rc=1
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
  # The stamps: what the build would write now.
  stamp_check calico "$CALICO_OUT/.stamp" "$calico_stamp" || rc=1
  stamp_check cnitool "$CNITOOL_OUT/.stamp" "$cnitool_stamp" || rc=1
  stamp_check cni-plugins "$CNI_OUT/.stamp" "$cni_stamp" || rc=1
  # What Go recorded in each binary, against the pins.
  common="go=$GO_VERSION setting=CGO_ENABLED=0 setting=-trimpath=true"
  {
    # calico-node links Kubernetes itself: the version kube-binaries.sh builds (calico requires it).
    for b in "${CALICO_BINS[@]}"; do
      echo "$b $CALICO_OUT/$b path=${CALICO_MAINS[$b]} mod=$CALICO_PKG@$CALICO_MOD_VERSION commit=$CALICO_COMMIT" \
        "dep=github.com/projectcalico/api@$CALICO_API_VERSION $common" \
        "$([[ $b == calico-node ]] && echo "dep=k8s.io/kubernetes@$KUBE_VERSION")"
    done
    echo "cnitool $CNITOOL_OUT/cnitool path=github.com/containernetworking/cni/cnitool" \
      "mod=github.com/containernetworking/cni@$CNITOOL_VERSION $common"
    for p in "${CNI_PLUGINS[@]}"; do
      echo "${p##*/} $CNI_OUT/${p##*/} path=github.com/containernetworking/plugins/plugins/$p" \
        "mod=github.com/containernetworking/plugins@$CNI_PLUGINS_VERSION $common"
    done
  } | go_builds_check || rc=1
  "$CALICO_OUT/calico-node" -v 2>/dev/null | sed 's/^/calico-node -v: /' || true
  exit $rc
fi

# ---------------------------------------------------------------- build
# --- Calico (calico-node, calicoctl, calico CNI plugin + calico-ipam)
if stamp_ok "$CALICO_OUT/.stamp" "$calico_stamp" "${CALICO_BINS[@]/#/$CALICO_OUT/}"; then
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
  pkg=$CALICO_PKG
  gobuild() { # out main-package ldflags...
    local out=$1 main=$2
    shift 2
    echo "go build $main -> $out"
    (cd "$W" && go build -trimpath -buildvcs=false -o "$out.tmp" -ldflags "-s -w $*" "$main")
    mv -f "$out.tmp" "$out"
  }
  gobuild "$CALICO_OUT/calico-node" "${CALICO_MAINS[calico-node]}" \
    "-X $pkg/node/pkg/lifecycle/startup.VERSION=$CALICO_VERSION" \
    "-X $pkg/node/buildinfo.GitVersion=$CALICO_VERSION" \
    "-X $pkg/node/buildinfo.BuildDate=$build_date" \
    "-X $pkg/node/buildinfo.GitRevision=$commit_short"
  gobuild "$CALICO_OUT/calicoctl" "${CALICO_MAINS[calicoctl]}" \
    "-X $pkg/calicoctl/calicoctl/commands.VERSION=$CALICO_VERSION" \
    "-X $pkg/calicoctl/calicoctl/commands.GIT_REVISION=$commit_short" \
    "-X $pkg/calicoctl/calicoctl/commands/common.VERSION=$CALICO_VERSION" \
    "-X main.VERSION=$CALICO_VERSION"
  gobuild "$CALICO_OUT/calico" "${CALICO_MAINS[calico]}" "-X main.VERSION=$CALICO_VERSION"
  # The same binary acts as the IPAM plugin when it is called calico-ipam.
  cp -f "$CALICO_OUT/calico" "$CALICO_OUT/calico-ipam"
  stamp_set "$CALICO_OUT/.stamp" "$calico_stamp"
fi

# --- cnitool
if stamp_ok "$CNITOOL_OUT/.stamp" "$cnitool_stamp" "$CNITOOL_OUT/cnitool"; then
  echo "cnitool $CNITOOL_VERSION: up to date in $CNITOOL_OUT"
else
  mkdir -p "$CNITOOL_OUT"
  echo "go install github.com/containernetworking/cni/cnitool@$CNITOOL_VERSION"
  (cd "$CNITOOL_OUT" && GOFLAGS= GOBIN="$CNITOOL_OUT" go install -trimpath -ldflags "-s -w" \
    "github.com/containernetworking/cni/cnitool@$CNITOOL_VERSION")
  stamp_set "$CNITOOL_OUT/.stamp" "$cnitool_stamp"
fi

# --- CNI reference plugins
if stamp_ok "$CNI_OUT/.stamp" "$cni_stamp" "${CNI_PLUGINS[@]/#*\//$CNI_OUT/}"; then
  echo "cni plugins $CNI_PLUGINS_VERSION: up to date in $CNI_OUT"
else
  mkdir -p "$CNI_OUT"
  pkgs=()
  for p in "${CNI_PLUGINS[@]}"; do pkgs+=("github.com/containernetworking/plugins/plugins/$p@$CNI_PLUGINS_VERSION"); done
  echo "go install ${#pkgs[@]} plugins from github.com/containernetworking/plugins@$CNI_PLUGINS_VERSION"
  (cd "$CNI_OUT" && GOFLAGS= GOBIN="$CNI_OUT" go install -trimpath \
    -ldflags "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$CNI_PLUGINS_VERSION" \
    "${pkgs[@]}")
  stamp_set "$CNI_OUT/.stamp" "$cni_stamp"
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
