#!/usr/bin/env bash
# Calico on a kind cluster made by kind-smoke.sh --keep, the manifest way (Calico's own
# manifests/calico.yaml from the calico module at the pin), with the lab's offline images:
#   calico/node -> versions.json offlineImages.node (images.sh, on the machine's engine)
#   calico/cni  -> calico-lab/cni:<calico version>: that node image plus Calico's CNI installer
#                  (cni-plugin/cmd/install, built here in calico's wrapper module)
# Changes to the manifest, and why: the images' names; no mount-bpffs init container (the
# binaries are built without cgo: no BPF dataplane); no calico-kube-controllers Deployment (no
# image for it yet: IPAM garbage collection and policy sync wait for it); CALICO_IPV4POOL_IPIP
# Never (this kernel has no ipip module: pods are routed by BIRD over the kind network, one L2).
# Then: both nodes Ready, one pod per node, a ping between them.
#   kind-calico.sh [--name NAME] [--kubeconfig FILE]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name=calico-lab-smoke
kubeconfig=
while (($#)); do
  case $1 in
    --name) name=$2 && shift ;;
    --kubeconfig) kubeconfig=$2 && shift ;;
    *) echo "usage: kind-calico.sh [--name NAME] [--kubeconfig FILE]" >&2 && exit 2 ;;
  esac
  shift
done
calico_pins
NODE_IMAGE=$(pin offlineImages.node)
CNI_IMAGE="calico-lab/cni:$CALICO_VERSION"
KIND="$CALICO_LAB_CACHE/artifacts/kind/kind/$(pin kind.version)/kind"
KUBECTL="$CALICO_LAB_CACHE/artifacts/kind/kubernetes/$KUBE_VERSION/kubectl"
INSTALL_OUT="$CALICO_LAB_CACHE/artifacts/kind/calico-cni-install/$CALICO_VERSION"
ns() { bash "$here/docker-v28.sh" exec "$@"; }
work=$(mktemp -d /tmp/calico-lab-kind-calico.XXXXXX)
if [[ -z $kubeconfig ]]; then
  kubeconfig="$work/kubeconfig"
  ns "$KIND" get kubeconfig --name "$name" >"$kubeconfig"
fi
export KUBECONFIG=$kubeconfig
k() { ns "$KUBECTL" "$@"; }
t0=$SECONDS

# --- Calico's CNI installer (same wrapper, same flags as calico-binaries.sh's calico plugin)
go_build_env
install_stamp="calico=$CALICO_MOD_VERSION go=$GO_VERSION cgo=0 v=$CALICO_VERSION"
if ! stamp_ok "$INSTALL_OUT/.stamp" "$install_stamp" "$INSTALL_OUT/install"; then
  W=$(calico_wrapper)
  mkdir -p "$INSTALL_OUT"
  (cd "$W" && go build -trimpath -buildvcs=false -o "$INSTALL_OUT/install.tmp" \
    -ldflags "-s -w -X main.VERSION=$CALICO_VERSION" github.com/projectcalico/calico/cni-plugin/cmd/install)
  mv -f "$INSTALL_OUT/install.tmp" "$INSTALL_OUT/install"
  stamp_set "$INSTALL_OUT/.stamp" "$install_stamp"
fi

# --- images into the v28 engine, then into the cluster's nodes
if ! ns docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then
  docker image inspect "$NODE_IMAGE" >/dev/null || { echo "no $NODE_IMAGE on the machine's engine: run images.sh" >&2; exit 1; }
  docker save "$NODE_IMAGE" | ns docker load
fi
ctx="$work/cni" && mkdir -p "$ctx" && cp "$INSTALL_OUT/install" "$ctx/"
printf 'FROM %s\nCOPY install /opt/cni/bin/install\nCMD ["/opt/cni/bin/install"]\n' "$NODE_IMAGE" >"$ctx/Dockerfile"
(cd "$ctx" && tar -c .) | DOCKER_BUILDKIT=0 ns docker build -q -t "$CNI_IMAGE" - >/dev/null
t1=$SECONDS
ns "$KIND" load docker-image --name "$name" "$NODE_IMAGE" "$CNI_IMAGE"
echo "kind load docker-image (node, cni): $((SECONDS - t1))s"

# --- the manifest
src="$(module_dir "github.com/projectcalico/calico@$CALICO_MOD_VERSION")/manifests/calico.yaml"
node - "$src" "$NODE_IMAGE" "$CNI_IMAGE" "$CALICO_VERSION" >"$work/calico.yaml" <<'EOF'
const fs = require("fs");
const [src, nodeImage, cniImage, version] = process.argv.slice(2);
let docs = fs.readFileSync(src, "utf8").split(/\n---\n/);
docs = docs.filter((d) => !/\nkind: Deployment\n[\s\S]*name: calico-kube-controllers/.test(d) && !/\nkind: PodDisruptionBudget\n/.test(d));
let text = docs.join("\n---\n");
text = text.replaceAll(`docker.io/calico/node:${version}`, nodeImage).replaceAll(`docker.io/calico/cni:${version}`, cniImage);
// Drop the mount-bpffs init container (from its name to the containers: line that follows it).
text = text.replace(/\n\s*# This init container mounts the necessary filesystems[\s\S]*?\n(\s*)- name: "mount-bpffs"[\s\S]*?\n(\s*containers:\n)/, "\n$2");
text = text.replace(/(- name: CALICO_IPV4POOL_IPIP\n\s*value: )"Always"/, '$1"Never"');
if (text.includes(`- name: "mount-bpffs"`) || !text.includes(nodeImage) || text.includes("docker.io/calico/")) throw new Error("calico.yaml did not take the edits");
process.stdout.write(text);
EOF
t2=$SECONDS
k apply -f "$work/calico.yaml" >/dev/null
k -n kube-system rollout status ds/calico-node --timeout=300s
echo "calico-node ready on every node: $((SECONDS - t2))s after apply"
k wait --for=condition=Ready node --all --timeout=120s
echo "nodes Ready: $((SECONDS - t2))s after apply"
k get nodes -o wide

# --- one pod per node, a ping between them
nodes=($(k get nodes -o jsonpath='{.items[*].metadata.name}'))
for i in 0 1; do
  cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: ping-$i, namespace: default, labels: {app: calico-lab-ping}}
spec:
  nodeName: ${nodes[$i]}
  tolerations: [{operator: Exists}]
  containers:
    - name: c
      image: $NODE_IMAGE
      imagePullPolicy: Never
      command: ["sleep", "infinity"]
---
EOF
done >"$work/pods.yaml"
t3=$SECONDS
k apply -f "$work/pods.yaml" >/dev/null
k wait --for=condition=Ready pod -l app=calico-lab-ping --timeout=120s
echo "two pods Ready: $((SECONDS - t3))s"
k get pods -o wide
ip1=$(k get pod ping-1 -o jsonpath='{.status.podIP}')
k exec ping-0 -- ping -c 3 -W 2 "$ip1"
echo "pod-to-pod ping across nodes: ok (ping-0 on ${nodes[0]} -> $ip1 on ${nodes[1]})"
k -n kube-system exec ds/calico-node -c calico-node -- birdc -s /var/run/calico/bird.ctl show protocols 2>/dev/null || true
echo "kind-calico: $((SECONDS - t0))s in all"
rm -rf "$work"
