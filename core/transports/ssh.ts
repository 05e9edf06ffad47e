import { createHash } from "node:crypto";
import { shellJoin, shellQuote } from "../shell";
import { orWarn, withStdin, type NodeShell } from "./node-shell";

/**
 * The SSH transport: host-side bash scripts that run a node-side script on a machine over OpenSSH, or
 * copy files into it. Pure text, no Pulumi: a substrate hands these scripts to whatever runs host commands.
 *
 * Host keys: the lab's machines are its own (or the user's), made and remade often, so host keys are
 * not checked (`StrictHostKeyChecking=no`) but recorded in a known_hosts file of the lab's own, never
 * the user's. Every connection is non-interactive (`BatchMode=yes`: no password or passphrase prompt,
 * a failure instead of a hang) and gives up after `connectTimeout` seconds.
 */
export interface SshTarget {
  /** The lab's name: it names the default known_hosts file. */
  lab: string;
  /** The node's name, for messages. */
  host: string;
  /** IPv4 address or DNS name the client connects to. */
  address: string;
  user: string;
  port: number;
  /** The private key (a file on the machine that runs the script); empty: whatever the ssh agent offers. */
  keyPath: string;
  /**
   * Host keys: `no` (default) records any key, the lab's own VMs whose keys are new at every boot;
   * `accept-new` records a host's first key and refuses a changed one: hosts the user already has.
   */
  hostKeys?: "no" | "accept-new";
  /** Run the client inside this network namespace (`ip netns exec`): the qemu substrate's lab namespace. */
  netns?: string;
  /** Default: `$CALICO_LAB_CACHE/ssh/<lab>/known_hosts` (the cache defaults to ~/.cache/calico-lab), resolved when the script runs. */
  knownHostsFile?: string;
  /** Seconds; default 10. */
  connectTimeout?: number;
  /**
   * Share one connection per machine (OpenSSH's ControlMaster): the first client becomes the master and
   * stays CONTROL_PERSIST_SECONDS after its last session; the others skip the handshake, the costly part of a
   * login to a VM under TCG. The path is the master's socket; `%h`, `%p`, `%r` expand.
   */
  controlPath?: string;
}

export const CONTROL_PERSIST_SECONDS = 30;

/** Keepalives: a master whose machine is gone (a VM killed) exits within a minute instead of hanging its clients. */
const KEEPALIVE = ["-o", "ServerAliveInterval=10", "-o", "ServerAliveCountMax=6"];

