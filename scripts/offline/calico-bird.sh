#!/usr/bin/env bash
# Builds Calico's BIRD fork (bird, birdcl, bird6, birdcl6; static, as the fork's own
# create_binaries.sh builds them) from the commit versions.json pins (calicoBird), and records
# them in $CALICO_LAB_CACHE/artifacts/manifest.json. The node image uses them instead of
# Debian's bird 1.6.8, which lacks the fork's `krt_tunnel` (IPIP routes through tunl0).
#   calico-bird.sh           build when missing or when the pin or this recipe changed
#   calico-bird.sh --check   verify the built binaries: the manifest's commit against the pin, each
#                            binary's sha256, and `bird -v` (the version string the pin names)
#
# Where the source comes from (no registry serves it):
#   CALICO_LAB_BIRD_SOURCE=<file>   a `git archive` tarball of the pinned commit (a local copy)
#   otherwise <repo>/../shared/vendor/<calicoBird.tarball> when that file exists (our machines, CI)
#   otherwise a download of calicoBird.upstream (GitHub's archive of the same commit)
# Whichever it is, the commit recorded in the tarball (`git get-tar-commit-id`: git archive writes
# it into the pax header) must be the pinned one; a tarball's own bytes differ between GitHub and
# a local `git archive`, so the commit is what is pinned, not a checksum.
# The compile runs in a container of the lab's base image (images.sh --base), so the host needs
# only Docker; the container installs Debian's autoconf, flex and bison.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check=0
[[ ${1:-} == --check ]] && check=1

BIRD_VERSION=$(pin calicoBird.version)
BIRD_COMMIT=$(pin calicoBird.commit)
BIRD_STRING=$(pin calicoBird.birdVersion)
BIRD_TARBALL=$(pin calicoBird.tarball)
BIRD_UPSTREAM=$(pin calicoBird.upstream)
BASE_IMAGE=$(pin offlineImages.base)
OUT="$CALICO_LAB_CACHE/artifacts/bird/$BIRD_VERSION"
MANIFEST="$CALICO_LAB_CACHE/artifacts/manifest.json"
BINS=(bird birdcl bird6 birdcl6)
STAMP="$CALICO_LAB_CACHE/stamps/calico-bird.stamp"
here="$(dirname "${BASH_SOURCE[0]}")"
# The recipe: the pinned commit and this script's build steps (the compile script below).
recipe() { echo "bird=$BIRD_COMMIT script=$(sed -n '/^compile_script()/,/^}/p' "$here/calico-bird.sh" | sha256sum | cut -c1-16)"; }

bird_source() { vendored_source calicoBird CALICO_LAB_BIRD_SOURCE "$BIRD_TARBALL" "$BIRD_COMMIT" "$BIRD_UPSTREAM"; }

# The build inside the container: /src.tar.gz in, the four static binaries into /out.
compile_script() {
  cat <<'EOF'
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends gcc make libc6-dev autoconf flex bison >/dev/null
mkdir -p /build && tar -C /build --strip-components=1 -xzf /src.tar.gz
cd /build && autoreconf
build() { # out-names config-flags...
  local bin=$1 cl=$2
  shift 2
  rm -rf obj && mkdir obj && cd obj
  ../configure --with-protocols="bfd bgp pipe static" --enable-client=no --enable-pthreads=yes \
    --runstatedir=/var/run/calico "$@" >/dev/null
  make -j"$(nproc)" >/dev/null
  rm -f bird birdcl && make CC="gcc --static" bird birdcl >/dev/null 2>&1
  install -m 0755 bird "/out/$bin" && install -m 0755 birdcl "/out/$cl"
  cd ..
}
build bird birdcl --with-sysconfig=linux
build bird6 birdcl6 --enable-ipv6=yes --with-sysconfig=linux-v6
/out/bird --version
EOF
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

if ((check)); then
  bad=0
  stamp_check calico-bird "$STAMP" "$(recipe)" || bad=1
  node - "$MANIFEST" "$BIRD_VERSION" "$BIRD_COMMIT" "${BINS[@]}" <<'EOF' || bad=1
const fs = require("fs"), crypto = require("crypto"), path = require("path");
const [manifestPath, version, commit, ...bins] = process.argv.slice(2);
const a = fs.existsSync(manifestPath) ? JSON.parse(fs.readFileSync(manifestPath, "utf8")).artifacts?.bird : undefined;
if (!a) { console.error(`MISSING: bird in ${manifestPath}: run calico-bird.sh`); process.exit(1); }
let bad = 0;
if (a.version !== version || a.commit !== commit) { console.error(`WRONG: bird built from ${a.version} (${a.commit}), versions.json pins ${version} (${commit})`); bad++; }
for (const b of bins) {
  const p = path.join(a.dir, b), want = a.files[b];
  if (!fs.existsSync(p)) { console.error(`MISSING: ${p}`); bad++; continue; }
  const h = crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");
  if (h !== want) { console.error(`WRONG: ${p} sha256 ${h}, the manifest says ${want}`); bad++; }
}
if (!bad) console.log(`ok      bird ${a.version} commit ${a.commit.slice(0, 12)}: ${bins.join(" ")}`);
process.exit(bad ? 1 : 0);
EOF
  for b in bird bird6; do
    [[ -x $OUT/$b ]] || continue
    v=$("$OUT/$b" --version 2>&1 || true)
    if [[ $v == "BIRD version $BIRD_STRING" ]]; then echo "ok      $b --version: $v"; else
      echo "WRONG VERSION: $OUT/$b prints '$v', expected 'BIRD version $BIRD_STRING'" >&2
      bad=1
    fi
  done
  exit $bad
fi

if stamp_ok "$STAMP" "$(recipe)" "${BINS[@]/#/$OUT/}"; then
  echo "bird $BIRD_VERSION: up to date ($OUT)"
  exit 0
fi
src=$(bird_source)
bash "$here/images.sh" --base
rm -rf "$OUT" && mkdir -p "$OUT"
echo "compiling bird $BIRD_VERSION from $src in $BASE_IMAGE"
compile_script | docker run --rm -i -v "$(realpath "$src"):/src.tar.gz:ro" -v "$OUT:/out" "$BASE_IMAGE" bash -s
v=$("$OUT/bird" --version 2>&1)
[[ $v == "BIRD version $BIRD_STRING" ]] || { echo "built bird prints '$v', versions.json says '$BIRD_STRING'" >&2 && exit 1; }
files=$(for b in "${BINS[@]}"; do printf '"%s":"%s",' "$b" "$(sha "$OUT/$b")"; done)
manifest_merge "{\"bird\":{\"version\":\"$BIRD_VERSION\",\"commit\":\"$BIRD_COMMIT\",\"dir\":\"$OUT\",\"files\":{${files%,}}}}"
mkdir -p "${STAMP%/*}"
stamp_set "$STAMP" "$(recipe)"
echo "bird $BIRD_VERSION ($BIRD_STRING) in $OUT"
