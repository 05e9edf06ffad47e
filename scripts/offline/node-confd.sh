#!/usr/bin/env bash
# Calico's confd files for the node image (images.sh, calico-local.sh). Sourced, never run.

# Copies a Calico tree's confd conf.d and templates into <dest> (conf.d/, templates/).
# `krt_tunnel` (the kernel route's IPIP tunnel device) exists only in Calico's BIRD fork;
# Debian's BIRD 1.6.8 rejects it. IPIP can't run here anyway, so drop it: the cross-subnet
# if/else that only chooses a krt_tunnel value goes whole, and the remaining single
# assignments go.
node_confd() { # calico-tree dest
  mkdir -p "$2"
  cp -r "$1/confd/etc/calico/confd/conf.d" "$1/confd/etc/calico/confd/templates" "$2/"
  chmod -R u+w "$2"
  rm -f "$2/templates/README.md"
  perl -0pi -e '
    s/^[ \t]*if defined\(bgp_next_hop\) && \( bgp_next_hop ~ \{\{\$network\}\} \) then\n[ \t]*krt_tunnel = [^\n]*\n[ \t]*else\n[ \t]*krt_tunnel = [^\n]*\n//mg;
    s/^[ \t]*krt_tunnel = [^\n]*\n//mg;
  ' "$2"/templates/*.template
  if grep -rn krt_tunnel "$2"; then
    echo "krt_tunnel still present in the confd templates: the template layout changed" >&2
    return 1
  fi
}
