#!/usr/bin/env bash
# Proof of the kind parts (docs/kind.md): `kind create cluster` with the offline node image on the
# v28 engine (docker-v28.sh, its own network namespace), a control plane and one worker, no default
# CNI; waits for the API server and both Node objects, prints each step's time; then deletes the
# cluster unless --keep. Nodes stay NotReady until a CNI is installed (--calico does that: see
# kind-calico.sh).
#   kind-smoke.sh [--keep] [--name NAME]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

keep=0
name=calico-lab-smoke
while (($#)); do
  case $1 in
    --keep) keep=1 ;;
    --name) name=$2 && shift ;;
    *) echo "usage: kind-smoke.sh [--keep] [--name NAME]" >&2 && exit 2 ;;
  esac
  shift
done
KIND="$CALICO_LAB_CACHE/artifacts/kind/kind/$(pin kind.version)/kind"
KUBECTL="$CALICO_LAB_CACHE/artifacts/kind/kubernetes/$(pin kubernetes.version)/kubectl"
IMAGE=$(pin kind.nodeImage)
ns() { bash "$here/docker-v28.sh" exec "$@"; }
work=$(mktemp -d /tmp/calico-lab-kind.XXXXXX)
export KUBECONFIG="$work/kubeconfig"
cat >"$work/kind.yaml" <<EOF
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
networking:
  disableDefaultCNI: true
  podSubnet: 192.168.0.0/16
nodes:
  - role: control-plane
  - role: worker
EOF

bash "$here/docker-v28.sh" start
t0=$SECONDS
ns "$KIND" create cluster --name "$name" --image "$IMAGE" --config "$work/kind.yaml" --kubeconfig "$KUBECONFIG" --retain -v 1
echo "kind create cluster: $((SECONDS - t0))s"
t1=$SECONDS
for _ in $(seq 1 120); do
  [[ $(ns "$KUBECTL" get nodes --no-headers 2>/dev/null | wc -l) -ge 2 ]] && break
  sleep 1
done
echo "both Node objects: $((SECONDS - t1))s after create returned"
ns "$KUBECTL" get nodes -o wide
ns "$KUBECTL" get pods -A -o wide
ns docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' | sed 's/^/memory: /'
if ((keep)); then
  echo "kept: cluster $name; KUBECONFIG=$KUBECONFIG; run clients with: bash $here/docker-v28.sh exec $KUBECTL ..."
else
  t2=$SECONDS
  ns "$KIND" delete cluster --name "$name" --kubeconfig "$KUBECONFIG"
  echo "kind delete cluster: $((SECONDS - t2))s"
  rm -rf "$work"
fi
