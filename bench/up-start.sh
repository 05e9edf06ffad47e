#!/usr/bin/env bash
# How long Pulumi takes to start the lab, this checkout against another (a baseline), as `npm run lab:up` runs
# it: `pulumi up --skip-preview` of a 2-node bird lab on an internal network, from the CLI, the two checkouts
# alternated RUNS times (baseline first). For each up it prints the seconds from the CLI's start until the etcd
# and the first Calico node's containers were created (Docker's own `Created` time) and until the up returned,
# and the seconds of the destroy that follows each up (as `npm run lab:down` runs it); then the means and the
# ratios this/baseline. Each checkout runs with the NODE_OPTIONS its own scripts/lab.sh sets.
#   bash bench/up-start.sh <baseline checkout> [runs]     e.g. git worktree add /tmp/base main~3 first
# The baseline checkout needs its node_modules (npm ci, or a symlink to this one's). Uses the offline build.
set -euo pipefail
cd "$(dirname "$0")/.."
this=$PWD
base=${1:?usage: bench/up-start.sh <baseline checkout> [runs]}
runs=${2:-4}
base=$(cd "$base" && pwd)
[ -f "$base/Pulumi.yaml" ] || { echo "up-start: $base has no Pulumi.yaml: not a checkout of calico-lab" >&2; exit 2; }
[ -d "$base/node_modules" ] || { echo "up-start: $base has no node_modules: run npm ci there (or link this one's)" >&2; exit 2; }

: "${CALICO_LAB_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}"
export CALICO_LAB_CACHE
[ -f "$CALICO_LAB_CACHE/env.sh" ] || { echo "up-start: no offline build in $CALICO_LAB_CACHE: run npm run offline:build" >&2; exit 2; }
. "$CALICO_LAB_CACHE/env.sh"
state=$(mktemp -d "${TMPDIR:-/tmp}/calico-lab-bench-up-start-XXXXXX")
stack="upstart-$(date +%s)"
lab="calicolab-$stack"
export PULUMI_BACKEND_URL="file://$state?metadata=skip" PULUMI_CONFIG_PASSPHRASE="$(head -c 24 /dev/urandom | base64)" PULUMI_SKIP_UPDATE_CHECK=true \
  PULUMI_PARALLEL="${PULUMI_PARALLEL:-256}"
# The stack's settings in a folder of its own that is also a minimal project of the same name (as scripts/lab.sh
# does), so that creating the stack writes its passphrase salt there, not into stacks/.
config="$state/Pulumi.$stack.yaml"
printf 'name: calico-lab\nruntime: nodejs\n' >"$state/Pulumi.yaml"
cidr=$(cd "$this" && npx ts-node --transpile-only -e 'import { freeUnderlay } from "./test/e2e/live"; console.log(freeUnderlay())')
printf 'config:\n  calico-lab:imageMode: offline\n  calico-lab:calico:\n    nodes: 2\n  calico-lab:underlay:\n    cidr: %s\n    internal: true\n' "$cidr" >"$config"

# NODE_OPTIONS as scripts/lab.sh of that checkout sets it: from its own script, or from the preload of the
# checkouts before that script (3e3bda3..7e2930f), or none before the preload.
node_options() {
  if [ -f "$1/scripts/node/pulumi-node-options.sh" ]; then
    NODE_OPTIONS='' bash "$1/scripts/node/pulumi-node-options.sh"
  elif [ -f "$1/scripts/node/pulumi-lazy-modules.cjs" ]; then
    echo "--require \"$1/scripts/node/pulumi-lazy-modules.cjs\""
  fi
}
down() { (cd "$1" && NODE_OPTIONS=$(node_options "$1") PULUMI_SKIP_CHECKPOINTS=true pulumi destroy --stack "$stack" --config-file "$config" --yes --skip-preview >/dev/null 2>&1) || true; }
cleanup() {
  down "$this"
  pulumi stack rm "$stack" --cwd "$state" --yes --force >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
pulumi stack init "$stack" --cwd "$state" --secrets-provider passphrase >"$state/init.log" 2>&1 || { cat "$state/init.log" >&2; exit 1; }

now() { date +%s.%N; }
created() { date -d "$(docker inspect -f '{{.Created}}' "$1")" +%s.%N; }
results=()
for ((run = 1; run <= runs; run++)); do
  for side in base this; do
    dir=$base
    [ "$side" = this ] && dir=$this
    started=$(now)
    if ! (cd "$dir" && NODE_OPTIONS=$(node_options "$dir") pulumi up --stack "$stack" --config-file "$config" --yes --skip-preview >"$state/up.log" 2>&1); then
      echo "up-start: the up of $dir failed:" >&2
      tail -20 "$state/up.log" >&2
      exit 1
    fi
    ended=$(now)
    line=$(awk -v s="$started" -v e="$(created "$lab-etcd")" -v c="$(created "$lab-calico1")" -v u="$ended" \
      'BEGIN { printf "%.2f %.2f %.2f", e - s, c - s, u - s }')
    took_down=$(now)
    down "$dir"
    line="$line $(awk -v s="$took_down" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }')"
    read -r etcd_s calico_s up_s down_s <<<"$line"
    echo "  run $run, $side: etcd created $etcd_s s, calico1 $calico_s s, up returned $up_s s, destroy $down_s s"
    results+=("$side $line")
  done
done
printf '%s\n' "${results[@]}" | awk '
  { n[$1]++; e[$1] += $2; c[$1] += $3; u[$1] += $4; d[$1] += $5 }
  END {
    for (s in n) printf "%s: means over %d ups: etcd created %.2f s, calico1 %.2f s, up returned %.2f s, destroy %.2f s\n", s, n[s], e[s] / n[s], c[s] / n[s], u[s] / n[s], d[s] / n[s]
    printf "ratio this/base: etcd %.2f, calico1 %.2f, up %.2f, destroy %.2f\n", (e["this"] / n["this"]) / (e["base"] / n["base"]), (c["this"] / n["this"]) / (c["base"] / n["base"]), (u["this"] / n["this"]) / (u["base"] / n["base"]), (d["this"] / n["this"]) / (d["base"] / n["base"])
  }'
