#!/usr/bin/env bash
# Brings a lab up or down on Pulumi's local file backend: no Pulumi Cloud account, no prompt.
#   scripts/lab.sh up [stack]       (stack: bird, bird-offline, kdd, calico-vpp, vpp-forwarding or any stacks/Pulumi.<name>.yaml; default bird;
#                                   a kdd, kind or kubernetes stack gets the Kubernetes provider plugin, a qemu stack the VM base image, built first)
#   scripts/lab.sh down [stack]     destroys the lab; the stack's state stays for the next up
#   scripts/lab.sh preview [stack]  what up would do; fails on a bad setting before anything exists
#   scripts/lab.sh refresh|outputs [stack]
#   scripts/lab.sh rm [stack]       forgets a stack whose lab is down (its state and working copy; never stacks/)
#
# Tracked files are never written. Pulumi writes a passphrase salt (`encryptionsalt`) into a stack's config
# file, so the committed stacks/Pulumi.<stack>.yaml is the source and Pulumi works on a per-user copy of it,
# refreshed from the committed file on every run: $CALICO_LAB_CACHE/state/stack-config/Pulumi.<stack>.yaml
# (`--config-file`). The salt lives in the stack's state, which Pulumi falls back to
# (PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER), so any passphrase works for any stack: the one it was created with.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

usage="usage: $0 up|down|preview|refresh|outputs|rm [stack | --stack NAME]"
action=${1:-up}
case "$action" in
  up | down | preview | refresh | outputs | rm) ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
