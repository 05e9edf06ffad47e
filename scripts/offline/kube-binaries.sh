#!/usr/bin/env bash
# Builds kube-apiserver and kubectl from the Go module proxy only, and takes Calico's CRDs
# from the calico module in the module cache; records them in
# $CALICO_LAB_CACHE/artifacts/manifest.json (kube-apiserver, kubectl, calico-crds) next to
# the entries of calico-binaries.sh. They serve the kdd scenario: a bare kube-apiserver
# over the lab's etcd, no kubelet, no controller manager.
#   kube-binaries.sh           build what is missing
#   kube-binaries.sh --check   print versions; non-zero when an artifact is missing, at the
#                              wrong version or not matching its sha256
#
# The build happens inside calico's wrapper module (calico_wrapper in lib.sh): calico
# requires k8s.io/kubernetes at versions.json's kubernetes.version and replaces the
# staging modules (k8s.io/api, apiserver, kubectl...) with the matching v0 versions, so
# cmd/kube-apiserver and cmd/kubectl resolve there with no go.mod line of our own. That
# also means the pin cannot move on its own: it must be the version calico requires, and
# the build stops with a message when it is not. No kube-controller-manager: the kdd lab
# uses the `default` namespace and deletes pods, never namespaces, so nothing waits on a
# controller (namespace deletion never finishes without one).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check=0
[[ ${1:-} == --check ]] && check=1
# --check downloads nothing: modules come from the module cache only.
((check)) && export GOPROXY=off

calico_pins

ART="$CALICO_LAB_CACHE/artifacts"
MANIFEST="$ART/manifest.json"
KUBE_OUT="$ART/kubernetes/$KUBE_VERSION"
CRD_OUT="$ART/calico-crds/$CALICO_VERSION"

if [[ ! $KUBE_VERSION =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+$ ]]; then
  echo "versions.json: kubernetes.version ($KUBE_VERSION) must look like v1.29.15" >&2
  exit 1
fi
KUBE_MAJOR=${BASH_REMATCH[1]}
KUBE_MINOR=${BASH_REMATCH[2]}

# The recipes written to the stamps. kube-apiserver and kubectl: the pin, the wrapper's go.mod
# (calico's pins, generated from the module cache, never written here), Go, cgo and the
# ldflags' shape; a change to any of them rebuilds. The CRDs: the calico module.
go_build_env
wrapper_sum=$(calico_wrapper_gomod | sha256sum | cut -d' ' -f1)
kube_stamp="k8s=$KUBE_VERSION wrapper=$wrapper_sum go=$GO_VERSION cgo=0 tags=providerless ldflags=s,w,version v1"
crd_stamp="calico=$CALICO_MOD_VERSION dir=libcalico-go/config/crd"

# ---------------------------------------------------------------- --check
if ((check)); then
  if [[ ! -f $MANIFEST ]]; then
    echo "kube artifacts: no manifest at $MANIFEST" >&2
    exit 1
  fi
  rc=0
  node - "$MANIFEST" "$KUBE_VERSION" "$CALICO_VERSION" <<'EOF' || rc=1
const fs = require("fs"), crypto = require("crypto"), path = require("path");
const [manifestPath, kube, calico] = process.argv.slice(2);
const m = JSON.parse(fs.readFileSync(manifestPath, "utf8")).artifacts || {};
const want = { "kube-apiserver": kube, kubectl: kube, "calico-crds": calico };
const hash = (p) => crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");
let bad = 0;
const fail = (msg) => { console.error("MISSING/WRONG: " + msg); bad++; };
for (const [name, version] of Object.entries(want)) {
  const a = m[name];
  if (!a) { fail(`${name}: not in manifest`); continue; }
  if (a.version !== version) fail(`${name}: manifest has ${a.version}, versions.json pins ${version}`);
  const files = a.files ? Object.entries(a.files).map(([f, s]) => [path.join(a.dir, f), s]) : [[a.path, a.sha256]];
  if (a.files && Object.keys(a.files).length === 0) fail(`${name}: no files`);
  for (const [p, s] of files) {
    if (!fs.existsSync(p)) { fail(`${name}: ${p} does not exist`); continue; }
    const h = hash(p);
    if (h !== s) fail(`${name}: ${p} sha256 ${h} != manifest ${s}`);
  }
  console.log(`${name} ${a.version} ${a.path || a.dir + " (" + Object.keys(a.files).length + " files)"}`);
}
process.exit(bad ? 1 : 0);
EOF
  # The stamps: what the build would write now.
  stamp_check kubernetes "$KUBE_OUT/.stamp" "$kube_stamp" || rc=1
  stamp_check calico-crds "$CRD_OUT/.stamp" "$crd_stamp" || rc=1
  # What Go recorded in the binaries, against the pins: k8s.io/kubernetes and its staging
  # modules (v0.MINOR.PATCH) as calico's build list has them.
  staging="v0.${KUBE_VERSION#v1.}"
  for bin in kube-apiserver kubectl; do
    echo "$bin $KUBE_OUT/$bin go=$GO_VERSION path=k8s.io/kubernetes/cmd/$bin mod=k8s.io/kubernetes@$KUBE_VERSION" \
      "dep=k8s.io/api@$staging dep=k8s.io/apimachinery@$staging dep=k8s.io/client-go@$staging" \
      "dep=k8s.io/component-base@$staging setting=CGO_ENABLED=0 setting=-trimpath=true setting=-tags=providerless"
  done | go_builds_check || rc=1
  if [[ -x $KUBE_OUT/kube-apiserver ]]; then
    v=$("$KUBE_OUT/kube-apiserver" --version 2>&1 || true)
    echo "kube-apiserver --version: $v"
    [[ $v == "Kubernetes $KUBE_VERSION" ]] || { echo "WRONG VERSION: kube-apiserver --version says '$v'" >&2; rc=1; }
  fi
  if [[ -x $KUBE_OUT/kubectl ]]; then
    v=$("$KUBE_OUT/kubectl" version --client 2>&1 || true)
    v=${v%%$'\n'*}
    echo "kubectl version --client: $v"
    [[ $v == "Client Version: $KUBE_VERSION" ]] || { echo "WRONG VERSION: kubectl version --client says '$v'" >&2; rc=1; }
  fi
  exit $rc
