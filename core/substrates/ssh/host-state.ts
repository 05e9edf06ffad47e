import { shellJoin, shellQuote } from "../../shell";
import { CALICO_NODE_SYSCTLS } from "../docker/container-spec";

/**
 * What a Calico node changes on a host the user has, and how destroy undoes it (issue 30, finding 11). The
 * node runs host-networked, so the lab's sysctls, Felix's iptables chains and ipsets, BIRD's routes, the
 * tunnel devices and the workloads' veths all land in the host's own network namespace, and none goes with
 * the container. Before the node first starts, a picture of what it will touch is saved on the host; after
 * its container is removed, the lab's traces are removed and the picture is put back.
 *
 * Both scripts run in a one-off container of the node's own image (privileged, host network, the host's
 * kernel modules): it has iptables (legacy and nft), ipset, ip, sysctl and modprobe, whatever the host has.
 */

/**
 * Where a device is looked for: `ip link show dev tunl0` run as root loads the ipip module (its alias
 * netdev-tunl0) and so makes the tunl0 it asks about.
 */
export const SYS_CLASS_NET = "/sys/class/net";
const present = (device: string) => `[ -e ${SYS_CLASS_NET}/${device} ]`;

/**
 * The legacy iptables tables loaded, read from /proc/net/ip_tables_names and ip6_tables_names: listing a
 * legacy table with iptables-legacy loads its module, and so makes the table.
 */
export const PROC_NET = "/proc/net";

/** Where the pictures live on the host, one folder per node container. */
export const HOST_STATE_DIR = "/var/lib/calico-lab/host-state";

/**
 * Sysctls saved and put back: the lab's (CALICO_NODE_SYSCTLS) and those Felix writes outside the node's
 * own devices (net.ipv4.ip_forward; net.ipv6.conf.all.forwarding when IPv6 is on, Felix's default).
 */
export const SAVED_SYSCTLS: readonly string[] = [...new Set([...Object.keys(CALICO_NODE_SYSCTLS), "net.ipv6.conf.all.forwarding"])].sort();

/**
 * Routes of these protocols are Calico's: BIRD's (`proto bird`, the blackholes of a node's own blocks too)
 * and Felix's VXLAN routes (protocol 80, felix/dataplane/linux/vxlan_mgr.go).
 */
export const CALICO_ROUTE_PROTOCOLS = ["bird", "80"] as const;

/** The iptables tools Felix may have used (it picks legacy or nft), and the tables it writes. */
const IPTABLES_TOOLS = ["iptables-legacy", "iptables-nft", "ip6tables-legacy", "ip6tables-nft"] as const;
const IPTABLES_TABLES = ["raw", "mangle", "nat", "filter"] as const;

function stateDir(container: string): string {
  return shellQuote(`${HOST_STATE_DIR}/${container}`);
}

/**
 * In the helper container: saves the picture once (`before`); a later up (the container replaced) keeps the
 * first, taken before any Calico node of this lab ran on the host.
 */
export function hostStateSaveScript(container: string): string {
  const state = stateDir(container);
  return [
    "set -eu",
    `state=${state}`,
    'if [ -e "$state/before" ]; then exit 0; fi',
    'mkdir -p "$state"',
    "{",
    `  for key in ${SAVED_SYSCTLS.join(" ")}; do if value=$(sysctl -n "$key" 2>/dev/null); then echo "sysctl $key=$value"; fi; done`,
    `  for device in tunl0 vxlan.calico; do if ${present('"$device"')}; then echo "device $device"; fi; done`,
    `  if ${present("tunl0")}; then`,
    `    echo "tunl0 mtu $(cat ${SYS_CLASS_NET}/tunl0/mtu)"`,
    "    if ip -o link show dev tunl0 | grep '[<,]UP[,>]' >/dev/null; then echo 'tunl0 up'; fi",
    "    ip -o -4 addr show dev tunl0 | awk '{print \"tunl0 addr \" $4}'",
    "  fi",
    "  if [ -d /sys/module/vxlan ]; then echo 'module vxlan'; fi",
    `  for family in ip ip6; do sed "s/^/legacy $family /" ${PROC_NET}/\${family}_tables_names 2>/dev/null || true; done`,
    '} >"$state/before.new"',
    'mv "$state/before.new" "$state/before"',
  ].join("\n");
}

/**
 * Runs `body` for each non-empty line of `$variable` (as `$line`) in this shell, not in a pipeline's subshell,
 * so that `failed=1` counts.
 */
function eachLine(variable: string, body: string): string[] {
  return [`while IFS= read -r line; do [ -n "$line" ] || continue; ${body}; done <<CALICO_LAB_LINES`, `$${variable}`, "CALICO_LAB_LINES"];
}