function multiplexOptions(t: SshTarget): string[] {
  if (t.controlPath === undefined) return [];
  return [
    "-o",
    "ControlMaster=auto",
    "-o",
    `ControlPath=${t.controlPath}`,
    "-o",
    `ControlPersist=${CONTROL_PERSIST_SECONDS}`,
    ...KEEPALIVE,
  ];
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkTarget(t: SshTarget): void {
  if (!SAFE_NAME.test(t.lab)) throw new Error(`ssh target ${t.host}: lab name "${t.lab}" must match ${SAFE_NAME.source}`);
  if (t.netns !== undefined && !SAFE_NAME.test(t.netns))
    throw new Error(`ssh target ${t.host}: netns "${t.netns}" must match ${SAFE_NAME.source}`);
  if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw new Error(`ssh target ${t.host}: port ${t.port} is not 1 to 65535`);
  if (!/^[A-Za-z0-9._-]+$/.test(t.user)) throw new Error(`ssh target ${t.host}: user "${t.user}" is not a plain user name`);
  if (t.controlPath !== undefined && !/^\/[A-Za-z0-9._%@:/-]+$/.test(t.controlPath))
    throw new Error(`ssh target ${t.host}: control path "${t.controlPath}" must be an absolute path of plain characters`);
  if (!/^[A-Za-z0-9.:-]+$/.test(t.address))
    throw new Error(`ssh target ${t.host}: address "${t.address}" is not an IP address or DNS name`);
}

/** Sets `known_hosts` to the file's path and makes its folder: the first lines of every script. */
function knownHostsPrologue(t: SshTarget): string {
  return `known_hosts=${knownHostsPath(t)}\nmkdir -p "$(dirname "$known_hosts")"`;
}

/** The known_hosts path as bash text, resolved when the script runs. */
function knownHostsPath(t: SshTarget): string {
  return t.knownHostsFile !== undefined
    ? shellQuote(t.knownHostsFile)
    : `"\${CALICO_LAB_CACHE:-\${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}/ssh/${t.lab}/known_hosts"`;
}

/** The client's command line up to and including `user@address` (the known_hosts path as "$known_hosts", or `knownHosts`). */
function sshCommand(t: SshTarget, knownHosts = '"$known_hosts"'): string {
  const prefix = [...controlFolderPrefix(t), ...(t.netns !== undefined ? ["ip", "netns", "exec", t.netns] : [])];
  const key = t.keyPath !== "" ? ["-i", t.keyPath] : [];
  const before = shellJoin([...prefix, "ssh", ...key, "-p", String(t.port), "-o", "BatchMode=yes"]);
  const after = shellJoin([
    "-o",
    `StrictHostKeyChecking=${t.hostKeys ?? "no"}`,
    ...(t.keyPath !== "" ? ["-o", "IdentitiesOnly=yes"] : []),
    "-o",
    `ConnectTimeout=${t.connectTimeout ?? 10}`,
    "-o",
    "LogLevel=ERROR",
    ...multiplexOptions(t),
    `${t.user}@${t.address}`,
  ]);
  const file = knownHosts.startsWith('"') ? `"UserKnownHostsFile=${knownHosts.slice(1)}` : `UserKnownHostsFile=${knownHosts}`;
  return `${before} -o ${file} ${after}`;
}

/**
 * argv that makes the control socket's folder (0700: only this user may reach the connections it shares) and then
 * runs the rest: one command, so the client still works in a pipeline, with a here-document, or tested by `if`.
 */
function controlFolderPrefix(t: SshTarget): string[] {
  if (t.controlPath === undefined) return [];
  const folder = t.controlPath.slice(0, t.controlPath.lastIndexOf("/"));
  return ["sh", "-c", 'mkdir -p "$1" && chmod 0700 "$1" && shift && exec "$@"', "sh", folder];
}

/** The client's command line as one command (known_hosts resolved inline; its folder must exist for keys to be recorded). */
export function sshClient(target: SshTarget): string {
  checkTarget(target);
  return sshCommand(target, knownHostsPath(target));
}

/** A here-document delimiter that no line of `text` equals (`taken` for tests: lines to treat as present). */
export function delimiterFor(text: string, taken: readonly string[] = []): string {
  const lines = new Set([...text.split("\n"), ...taken]);
  const base = `CALICO_LAB_SSH_${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
  let delimiter = base;
  for (let i = 1; lines.has(delimiter); i++) delimiter = `${base}_${i}`;
  return delimiter;
}

/**
 * Runs `nodeScript` (plain sh) on the target: the script goes whole on stdin to `sh -s`, in a quoted
 * here-document, so nothing in it is expanded on this side. The exit status is the node script's
 * (255 when ssh itself fails). Node scripts must not read their standard input (it is the script
 * itself): commands that need input take it from their own here-documents or `</dev/null`.
 */
export function sshRunScript(target: SshTarget, nodeScript: string): string {
  checkTarget(target);
  const body = nodeScript.endsWith("\n") ? nodeScript : `${nodeScript}\n`;
  const delimiter = delimiterFor(body);
  return `set -euo pipefail\n${knownHostsPrologue(target)}\n${sshCommand(target)} sh -s <<'${delimiter}'\n${body}${delimiter}\n`;
}

/**
 * Copies the files and folders inside `hostDir` into `nodeDir` on the target (made if missing): a tar
 * stream over one ssh connection. Files keep their modes; the node's user owns them; `nodeDir` itself
 * keeps its owner and mode when it exists (the node needs GNU tar).
 */
export function sshCopyDirScript(target: SshTarget, hostDir: string, nodeDir: string): string {
  checkTarget(target);
  const remote = `mkdir -p ${shellQuote(nodeDir)} && tar --no-same-owner --no-overwrite-dir -C ${shellQuote(nodeDir)} -xf -`;
  return `set -euo pipefail\n${knownHostsPrologue(target)}\n${shellJoin(["tar", "-C", hostDir, "-cf", "-", "."])} | ${sshCommand(target)} ${shellQuote(remote)}\n`;
}

/** Waits until the target accepts an SSH login (every `interval` seconds, at most `timeoutSeconds`); fails naming the host. */
export function sshWaitScript(target: SshTarget, timeoutSeconds: number, interval = 2): string {
  checkTarget(target);
  return [
    "set -euo pipefail",
    knownHostsPrologue(target),
    `deadline=$((SECONDS + ${timeoutSeconds}))`,
    `until ${sshCommand(target)} true </dev/null 2>/dev/null; do`,
    `  if ((SECONDS >= deadline)); then echo ${shellQuote(`calico-lab: ${target.host} (${target.address}) answered no SSH login within ${timeoutSeconds}s`)} >&2; exit 1; fi`,
    `  sleep ${interval}`,
    "done",
    "",
  ].join("\n");
}

/**
 * A NodeShell one ssh hop further: `inner` says how a node is reached on the target machine (`docker
 * exec` into a container there), and this carries its host-side script over ssh. `run` sends inner's
 * script whole to `sh -s` on the machine (its own here-document goes along, inside ours); `copyDir`
 * streams a tar of the host folder into a staging folder on the machine, then runs inner's copy from
 * there. Each is one command, so callers can test it (`if`) or tolerate its failure.
 */
export function sshShell(target: SshTarget, inner: NodeShell): NodeShell {
  const client = sshClient(target);
  return {
    run: (script, options) => {
      const onMachine = inner.run(script);
      return withStdin(`${client} sh -s`, onMachine, options?.tolerate ? orWarn(options.tolerate) : "", delimiterFor(onMachine));
    },
    copyDir: (hostDir, nodeDir) => {
      // A fresh 0700 folder of its own (mktemp), never a name another user could take first; the text stays the same on every run.
      const remote = [
        "set -e",
        "staging=$(mktemp -d -t calico-lab-copy-XXXXXXXXXX)",
        `trap 'rm -rf "$staging"' EXIT`,
        'cd "$staging"',
        "tar --no-same-owner -xf -",
        inner.copyDir(".", nodeDir),
      ].join("\n");
      return `${shellJoin(["tar", "-C", hostDir, "-cf", "-", "."])} | ${client} ${shellQuote(remote)}`;
    },
  };
}

/**
 * Host-side: runs `argv` on the target machine itself (as root: `sudo -n` for another user), its stdout
 * the tool's. A node there is host-networked, so the machine's interfaces are the node's. A machine
 * without `command` is named, with what to install.
 */
export function sshMachineTool(target: SshTarget, command: string, argv: readonly string[]): string {
  checkTarget(target);
  const missing = `calico-lab: ${target.host} (${target.address}) has no ${command}: install it there (apt-get install ${command})`;
  const remote = [
    `command -v ${shellQuote(command)} >/dev/null 2>&1 || { echo ${shellQuote(missing)} >&2; exit 3; }`,
    shellJoin([...(target.user === "root" ? [] : ["sudo", "-n"]), ...argv]),
  ].join("; ");
  return `${sshClient(target)} ${shellQuote(remote)} </dev/null`;
}

/** Host-side: asks the target's connection master, if one runs, to exit (before its machine goes away). */
export function sshCloseScript(target: SshTarget): string {
  checkTarget(target);
  if (target.controlPath === undefined) return "true";
  const prefix = target.netns !== undefined ? ["ip", "netns", "exec", target.netns] : [];
  return `${shellJoin([...prefix, "ssh", "-o", `ControlPath=${target.controlPath}`, "-p", String(target.port), "-O", "exit", `${target.user}@${target.address}`])} >/dev/null 2>&1 || true`;
}

/**
 * A control path for the lab's machines, one per lab and namespace, in a folder of the lab's own under the cache
 * (made 0700 by the first client), never a predictable name in /tmp; short (a socket path has ~100 characters).
 */
export function controlPathFor(lab: string, netns: string, cacheDir: string): string {
  return `${cacheDir}/ssh/c-${createHash("sha256").update(`${lab}\n${netns}`).digest("hex").slice(0, 12)}/%r@%h:%p`;
}
