#!/usr/bin/env bash
# Runs the engine that docker-engine-v28.sh builds beside the machine's own engine, never
# disturbing it: its own network namespace (/run/netns/$NETNS), socket, data-root, exec-root,
# pidfile and cgroup parent. Everything that talks to it (docker, kind, kubectl) runs inside the
# namespace: `docker-v28.sh exec CMD...`, or the nsenter line that `env` prints.
#   docker-v28.sh start     start it (idempotent: returns at once when it answers)
#   docker-v28.sh stop      stop it (containers stop; images and volumes stay in its data-root)
#   docker-v28.sh status    `docker version` against it; non-zero when it does not answer
#   docker-v28.sh exec CMD  run CMD in its namespace with DOCKER_HOST set
#   docker-v28.sh env       print the settings (DOCKER_HOST, the nsenter prefix)
#   docker-v28.sh purge     stop it and delete its data-root and namespace
# Why a namespace: a second dockerd on the host's network would manage the host's iptables
# chains and (with --bridge none) delete the host's docker0; inside its own namespace it has
# its own loopback, bridges and iptables. One veth pair joins it to the host, with the two
# addresses of versions.json kind.engine (a /30 of link-local space): kind labs publish their API
# server on the namespace's address, which the host (Pulumi's Kubernetes provider) reaches; nothing
# is routed beyond the pair, so nothing in the namespace reaches any other network.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKER_VERSION=$(pin dockerEngine.version)
BIN="$CALICO_LAB_CACHE/artifacts/docker/$DOCKER_VERSION"
: "${CALICO_LAB_V28_NETNS:=$(pin kind.engine.netns)}"
: "${CALICO_LAB_V28_ROOT:=/var/lib/calico-lab-v28}"
: "${CALICO_LAB_V28_RUN:=$(dirname "$(pin kind.engine.socket)")}"
API_ADDR=$(pin kind.engine.apiServerAddress)
HOST_ADDR=$(pin kind.engine.hostAddress)
HOST_LINK=calico-lab-v28
NETNS=$CALICO_LAB_V28_NETNS
SOCK="$CALICO_LAB_V28_RUN/docker.sock"
PIDFILE="$CALICO_LAB_V28_RUN/dockerd.pid"
LOG="$CALICO_LAB_LOGS/dockerd-v28.log"
export DOCKER_HOST="unix://$SOCK"
in_ns() { nsenter --net="/run/netns/$NETNS" -- "$@"; }
up() { [[ -e /run/netns/$NETNS ]] && in_ns docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
# The host's way in: $HOST_LINK (host, $HOST_ADDR) <-> host0 (namespace, $API_ADDR); idempotent.
link_up() {
  ip link show "$HOST_LINK" >/dev/null 2>&1 || ip link add "$HOST_LINK" type veth peer name host0 netns "$NETNS"
  ip addr replace "$HOST_ADDR/30" dev "$HOST_LINK"
  ip link set "$HOST_LINK" up
  in_ns ip addr replace "$API_ADDR/30" dev host0
  in_ns ip link set host0 up
}

case ${1:-} in
  start)
    if up; then
      link_up
      echo "engine $(in_ns docker version --format '{{.Server.Version}}') answers on $DOCKER_HOST (netns $NETNS)"
      exit 0
    fi
    [[ -x $BIN/dockerd ]] || { echo "no $BIN/dockerd: run scripts/offline/docker-engine-v28.sh" >&2; exit 1; }
    for t in containerd containerd-shim-runc-v2 runc; do
      command -v $t >/dev/null || { echo "$t is missing (Debian's containerd and runc)" >&2; exit 1; }
    done
    [[ -e /run/netns/$NETNS ]] || ip netns add "$NETNS"
    in_ns ip link set lo up
    link_up
    mkdir -p "$CALICO_LAB_V28_ROOT" "$CALICO_LAB_V28_RUN"
    if [[ -f $PIDFILE ]] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then rm -f "$PIDFILE"; fi
    echo "starting $BIN/dockerd in netns $NETNS (log: $LOG)"
    # nsenter, not `ip netns exec`: the latter remounts /sys in a new mount namespace, which hides
    # /sys/fs/cgroup from the daemon. setsid: the daemon outlives this script.
    PATH="$BIN:$PATH" setsid nohup nsenter --net="/run/netns/$NETNS" -- "$BIN/dockerd" \
      --host "$DOCKER_HOST" --data-root "$CALICO_LAB_V28_ROOT" --exec-root "$CALICO_LAB_V28_RUN/exec" \
      --pidfile "$PIDFILE" --cgroup-parent /calico-lab-v28 --bridge none \
      --userland-proxy-path "$BIN/docker-proxy" >>"$LOG" 2>&1 </dev/null &
    for _ in $(seq 1 120); do
      if up; then
        echo "engine $(in_ns docker version --format '{{.Server.Version}}') answers on $DOCKER_HOST (netns $NETNS)"
        exit 0
      fi
      sleep 0.5
    done
    echo "the v28 engine did not answer within 60 s; last lines of $LOG:" >&2
    tail -n 30 "$LOG" >&2
    exit 1
    ;;
  stop | purge)
    if [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      pid=$(cat "$PIDFILE")
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && { echo "dockerd $pid did not stop within 30 s" >&2; exit 1; }
      echo "stopped dockerd $pid"
    fi
    if [[ $1 == purge ]]; then
      # Mounts left by containers (overlay, shm) would keep files busy.
      grep -o " $CALICO_LAB_V28_ROOT[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
      rm -rf "$CALICO_LAB_V28_ROOT" "$CALICO_LAB_V28_RUN"
      [[ -e /run/netns/$NETNS ]] && ip netns del "$NETNS"
      ip link del "$HOST_LINK" 2>/dev/null || true
      echo "purged $CALICO_LAB_V28_ROOT, $CALICO_LAB_V28_RUN and netns $NETNS"
    fi
    ;;
  status)
    up || { echo "the v28 engine does not answer on $DOCKER_HOST (netns $NETNS)" >&2; exit 1; }
    in_ns docker version
    ;;
  exec)
    shift
    in_ns "$@"
    ;;
  env)
    echo "export DOCKER_HOST=$DOCKER_HOST"
    echo "# run clients in its namespace: nsenter --net=/run/netns/$NETNS -- docker|kind|kubectl ..."
    ;;
  *)
    echo "usage: docker-v28.sh start|stop|status|exec CMD...|env|purge" >&2
    exit 2
    ;;
esac