fi

# ---------------------------------------------------------------- build
W=$(calico_wrapper)

# --- kube-apiserver, kubectl
if stamp_ok "$KUBE_OUT/.stamp" "$kube_stamp" "$KUBE_OUT/kube-apiserver" "$KUBE_OUT/kubectl"; then
  echo "kubernetes $KUBE_VERSION: up to date in $KUBE_OUT"
else
  resolved=$(cd "$W" && go list -m -f '{{with .Replace}}{{.Version}}{{else}}{{.Version}}{{end}}' k8s.io/kubernetes)
  if [[ $resolved != "$KUBE_VERSION" ]]; then
    echo "versions.json pins kubernetes $KUBE_VERSION, but calico $CALICO_VERSION's build list has k8s.io/kubernetes $resolved;" >&2
    echo "the two are built in one module: set kubernetes.version to $resolved (or move the calico pin)" >&2
    exit 1
  fi
  mkdir -p "$KUBE_OUT"
  v=k8s.io/component-base/version
  ldflags="-s -w -X $v.gitVersion=$KUBE_VERSION -X $v.gitMajor=$KUBE_MAJOR -X $v.gitMinor=$KUBE_MINOR -X $v.gitTreeState=clean"
  tmp="$KUBE_OUT/.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  echo "go build k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl ($KUBE_VERSION, in $W)"
  # providerless: Kubernetes' own tag that leaves out the in-tree cloud providers (the Azure, GCE and vSphere
  # SDKs), which a lab's apiserver never uses; kind-binaries.sh builds with it too, so the two parts compile
  # Kubernetes' packages once in the shared build cache.
  (cd "$W" && go build -trimpath -buildvcs=false -tags providerless -o "$tmp/" -ldflags "$ldflags" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl)
  mv -f "$tmp/kube-apiserver" "$tmp/kubectl" "$KUBE_OUT/"
  rmdir "$tmp"
  if ! cmp -s "$W/go.mod" "$W/go.mod.gen"; then
    echo "note: go build changed $W/go.mod (kubernetes needed modules outside calico's build list)"
  fi
  stamp_set "$KUBE_OUT/.stamp" "$kube_stamp"
fi
"$KUBE_OUT/kube-apiserver" --version
v=$("$KUBE_OUT/kubectl" version --client)
echo "${v%%$'\n'*}"

# --- Calico's CRDs (crd.projectcalico.org/v1), from the calico module in the module cache
if stamp_ok "$CRD_OUT/.stamp" "$crd_stamp" && compgen -G "$CRD_OUT/*.yaml" >/dev/null; then
  echo "calico CRDs $CALICO_VERSION: up to date in $CRD_OUT"
else
  dir=$(module_dir "github.com/projectcalico/calico@$CALICO_MOD_VERSION")
  rm -rf "$CRD_OUT" && mkdir -p "$CRD_OUT"
  cp "$dir"/libcalico-go/config/crd/crd.projectcalico.org_*.yaml "$CRD_OUT/"
  chmod 644 "$CRD_OUT"/*.yaml
  stamp_set "$CRD_OUT/.stamp" "$crd_stamp"
  echo "calico CRDs: $(ls "$CRD_OUT" | wc -l) files from $dir/libcalico-go/config/crd"
fi

# --- manifest
manifest_merge "$(node - "$KUBE_VERSION" "$KUBE_OUT" "$CALICO_VERSION" "$CALICO_COMMIT" "$CRD_OUT" <<'EOF'
const fs = require("fs"), crypto = require("crypto"), path = require("path");
const [kube, kubeOut, calico, commit, crdOut] = process.argv.slice(2);
const hash = (p) => crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");
const file = (version, p) => ({ version, path: p, sha256: hash(p) });
const crds = fs.readdirSync(crdOut).filter((f) => f.endsWith(".yaml")).sort();
process.stdout.write(JSON.stringify({
  "kube-apiserver": file(kube, path.join(kubeOut, "kube-apiserver")),
  kubectl: file(kube, path.join(kubeOut, "kubectl")),
  "calico-crds": { version: calico, commit, dir: crdOut, files: Object.fromEntries(crds.map((f) => [f, hash(path.join(crdOut, f))])) },
}));
EOF
)"
