# After a destroy: what the state never recorded (an up or destroy killed before it could write) and still
# carries the stack's mark is removed and named: Docker's containers, networks and volumes labelled
# calico-lab.stack=STACK, and the host's firewall rules that let a lab network's routed traffic cross its
# bridge (commented calico-lab:LAB-...). The lab's own resources already removed what they knew of.
#   lab_sweep STACK                      (sourced, as scripts/lab.sh does)
#   bash scripts/lib/sweep.sh STACK      (run: the end-to-end tests' lab:down)

# The lab's name for a stack, as core/config/keys.ts labNameFor makes it.
lab_name_for() {
  local name
  name=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]' | sed -E 's/[^a-z0-9-]+/-/g')
  printf 'calicolab-%s\n' "$name"
}

# The chains where a lab network's rules live (core/substrates/docker/bridge-forwarding.ts INTRA_BRIDGE_CHAINS).
LAB_SWEEP_CHAINS=(DOCKER-USER DOCKER-ISOLATION-STAGE-1)

lab_sweep() {
  local stack=$1 label="label=calico-lab.stack=$1" lab found rules chain
  lab=$(lab_name_for "$stack")
  command -v docker >/dev/null || return 0
  found=$(docker ps -a --filter "$label" --format 'container {{.Names}}'; docker network ls --filter "$label" --format 'network {{.Name}}'; docker volume ls --filter "$label" --format 'volume {{.Name}}')
  rules=""
  if command -v iptables >/dev/null; then
    for chain in "${LAB_SWEEP_CHAINS[@]}"; do
      rules+=$(iptables -S "$chain" 2>/dev/null | grep -F -- "--comment calico-lab:$lab-" || true)
      rules+=$'\n'
    done
  fi
  rules=$(printf '%s' "$rules" | sed '/^$/d')
  [ -n "$found$rules" ] || return 0
  echo "removing what the state did not know about (labelled calico-lab.stack=$stack):" >&2
  [ -z "$found" ] || printf '  %s\n' "$found" >&2
  [ -z "$rules" ] || printf '  iptables %s\n' "$rules" >&2
  docker ps -aq --filter "$label" | xargs -r docker rm --force --volumes >/dev/null
  docker network ls -q --filter "$label" | xargs -r docker network rm >/dev/null
  docker volume ls -q --filter "$label" | xargs -r docker volume rm >/dev/null
  # Each rule as iptables -S printed it ("-A CHAIN ..."), deleted with the same words: ours hold no quoted spaces.
  local rule words
  while IFS= read -r rule; do
    [ -n "$rule" ] || continue
    read -ra words <<<"$rule"
    iptables -D "${words[@]:1}"
  done <<<"$rules"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  [ $# -eq 1 ] || { echo "usage: $0 STACK" >&2; exit 2; }
  lab_sweep "$1"
fi
