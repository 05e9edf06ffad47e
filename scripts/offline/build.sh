#!/usr/bin/env bash
# The one command of the offline (airgapped) build: Docker engine, Calico binaries and
# CNI tools, kube-apiserver and kubectl with Calico's CRDs (the kdd scenario), lab
# images, and the Pulumi toolchain (when scripts/offline/pulumi-toolchain.sh
# exists), each as a timed step with its log in $CALICO_LAB_CACHE/logs/. Everything is
# cached under $CALICO_LAB_CACHE; a second run skips finished work.
#   build.sh           build what is missing
#   build.sh --check   each part prints the versions of its pieces; exit non-zero when
#                      anything is missing or at the wrong version
#   build.sh --vm [--check]   also the opt-in part vm-image (the qemu substrate's VM base
#                      image: ~3.5 min cold, 1.6 GB; not a default part because it is big)
#   build.sh --k8s-provider [--check]   also the opt-in part kubernetes-provider (Pulumi's
#                      Kubernetes provider plugin 4.25.0 into the toolchain's plugin directory;
#                      no lab needs it yet: see the script's header)
# Afterwards: source "$CALICO_LAB_CACHE/env.sh" (CALICO_LAB_ARTIFACTS and the toolchain's
# settings).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

here="$(dirname "${BASH_SOURCE[0]}")"
parts=(docker-engine calico-binaries kube-binaries images)
[[ -f $here/pulumi-toolchain.sh ]] && parts+=(pulumi-toolchain)
check=0
for a in "$@"; do
  case $a in
    --check) check=1 ;;
    --vm) parts+=(vm-image) ;;
    --k8s-provider) parts+=(kubernetes-provider) ;;
    *) echo "usage: build.sh [--vm] [--k8s-provider] [--check]" >&2 && exit 2 ;;
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
echo "offline build done in $((SECONDS - started))s; cache $CALICO_LAB_CACHE ($(du -sh "$CALICO_LAB_CACHE" 2>/dev/null | cut -f1)); logs $CALICO_LAB_LOGS"
echo "use: source $CALICO_LAB_CACHE/env.sh"
