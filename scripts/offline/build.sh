#!/usr/bin/env bash
# The one command of the offline (airgapped) build: Docker engine, Calico binaries and
# CNI tools, kube-apiserver and kubectl with Calico's CRDs (the kdd scenario), Calico's BIRD, lab
# images, and the Pulumi toolchain (when scripts/offline/pulumi-toolchain.sh
# exists) with the provider of the lab's steps (steps-provider.sh: providers/steps, in Go), each as a timed step with its log in $CALICO_LAB_CACHE/logs/. Everything is
# cached under $CALICO_LAB_CACHE; a second run skips finished work.
#   build.sh           build what is missing
#   build.sh --check   each part checks what was really built and changes nothing: `go version
#                      -m` of every Go binary (Go, main module, commit, dependencies, cgo)
#                      against the pins, each stamp against the recipe a build would write, the
#                      manifest's sha256, the images' input labels and versions; exit non-zero,
#                      naming the binary, field, expected and found value, on any difference
#   build.sh --vm [--check]   also the opt-in part vm-image (the qemu substrate's VM base
#                      image: ~3.5 min cold, 1.6 GB; not a default part because it is big)
#   build.sh --kind [--check]   also the opt-in parts of the kind substrate (docs/kind.md):
#                      docker-engine-v28 (dockerd 28.5.2 from the module proxy; kind needs
#                      --privileged, which Debian's engine refuses here), kind-binaries (kind,
#                      crictl, kubeadm, kubelet, the control plane, etcd, coredns, pause),
#                      kind-node-image (into the v28 engine, started in its own network
#                      namespace by docker-v28.sh) and kind-calico (Calico's manifest and the
#                      cni and kube-controllers images it runs, built from the pinned commit)
#   build.sh --k8s-provider [--check]   also the opt-in part kubernetes-provider (Pulumi's
#                      Kubernetes provider plugin 4.25.0 into the toolchain's plugin directory;
#                      no lab needs it yet: see the script's header)
#   build.sh --vpp [--check]   also the opt-in part vpp (VPP compiled from the vendored source
#                      tarball, $CALICO_LAB_VPP_TARBALL, and the node-vpp image of the vpp
#                      scenario: see vpp.sh; ~9 min cold on a quiet 2-core machine, seconds warm)
#   build.sh --calico-vpp [--check]   also the opt-in parts vpp and calico-vpp (Calico/VPP, the
#                      dataplane, from its vendored source: calico-vpp-agent, felix-api-proxy,
#                      vpp-manager, VPP with Calico/VPP's plugins, their two images; see
#                      calico-vpp.sh and docs/vpp.md)
# After building, the smoke test (smoke.sh: etcd and two calico nodes on an internal network,
# BGP Established, a VXLAN ping between two workloads) runs once per pair of etcd and node
# images: stamps/smoke.stamp holds their image IDs and smoke.sh's hash. --no-smoke skips it.
# Afterwards: source "$CALICO_LAB_CACHE/env.sh" (CALICO_LAB_ARTIFACTS and the toolchain's
# settings).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

here="$(dirname "${BASH_SOURCE[0]}")"
parts=(docker-engine calico-binaries kube-binaries calico-bird images)
[[ -f $here/pulumi-toolchain.sh ]] && parts+=(pulumi-toolchain steps-provider)
check=0
smoke=1
for a in "$@"; do
  case $a in
    --check) check=1 ;;
    --vm) parts+=(vm-image) ;;
    --k8s-provider) parts+=(kubernetes-provider) ;;
    --kind) parts+=(docker-engine-v28 kind-binaries kind-node-image kind-calico) ;;
    --vpp) [[ " ${parts[*]} " == *" vpp "* ]] || parts+=(vpp) ;;
    --calico-vpp) [[ " ${parts[*]} " == *" vpp "* ]] || parts+=(vpp); parts+=(calico-vpp) ;;
    --no-smoke) smoke=0 ;;
    *) echo "usage: build.sh [--vm] [--k8s-provider] [--kind] [--vpp] [--calico-vpp] [--check] [--no-smoke]" >&2 && exit 2 ;;
  esac
done

if ((check)); then
  rc=0
  for p in "${parts[@]}"; do
    echo "== $p"
    if bash "$here/$p.sh" --check; then echo "-- $p: ok"; else echo "-- $p: NOT OK"; rc=1; fi
  done
  exit $rc
fi

started=$SECONDS
for p in "${parts[@]}"; do
  step "$p" bash "$here/$p.sh"
done
if ((smoke)); then
  smoke_stamp="$CALICO_LAB_CACHE/stamps/smoke.stamp"
  smoke_recipe="etcd=$(docker image inspect --format '{{.Id}}' "$(pin offlineImages.etcd)")"
  smoke_recipe+=" node=$(docker image inspect --format '{{.Id}}' "$(pin offlineImages.node)")"
  smoke_recipe+=" smoke.sh=$(sha256sum <"$here/smoke.sh" | cut -c1-16)"
  if stamp_ok "$smoke_stamp" "$smoke_recipe"; then
    echo "==> smoke ... passed before for these images ($smoke_stamp)"
  else
    step smoke bash "$here/smoke.sh"
    mkdir -p "${smoke_stamp%/*}"
    stamp_set "$smoke_stamp" "$smoke_recipe"
  fi
fi
echo "offline build done in $((SECONDS - started))s; cache $CALICO_LAB_CACHE ($(du -sh "$CALICO_LAB_CACHE" 2>/dev/null | cut -f1)); logs $CALICO_LAB_LOGS"
echo "use: source $CALICO_LAB_CACHE/env.sh"
