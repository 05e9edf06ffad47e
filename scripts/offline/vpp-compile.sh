#!/usr/bin/env bash
# Compiles VPP from a source tarball with CMake and Ninja (not `make build-release`, which
# downloads DPDK and friends) and installs it into a staging directory. Run by vpp.sh, either
# inside a builder container made from the lab's base image (default) or on the host; it
# needs only Debian's packages (VPP_BUILD_PACKAGES below) and no network.
#   vpp-compile.sh TARBALL WORKDIR DESTDIR
# Settings (environment): VPP_PLUGINS (comma-separated plugins to keep; every other plugin of
# the tree is excluded), VPP_MARCH (the one -march the binaries are built for; corei7 =
# SSE4.2, runs on any x86-64 CPU of the last 15 years and under QEMU's `-cpu max`), VPP_OPT
# (release: VPP's own -O3 -g; quick: -O1 -g0 appended through clang's CCC_OVERRIDE_OPTIONS, about
# half the compile time, for labs on small or busy machines; the binaries are stripped either
# way), JOBS, CCACHE_DIR (one per VPP_OPT: ccache does not see CCC_OVERRIDE_OPTIONS).
# The build tree (WORKDIR/b) is kept between runs made with the same plugins, march, VPP_OPT and
# VPP_BUILD_ON (host, or the builder image's id: another compiler means starting afresh),
# so ninja only redoes what changed (tar keeps the sources' times); otherwise it starts afresh.
set -euo pipefail
tarball=$1 work=$2 dest=$3
: "${VPP_PLUGINS:=af_packet,ping,arping}"
: "${VPP_MARCH:=corei7}"
: "${JOBS:=$(nproc)}"
: "${VPP_OPT:=release}"
case $VPP_OPT in
  release) unset CCC_OVERRIDE_OPTIONS ;;
  quick) export CCC_OVERRIDE_OPTIONS="# +-O1 +-g0" ;;
  *) echo "VPP_OPT is '$VPP_OPT'; allowed: release, quick" >&2; exit 2 ;;
esac

src="$work/src"
config="$(basename "$tarball") plugins=$VPP_PLUGINS march=$VPP_MARCH opt=$VPP_OPT on=${VPP_BUILD_ON:-?}"
if [[ $(cat "$work/b/.calico-lab-config" 2>/dev/null) != "$config" ]]; then rm -rf "$work/b"; fi
rm -rf "$src" "$dest"
mkdir -p "$src" "$dest" "$work/b"
tar -xzf "$tarball" -C "$src" --strip-components=1
[[ -f $src/src/CMakeLists.txt ]] || { echo "$tarball: no src/CMakeLists.txt (not a VPP tree?)" >&2; exit 1; }
cat "$src/src/scripts/.version" 2>/dev/null || true

# Every plugin directory that is not kept is excluded.
keep=",$VPP_PLUGINS,"
excluded=()
for d in "$src"/src/plugins/*/; do
  p=$(basename "$d")
  [[ -f $d/CMakeLists.txt ]] || continue
  [[ $keep == *",$p,"* ]] || excluded+=("$p")
done
for p in ${VPP_PLUGINS//,/ }; do
  [[ -f $src/src/plugins/$p/CMakeLists.txt ]] || { echo "VPP_PLUGINS names '$p', which this tree has no plugin for" >&2; exit 1; }
done
excl=$(IFS=,; echo "${excluded[*]}")

# CMake must find Debian's python3 (with ply) first, not one from elsewhere on PATH.
export PATH="/usr/bin:/bin:/usr/sbin:/sbin:$PATH"
cmake -G Ninja -S "$src/src" -B "$work/b" \
  -DCMAKE_BUILD_TYPE=release -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DVPP_USE_LTO=OFF -DVPP_BUILD_NATIVE_ONLY=ON -DVPP_BUILD_NATIVE_ARCH="$VPP_MARCH" \
  -DVPP_EXCLUDED_PLUGINS="$excl" -DVPP_SET_RPATH=OFF
# Only what a node runs: vpp, vppctl, their libraries and the kept plugins (not the API test
# tools, VCL, the C++ API or the API client libraries: a third of the tree's build steps).
lib=lib/x86_64-linux-gnu
targets=(bin/vpp bin/vppctl)
for p in ${VPP_PLUGINS//,/ }; do targets+=("$lib/vpp_plugins/${p}_plugin.so"); done
echo "$config" >"$work/b/.calico-lab-config"
ninja -C "$work/b" -j"$JOBS" "${targets[@]}"
mkdir -p "$dest/usr/bin" "$dest/usr/$lib/vpp_plugins"
cp -a "$work/b/bin/vpp" "$work/b/bin/vppctl" "$dest/usr/bin/"
cp -a "$work/b/$lib"/lib*.so* "$dest/usr/$lib/"
cp -a "$work/b/$lib"/vpp_plugins/*.so "$dest/usr/$lib/vpp_plugins/"
strip --strip-unneeded "$dest/usr/bin/vpp" "$dest/usr/bin/vppctl" "$dest/usr/$lib"/lib*.so.* "$dest/usr/$lib"/vpp_plugins/*.so
ls "$dest/usr/$lib/vpp_plugins/"
du -sh "$dest"