# The stack alone or as --stack NAME (--stack=NAME), as the other lab commands take it (scripts/status/lab-args.ts).
stack=""
shift $(($# > 0 ? 1 : 0))
while (($# > 0)); do
  case "$1" in
    --stack) [[ $# -ge 2 ]] || { echo "$0: --stack needs a stack name; $usage" >&2; exit 2; }; given=$2; shift 2 ;;
    --stack=*) given=${1#--stack=}; shift ;;
    -*) echo "$0: unknown option $1; it takes --stack NAME; $usage" >&2; exit 2 ;;
    *) given=$1; shift ;;
  esac
  [[ -z $stack ]] || { echo "$0: the stack is given twice ($stack, $given); $usage" >&2; exit 2; }
  stack=$given
done
stack=${stack:-bird}

: "${CALICO_LAB_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}"
export CALICO_LAB_CACHE
# The offline build's tools (pulumi, plugins) come first when present.
[ -f "$CALICO_LAB_CACHE/env.sh" ] && . "$CALICO_LAB_CACHE/env.sh"

# metadata=skip: Pulumi's file backend then writes no metadata sidecars, which it writes in place and which a
# killed run can leave empty, making the stack unreadable (scripts/lib/stacks.sh lab_state_repair).
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$CALICO_LAB_CACHE/state?metadata=skip}"
# The state's passphrase: yours when set (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE), else one made
# for you on first use, in a 0600 file beside the state (scripts/lib/passphrase.sh).
. scripts/lib/passphrase.sh
lab_passphrase "$CALICO_LAB_CACHE/state-passphrase"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true
. scripts/lib/stacks.sh
state_dir=$(lab_state_dir "$PULUMI_BACKEND_URL")
if [ -n "$state_dir" ]; then
  mkdir -p "$state_dir"
  lab_state_repair "$state_dir"
fi

# A machine without a Pulumi CLI (or without a running Docker engine) gets everything built from package
# registries first: the engine, the Pulumi toolchain, Calico's binaries and the lab images (the airgapped
# build, each part timed; a second run only checks). imageMode auto then runs the lab from that build.
# A machine with its own Pulumi CLI and Docker skips this and runs online.
if [ "$action" = up ] || [ "$action" = preview ]; then
  if ! command -v pulumi >/dev/null || ! docker info >/dev/null 2>&1; then
    echo "==> no Pulumi CLI or no running Docker engine here: building what is missing first (npm run offline:build)" >&2
    bash scripts/offline/build.sh >&2
    . "$CALICO_LAB_CACHE/env.sh"
  fi
fi
command -v pulumi >/dev/null || { echo "pulumi CLI not found: install it, or run npm run offline:build" >&2; exit 1; }

committed="$repo/stacks/Pulumi.$stack.yaml"
if [ ! -f "$committed" ]; then
  known=()
  for f in stacks/Pulumi.*.yaml; do f=${f#stacks/Pulumi.}; known+=("${f%.yaml}"); done
  echo "no stack config $committed; the stacks are: ${known[*]}" >&2
  exit 2
fi

# A kdd stack, and any kind or kubernetes stack, manages Kubernetes objects with the Kubernetes provider plugin, which the
# offline build makes only when asked (a long build; checked quickly once it is there).
if { [ "$action" = up ] || [ "$action" = preview ]; } &&
  grep -Eq '^[[:space:]]*calico-lab:(scenario:[[:space:]]*"?kdd|substrate:[[:space:]]*"?(kind|kubernetes))' "$committed"; then
  if ! bash scripts/offline/kubernetes-provider.sh --check >/dev/null 2>&1; then
    echo "==> stack $stack needs the Kubernetes provider plugin: building it first (scripts/offline/kubernetes-provider.sh)" >&2
    bash scripts/offline/kubernetes-provider.sh >&2
  fi
fi

# The lab's steps run on the calicolab-steps provider plugin (providers/steps, in Go; scripts/offline/steps-provider.sh,
# a part of the offline build). With the offline build's Pulumi, up and preview build and install it when it is
# missing or its source changed (a stamp check, a fraction of a second); the other actions only need one
# installed. With a Pulumi of your own, a missing plugin is named with the command that installs it.
steps_plugin="${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-calicolab-steps-v$(tr -d '[:space:]' <providers/steps/VERSION)/pulumi-resource-calicolab-steps"
if [ -x "$CALICO_LAB_CACHE/bin/pulumi" ] && [ "$action" != rm ] && [ "$action" != outputs ] &&
  { [ "$action" = up ] || [ "$action" = preview ] || [ ! -x "$steps_plugin" ]; }; then
  if ! built=$(bash scripts/offline/steps-provider.sh 2>&1); then
    printf '%s\n' "$built" >&2
    echo "the provider of the lab's steps could not be built: scripts/offline/steps-provider.sh (logs in $CALICO_LAB_CACHE/logs)" >&2
    exit 1
  fi
  printf '%s\n' "$built" | grep -F ' ... ok' >&2 || true
elif [ ! -x "$steps_plugin" ] && [ "$action" != rm ] && [ "$action" != outputs ]; then
  echo "note: no calicolab-steps plugin in $steps_plugin: install it with PULUMI_HOME=${PULUMI_HOME:-$HOME/.pulumi} bash scripts/offline/steps-provider.sh" >&2
fi

# A kind stack runs kdd offline on the offline build's own engine (kind needs --privileged, which Debian's
# engine refuses here; scripts/offline/docker-v28.sh): built first when neither it nor a kind of the user's
# is here, and started for every action (kind delete needs it too). With a kind of the user's and no kind
# build, the lab runs online on the user's engine.
if grep -Eq '^[[:space:]]*calico-lab:substrate:[[:space:]]*"?kind' "$committed" &&
  grep -Eq '^[[:space:]]*calico-lab:scenario:[[:space:]]*"?kdd' "$committed"; then
  if ! grep -q '"calico-manifest"' "$CALICO_LAB_CACHE/artifacts/manifest.json" 2>/dev/null && ! command -v kind >/dev/null &&
    { [ "$action" = up ] || [ "$action" = preview ]; }; then
    echo "==> stack $stack runs on kind: building the kind parts first (scripts/offline/build.sh --kind)" >&2
    bash scripts/offline/build.sh --kind >&2
  fi
  if grep -q '"calico-manifest"' "$CALICO_LAB_CACHE/artifacts/manifest.json" 2>/dev/null; then
    bash scripts/offline/docker-v28.sh start >&2
  fi
fi

# A qemu stack boots its VMs from the VM base image, which holds the lab's images (kdd's kube-apiserver too):
# built when missing or older than the images (far quicker when only the images changed).
if { [ "$action" = up ] || [ "$action" = preview ]; } &&
  grep -Eq '^[[:space:]]*calico-lab:substrate:[[:space:]]*"?qemu' "$committed"; then
  if ! bash scripts/offline/vm-image.sh --check >/dev/null 2>&1; then
    echo "==> stack $stack runs on VMs: building the VM base image first (scripts/offline/vm-image.sh)" >&2
    bash scripts/offline/vm-image.sh >&2
  fi
fi

# Every pulumi command from here on (and the provider plugins and lab steps it starts) gets TMPDIR set to a 0700
# folder of this run's own, removed when the run ends however it ends: the Kubernetes provider leaves the lab's
# admin kubeconfig in $TMPDIR (scripts/lib/run-tmp.sh).
. scripts/lib/run-tmp.sh
lab_run_tmpdir "$CALICO_LAB_CACHE/tmp"

# The per-user copy, in a directory that is also a minimal project of the same name, so that creating
# the stack (which writes the salt into the stack's config file) writes into the copy.
work="$CALICO_LAB_CACHE/state/stack-config"
config="$work/Pulumi.$stack.yaml"

exists=false
lab_stack_exists "$stack" && exists=true
if ! $exists && [ "$action" != up ] && [ "$action" != preview ]; then
  echo "stack $stack does not exist on $PULUMI_BACKEND_URL: bring it up first (npm run lab:up -- $stack)" >&2
  exit 1
fi

$exists && lab_passphrase_for_stack "$stack" "$work"

if [ "$action" != rm ]; then
  mkdir -p "$work"
  printf '# Written by scripts/lab.sh: where Pulumi creates the lab'"'"'s stacks (their config is a copy of stacks/).\nname: calico-lab\nruntime: nodejs\n' >"$work/Pulumi.yaml"
  {
    echo "# A copy of stacks/Pulumi.$stack.yaml made by scripts/lab.sh on every run: edit that file, not this one."
    grep -v '^encryptionsalt:' "$committed"
  } >"$config.tmp"
  mv "$config.tmp" "$config"
  $exists || pulumi stack init "$stack" --cwd "$work" >/dev/null
fi

. scripts/lib/sweep.sh

# Pulumi's language host (and Node.js's dynamic provider, which a state made before the lab's resources moved to
# the Go provider still starts once) start without loading modules they never use (TypeScript's compiler in the
# provider, npm's Arborist in both): scripts/node/pulumi-lazy-modules.cjs, which
# scripts/node/pulumi-node-options.sh puts in front of your own NODE_OPTIONS.
NODE_OPTIONS=$(bash scripts/node/pulumi-node-options.sh)
export NODE_OPTIONS

# The lab's steps mostly wait (a node's readiness, docker exec), they do not compute: Pulumi's default of 4
# operations per core (8 on 2 cores) started the nodes of a big lab in waves of 8 and left the rest of
# each node's chain queued behind them. Set PULUMI_PARALLEL yourself to change it.
export PULUMI_PARALLEL="${PULUMI_PARALLEL:-256}"

case "$action" in
  # --refresh: the live BGP status (and any node removed by hand) is read again before the update, so the
  # outputs say what the lab is doing now, not what it did at the last up.
  up) pulumi up --stack "$stack" --config-file "$config" --yes --skip-preview --refresh ;;
  # PULUMI_SKIP_CHECKPOINTS: the state is written once, when the destroy ends, not after every step. With the
  # file backend each step rewrote the whole state (1.8 MB at 16 nodes while most of it was the dynamic providers' code),
  # which was half of a 16-node destroy. Every delete here is idempotent, so a destroy killed before it could
  # write leaves a state that the next lab:down simply deletes again.
  down) PULUMI_SKIP_CHECKPOINTS=true pulumi destroy --stack "$stack" --config-file "$config" --yes --skip-preview && lab_sweep "$stack" ;;
  preview) pulumi preview --stack "$stack" --config-file "$config" ;;
  refresh) pulumi refresh --stack "$stack" --config-file "$config" --yes ;;
  outputs)
    out=$(pulumi stack output --stack "$stack" --json)
    printf '%s\n' "$out"
    [ "$out" != "{}" ] || echo "stack $stack has no outputs: is the lab up? (npm run lab:up -- $stack)" >&2
    ;;
  # Refuses while the stack still has resources (run down first). The working copy goes with it.
  rm) pulumi stack rm "$stack" --cwd "$work" --yes && rm -f "$config" ;;
esac