/** Felix's rules in the built-in chains (a `cali:` comment, or a jump to a cali- chain) deleted, then its chains flushed and removed. */
function iptablesCleanup(): string[] {
  return [
    `for tool in ${IPTABLES_TOOLS.join(" ")}; do`,
    '  command -v "$tool" >/dev/null 2>&1 || continue',
    "  case $tool in",
    `    iptables-legacy) tables=$(cat ${PROC_NET}/ip_tables_names 2>/dev/null) ;;`,
    `    ip6tables-legacy) tables=$(cat ${PROC_NET}/ip6_tables_names 2>/dev/null) ;;`,
    `    *) tables='${IPTABLES_TABLES.join(" ")}' ;;`,
    "  esac",
    "  for table in $tables; do",
    '    rules=$("$tool" -w -t "$table" -S 2>/dev/null) || continue',
    String.raw`    deletes=$(printf '%s\n' "$rules" | grep -E '^-A [^ ]+ ' | grep -v '^-A cali-' | grep -E -- '--comment "?cali:|-[jg] cali-' | sed 's/^-A /-D /')`,
    ...eachLine("deletes", String.raw`eval "\"\$tool\" -w -t \"\$table\" $line" || failed=1`),
    String.raw`    chains=$(printf '%s\n' "$rules" | sed -n 's/^-N \(cali-[^ ]*\)$/\1/p')`,
    '    for chain in $chains; do "$tool" -w -t "$table" -F "$chain" || failed=1; done',
    '    for chain in $chains; do "$tool" -w -t "$table" -X "$chain" || failed=1; done',
    "  done",
    "done",
    // A legacy table that Felix's use made (an empty one still shows in iptables-legacy-save) goes with its module.
    '[ ! -e "$state/before" ] || for family in ip ip6; do',
    `  for table in $(cat ${PROC_NET}/\${family}_tables_names 2>/dev/null); do`,
    '    module=$([ "$family" = ip ] && echo iptable || echo ip6table)_$table',
    '    had "legacy $family $table" || modprobe -r "$module" || { echo "calico-lab: the legacy $family table $table stays: its module $module could not be unloaded" >&2; failed=1; }',
    "  done",
    "done",
  ];
}

/** The tunnel devices: vxlan.calico and tunl0 go when the lab made them; a tunl0 the host had gets back its addresses, MTU and state. */
function devicesCleanup(): string[] {
  return [
    "links=$(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^cali')",
    ...eachLine("links", 'ip link del "$line" || failed=1'),
    `had 'device vxlan.calico' || ! ${present("vxlan.calico")} || ip link del vxlan.calico || failed=1`,
    `if ${present("tunl0")}; then`,
    "  if had 'device tunl0'; then",
    "    ip addr flush dev tunl0",
    "    addresses=$(sed -n 's/^tunl0 addr //p' \"$state/before\")",
    ...eachLine("addresses", 'ip addr add "$line" dev tunl0 || failed=1'),
    '    mtu=$(sed -n \'s/^tunl0 mtu //p\' "$state/before"); [ -z "$mtu" ] || ip link set tunl0 mtu "$mtu"',
    "    had 'tunl0 up' || ip link set tunl0 down",
    '  elif [ -e "$state/before" ]; then',
    // tunl0 is the ipip module's fallback device: it cannot be deleted, only unloaded with the module.
    "    modprobe -r ipip || { echo 'calico-lab: could not unload the ipip module, so tunl0 stays' >&2; failed=1; }",
    "  fi",
    "fi",
    "[ ! -e \"$state/before\" ] || had 'module vxlan' || [ ! -d /sys/module/vxlan ] || modprobe -r vxlan 2>/dev/null || true",
  ];
}

/**
 * In the helper container, after the node's container is gone: Felix's chains and ipsets, Calico's routes,
 * the cali* veths and the tunnel devices removed, the saved sysctls put back, the picture deleted. Goes on
 * past a failing part and exits 1 at the end, having said which.
 */
export function hostStateRestoreScript(container: string): string {
  return [
    "set -u",
    `state=${stateDir(container)}`,
    "failed=0",
    'had() { grep -qxF "$1" "$state/before" 2>/dev/null; }',
    ...iptablesCleanup(),
    "sets=$(ipset list -n 2>/dev/null | grep '^cali')",
    ...eachLine("sets", 'ipset destroy "$line" || failed=1'),
    `for proto in ${CALICO_ROUTE_PROTOCOLS.join(" ")}; do ip -4 route flush proto "$proto"; ip -6 route flush proto "$proto" 2>/dev/null; done`,
    ...devicesCleanup(),
    "assignments=$(sed -n 's/^sysctl //p' \"$state/before\" 2>/dev/null)",
    ...eachLine("assignments", 'sysctl -qw "$line" || failed=1'),
    'if [ "$failed" = 0 ]; then rm -rf "$state"; else echo "calico-lab: some of the host\'s state could not be put back; the picture stays in $state" >&2; fi',
    'exit "$failed"',
  ].join("\n");
}

/** Machine-side: runs a host-state script in a one-off privileged, host-networked container of `image`, labelled as the lab's. */
export function hostStateRunScript(image: string, container: string, labels: Readonly<Record<string, string>>, script: string): string {
  const name = `${container}-host-state`;
  const argv = ["docker", "run", "--rm", "--name", name, "--network", "host", "--privileged"];
  for (const [key, value] of Object.entries(labels).sort()) argv.push("--label", `${key}=${value}`);
  argv.push("--volume", "/lib/modules:/lib/modules:ro", "--volume", `${HOST_STATE_DIR}:${HOST_STATE_DIR}`);
  argv.push("--entrypoint", "/bin/sh", image, "-c", script);
  // One left by a run killed half-way would hold the name.
  return `docker rm -f ${shellQuote(name)} >/dev/null 2>&1 || true\n${shellJoin(argv)}`;
}
