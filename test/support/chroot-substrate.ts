import * as pulumi from "@pulumi/pulumi";
import { hostStep } from "../../components/lab/node-step";
import type { Substrate } from "../../components/substrates/substrate";
import { shellQuote } from "../../core/shell";
import { pipeScript, type NodeShell } from "../../core/transports/node-shell";

/**
 * A test-only substrate: each node is a folder on this machine entered with chroot in a private mount
 * namespace (the host's /usr bound read-only, the node's own /etc, /opt, /var and /usr/local/bin), with
 * stand-in calicoctl, cnitool, birdcl and ip first on its PATH. No Docker anywhere: if the bird scenario
 * comes up on it, the scenario does not know Docker.
 */

/** Enters the node: a private mount namespace, the node's /usr/local/bin over the host's, then `inner`. */
function enter(root: string, inner: string): string {
  const setup = [
    `root=${shellQuote(root)}`,
    'mount --rbind /usr "$root/usr"',
    'mount --bind "$root/.usr-local-bin" "$root/usr/local/bin"',
    inner,
  ].join(" && ");
  return `unshare --mount --propagation private --fork sh -c ${shellQuote(setup)}`;
}

export function chrootShell(root: string): NodeShell {
  return {
    run: (script, options) =>
      pipeScript(
        enter(root, 'exec chroot "$root" /usr/bin/env PATH=/stand-ins:/usr/local/bin:/usr/bin:/usr/sbin sh -s'),
        script,
        options?.tolerate,
      ),
    copyDir: (hostDir, nodeDir) =>
      enter(root, `mkdir -p "$root"${shellQuote(nodeDir)} && cp -a ${shellQuote(`${hostDir}/.`)} "$root"${shellQuote(`${nodeDir}/`)}`),
  };
}

const STAND_INS: Record<string, string> = {
  // Reads its stdin only when told to read a file from it: the node's own stdin is the script being run.
  // One write per call: the lab applies BGP settings and pools at once, and two appends must not interleave.
  calicoctl: `record="calicoctl $* DATASTORE_TYPE=$DATASTORE_TYPE ETCD_ENDPOINTS=$ETCD_ENDPOINTS"
case "$*" in *"-f -"*) record="$record
$(cat)";; esac
printf '%s\\n' "$record" >> /var/log/calls`,
  cnitool: `echo "cnitool $* NETCONFPATH=$NETCONFPATH CNI_PATH=$CNI_PATH" >> /var/log/calls
[ -f "$NETCONFPATH/10-calico.conflist" ] || { echo "no conflist" >&2; exit 1; }
n=$(ls /var/run/netns | wc -l)
printf '{"cniVersion":"0.3.1","interfaces":[{"name":"cali%s"}],"ips":[{"version":"4","address":"%s.%s/32"}]}\\n' "$n" "$(cat /etc/stand-in-prefix)" "$n"`,
  birdcl: `echo "BIRD 1.6.8 ready."; echo "name     proto    table    state  since       info"
for peer in $(cat /etc/stand-in-peers); do echo "$peer BGP      master   up     12:00:00    Established"; done`,
  ip: `case "$1 $2" in
  "netns add") touch "/var/run/netns/$3" ;;
  "netns del") rm -f "/var/run/netns/$3" ;;
  "netns exec") shift 3; exec "$@" ;;
  *) echo "ip $*" >> /var/log/calls ;;
esac`,
};

/** What makes a node folder: the mount points, the stand-ins, and what the stand-ins answer with. */
function makeNodeScript(root: string, peers: readonly string[], prefix: string): string {
  const lines = [
    "set -euo pipefail",
    `root=${shellQuote(root)}`,
    'rm -rf "$root"; mkdir -p "$root"/{usr,.usr-local-bin,etc,opt,tmp,proc,stand-ins,var/log,var/run/netns}',
    'for d in bin sbin lib lib64; do ln -s usr/$d "$root/$d"; done',
    `echo ${shellQuote(peers.join(" "))} > "$root/etc/stand-in-peers"`,
    `echo ${shellQuote(prefix)} > "$root/etc/stand-in-prefix"`,
    ': > "$root/var/log/calls"',
  ];
  for (const [name, body] of Object.entries(STAND_INS)) {
    lines.push(`cat > "$root/stand-ins/${name}" <<'STAND_IN'\n#!/bin/sh\n${body}\nSTAND_IN`, `chmod +x "$root/stand-ins/${name}"`);
  }
  return lines.join("\n");
}

/** The substrate: `base` holds one folder per node; `peersOf` names the BGP protocols the stand-in birdcl reports. */
export function chrootSubstrate(base: string, peersOf: (node: string) => string[]): Substrate {
  return (context, underlay) => {
    const network = hostStep(
      `${context.lab}-underlay`,
      { create: `mkdir -p ${shellQuote(base)}`, delete: `rm -rf ${shellQuote(base)}` },
      { parent: context.parent },
    );
    let count = 0;
    return {
      network,
      node(runtime, dependsOn) {
        const root = `${base}/${runtime.node}`;
        const prefix = `10.1.${++count}`;
        const made = hostStep(
          `${context.lab}-${runtime.node}`,
          {
            create: makeNodeScript(root, peersOf(runtime.node), prefix),
            delete: `rm -rf ${shellQuote(root)}`,
            triggers: [underlay.subnet],
          },
          { parent: context.parent, dependsOn: [...dependsOn] },
        );
        return {
          node: runtime.node,
          address: runtime.address,
          handle: pulumi.output(root),
          shell: chrootShell(root),
          instanceId: made.id,
          resource: made,
        };
      },
    };
  };
}
