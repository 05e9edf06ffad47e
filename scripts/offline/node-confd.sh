#!/usr/bin/env bash
# Calico's confd files for the node image (images.sh, calico-local.sh). Sourced, never run.

# Copies a Calico tree's confd conf.d and templates into <dest> (conf.d/, templates/), as they
# are: the node image runs Calico's BIRD fork, which understands every statement in them
# (`krt_tunnel` included).
node_confd() { # calico-tree dest
  mkdir -p "$2"
  cp -r "$1/confd/etc/calico/confd/conf.d" "$1/confd/etc/calico/confd/templates" "$2/"
  chmod -R u+w "$2"
  rm -f "$2/templates/README.md"
}
