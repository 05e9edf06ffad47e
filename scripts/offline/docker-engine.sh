#!/usr/bin/env bash
# Makes sure a Docker engine is running on this machine: installs Debian's docker.io
# when dockerd is missing and starts dockerd in the background (log in the cache).
# Idempotent: returns at once when `docker info` already works.
#   docker-engine.sh           install/start if needed
#   docker-engine.sh --check   print versions; non-zero when no engine answers
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check=0
[[ ${1:-} == --check ]] && check=1

engine_up() { docker info >/dev/null 2>&1; }

print_versions() {
  printf 'docker client %s, engine %s, storage %s, cgroup v%s\n' \
    "$(docker version --format '{{.Client.Version}}' 2>/dev/null || echo '?')" \
    "$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')" \
    "$(docker info --format '{{.Driver}}' 2>/dev/null || echo '?')" \
    "$(docker info --format '{{.CgroupVersion}}' 2>/dev/null || echo '?')"
}

if ((check)); then
  if engine_up; then
    print_versions
    exit 0
  fi
  echo "docker engine: not running (docker info fails)" >&2
  exit 1
fi

if engine_up; then
  print_versions
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  echo "installing Debian docker.io (dockerd is missing)"
  # The package's postinst tries to start the service; without systemd that fails
  # harmlessly. A docker CLI that is already on PATH (e.g. /usr/local/bin) stays first.
  apt_install docker.io || exit 1
fi

DOCKERD=$(command -v dockerd)
log="$CALICO_LAB_LOGS/dockerd.log"
pidfile=/var/run/docker.pid
if [[ -f $pidfile ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  rm -f "$pidfile"
fi
# The machine's engine is the dockerd that holds /var/run/docker.pid; the kind parts' engine
# (docker-engine-v28.sh), another dockerd with a pidfile of its own, is not it.
if [[ ! -f $pidfile ]]; then
  echo "starting $DOCKERD in the background (log: $log)"
  # setsid: the daemon outlives this script and the shell that ran it.
  setsid nohup "$DOCKERD" >>"$log" 2>&1 </dev/null &
  echo $! >"$CALICO_LAB_CACHE/dockerd.pid"
fi

for _ in $(seq 1 120); do
  if engine_up; then
    print_versions
    exit 0
  fi
  sleep 0.5
done
echo "dockerd did not answer within 60 s; last lines of $log:" >&2
tail -n 30 "$log" >&2
exit 1
