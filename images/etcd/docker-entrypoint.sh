#!/bin/sh
# Entrypoint of the calico-lab etcd image. Runs whatever command it is given; when that
# command is etcd (or only flags are given), it adds defaults for what the caller left
# unset, flag or ETCD_* variable alike (etcd refuses a setting given both ways):
#   --listen-client-urls     http://0.0.0.0:2379
#   --advertise-client-urls  http://<first container IP>:2379
#   --data-dir               /var/lib/etcd/<name>.etcd
set -e

case "${1:-}" in
  -*) set -- etcd "$@" ;;
  "") set -- etcd ;;
esac

case "$1" in
  etcd | /usr/bin/etcd | /usr/local/bin/etcd) ;;
  *) exec "$@" ;;
esac

has() { # has FLAG ENVVAR ARGS...: the setting is given as a flag or in the environment
  flag=$1 var=$2
  shift 2
  eval "[ -n \"\${$var:-}\" ]" && return 0
  for a in "$@"; do
    case "$a" in "$flag" | "$flag="* | "-${flag#--}" | "-${flag#--}="*) return 0 ;; esac
  done
  return 1
}

name=default
for a in "$@"; do
  case "$a" in --name=* | -name=*) name=${a#*=} ;; esac
done
[ -n "${ETCD_NAME:-}" ] && name=$ETCD_NAME

extra=""
if ! has --listen-client-urls ETCD_LISTEN_CLIENT_URLS "$@"; then
  extra="$extra --listen-client-urls=http://0.0.0.0:2379"
fi
if ! has --advertise-client-urls ETCD_ADVERTISE_CLIENT_URLS "$@"; then
  ip=$(hostname -i 2>/dev/null | awk '{print $1}')
  extra="$extra --advertise-client-urls=http://${ip:-127.0.0.1}:2379"
fi
if ! has --data-dir ETCD_DATA_DIR "$@"; then
  extra="$extra --data-dir=/var/lib/etcd/$name.etcd"
fi

cmd=$1
shift
# shellcheck disable=SC2086 # $extra holds whole --flag=value words without spaces
exec "$cmd" $extra "$@"
