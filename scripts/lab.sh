#!/usr/bin/env bash
# Brings a lab up or down on Pulumi's local file backend: no Pulumi Cloud account, no prompt.
#   scripts/lab.sh up [stack]      (stack: bird, kdd, vpp or any stacks/Pulumi.<name>.yaml; default bird)
#   scripts/lab.sh down [stack]    destroys the lab; the stack's state stays for the next up
#   scripts/lab.sh preview|refresh|outputs [stack]
set -euo pipefail
cd "$(dirname "$0")/.."

action=${1:-up}
stack=${2:-bird}
: "${CALICO_LAB_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}"
export CALICO_LAB_CACHE
# The offline build's tools (pulumi, plugins) come first when present.
[ -f "$CALICO_LAB_CACHE/env.sh" ] && . "$CALICO_LAB_CACHE/env.sh"

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$CALICO_LAB_CACHE/state}"
# The documented lab passphrase: a lab holds no secrets worth more than this. Set your own to override.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-calico-lab}"
export PULUMI_SKIP_UPDATE_CHECK=true
mkdir -p "${PULUMI_BACKEND_URL#file://}"

command -v pulumi >/dev/null || { echo "pulumi CLI not found: install it, or run npm run offline:build" >&2; exit 1; }
pulumi stack select --create "$stack" >/dev/null

case "$action" in
  up) pulumi up --yes --skip-preview ;;
  down) pulumi destroy --yes --skip-preview ;;
  preview) pulumi preview ;;
  refresh) pulumi refresh --yes ;;
  outputs) pulumi stack output --json ;;
  *) echo "usage: $0 up|down|preview|refresh|outputs [stack]" >&2; exit 2 ;;
esac
