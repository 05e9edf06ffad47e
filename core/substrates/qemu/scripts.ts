import { createHash } from "node:crypto";
import type { QemuSettings } from "../../config/types";
import { shellJoin } from "../../shell";
import { controlPathFor, sshCloseScript, sshRunScript, type SshTarget } from "../../transports/ssh";
import { BOOT_ID_SCRIPT } from "../ssh/runner";

/**
 * The qemu substrate's host-side scripts: scripts/vm/lab-vm.sh makes the lab's network namespace and
 * bridge, and one VM per node from the base image; the ssh node runner (core/substrates/ssh) does the rest.
 */

const LAB_VM_NAME = /^[a-z0-9][a-z0-9-]{0,20}$/;

/**
 * lab-vm.sh's name for the lab (1-21 of a-z, 0-9, '-'; it names the namespace calicolab-<name>): the
 * stack's part of the lab's name, or, when that is too long, its first 14 characters and a hash.
 */
export function vmLabName(lab: string): string {
  const stack = lab.replace(/^calicolab-/, "");
  if (LAB_VM_NAME.test(stack)) return stack;
  const hash = createHash("sha256").update(lab).digest("hex").slice(0, 6);
  const head = stack
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 14)
    .replace(/-+$/, "");
  return head ? `${head}-${hash}` : `lab-${hash}`;
}

/** The lab's network namespace (lab-vm.sh's `calicolab-<lab>`): the bridge, the taps, QEMU and the ssh client live there. */
export function vmNamespace(vmLab: string): string {
  return `calicolab-${vmLab}`;
}

export interface QemuPaths {
  /** scripts/vm/lab-vm.sh, absolute. */
  readonly labVm: string;
  /** The lab's cache ($CALICO_LAB_CACHE): the base image, the labs' keys and overlays. */
  readonly cacheDir: string;
}

function labVm(paths: QemuPaths, args: readonly string[], env: Record<string, string> = {}): string {
  const assignments = Object.entries({ CALICO_LAB_CACHE: paths.cacheDir, ...env }).map(([k, v]) => shellJoin([`${k}=${v}`]));
  return [...assignments, shellJoin(["bash", paths.labVm, ...args])].join(" ");
}

/** Host-side: the lab's namespace, bridge (the underlay's gateway address) and key pair. */
export function networkUpScript(paths: QemuPaths, vmLab: string, cidr: string): string {
  return `set -euo pipefail\n${labVm(paths, ["net-up", vmLab, cidr])}`;
}

/** Host-side: every VM of the lab, the namespace and the lab's files. */
export function networkDownScript(paths: QemuPaths, vmLab: string): string {
  return `set -euo pipefail\n${labVm(paths, ["net-down", vmLab])}`;
}

/** How the lab's ssh client reaches a VM: as root, with the lab's key, from inside the lab's namespace. */
export function vmSshTarget(paths: QemuPaths, vmLab: string, vm: string, address: string): SshTarget {
  return {
    lab: vmLab,
    host: vm,
    address,
    user: "root",
    port: 22,
    keyPath: `${paths.cacheDir}/vm/labs/${vmLab}/id_ed25519`,
    netns: vmNamespace(vmLab),
    controlPath: controlPathFor(vmLab, vmNamespace(vmLab), paths.cacheDir),
  };
}

export interface VmSpec {
  readonly vmLab: string;
  /** The VM's name: the node's (etcd, calico1). */
  readonly vm: string;
  readonly address: string;
  readonly size: QemuSettings;
  /** How long to wait for the VM's SSH login. */
  readonly bootTimeoutSeconds: number;
}

/**
 * Host-side: starts the VM (an overlay of the base image, a tap on the lab's bridge, KVM if a boot probe
 * works, else TCG), waits for its SSH login and prints its boot id, then the accelerator it runs under
 * (`kvm` or `tcg`) on a line of its own. A connection the lab kept to a VM of that name that died goes
 * first. lab-vm.sh's own messages go to stderr.
 */
export function vmStartScript(paths: QemuPaths, spec: VmSpec): string {
  const size = { LAB_VM_CPUS: String(spec.size.cpus), LAB_VM_MEMORY: String(spec.size.memoryMiB) };
  const target = vmSshTarget(paths, spec.vmLab, spec.vm, spec.address);
  return [
    "set -euo pipefail",
    sshCloseScript(target),
    `${labVm(paths, ["start", spec.vmLab, spec.vm, spec.address], size)} >&2`,
    `${labVm(paths, ["wait-ssh", spec.vmLab, spec.vm, String(spec.bootTimeoutSeconds)])} >&2`,
    sshRunScript(target, BOOT_ID_SCRIPT),
    labVm(paths, ["accel-of", spec.vmLab, spec.vm]),
  ].join("\n");
}

/** The accelerator line of vmStartScript's output (`kvm` or `tcg`); `unknown` when it has none. */
export function acceleratorOf(startOutput: string): string {
  const line = startOutput.trim().split("\n")[1]?.trim();
  return line === "kvm" || line === "tcg" ? line : "unknown";
}

/**
 * Host-side, the VM step's refresh: exits 0 while the VM's QEMU runs, 1 once it is gone (killed by hand,
 * say). A gone VM's connection master is closed too: the refresh's other reads of that VM (its runtime,
 * the BGP probe) ride on it and would otherwise wait for its keepalives to give up (a minute).
 */
export function vmAliveScript(paths: QemuPaths, vmLab: string, vm: string, address: string): string {
  return `${labVm(paths, ["alive", vmLab, vm])} || { ${sshCloseScript(vmSshTarget(paths, vmLab, vm, address))}; exit 1; }`;
}

/** Host-side: the lab's ssh connection to the VM closes; QEMU, the tap, the overlay and the VM's known_hosts entry go. */
export function vmStopScript(paths: QemuPaths, vmLab: string, vm: string, address: string): string {
  return `set -euo pipefail\n${sshCloseScript(vmSshTarget(paths, vmLab, vm, address))}\n${labVm(paths, ["stop", vmLab, vm])}`;
}

/** Where forwarders' local ports lie: below Linux's ephemeral range (32768-60999), so no outgoing connection holds one. */
export const FORWARD_PORTS = { first: 20000, count: 10000 } as const;

/**
 * The name of a lab's forwarder to `port` of one of its VMs (lab-vm.sh names its process
 * calicolab-<lab>-<name>), and the port on this machine's 127.0.0.1 it listens on: derived from the lab
 * and that name, never chosen at run time, so that what reaches through it (the Kubernetes provider's
 * kubeconfig) stays the same when the forwarder is started anew. A provider whose cluster address changed,
 * or is unknown while planning, is replaced by the Kubernetes provider, and every object made through it
 * with it.
 */
export function vmForward(vmLab: string, vm: string, port: number): { name: string; localPort: number } {
  const name = `${vm}-${port}`;
  const hash = createHash("sha256").update(`${vmLab}/${name}`).digest().readUInt32BE(0);
  return { name, localPort: FORWARD_PORTS.first + (hash % FORWARD_PORTS.count) };
}

/** Host-side: starts the lab's forwarder from 127.0.0.1:<localPort> to `address:port` in the lab's namespace (idempotent); prints the local port. */
export function forwardStartScript(paths: QemuPaths, vmLab: string, address: string, port: number, vm: string): string {
  const { name, localPort } = vmForward(vmLab, vm, port);
  return `set -euo pipefail\n${labVm(paths, ["forward", vmLab, name, `${address}:${port}`, String(localPort)])}`;
}

/**
 * Host-side, the forwarder step's refresh: exits 0 while it runs, and starts it again (on the same port) when
 * it is gone; exits 1 only when it cannot (the lab's namespace is gone: up makes the network anew, and the
 * forwarder after it). Started here, not dropped: a refresh's Kubernetes reads go through it, and the
 * Kubernetes provider, configured before any refresh step, finds its cluster unreachable without it; a
 * forwarder dropped instead would stay gone, as no up gets past that refresh.
 */
export function forwardReadScript(paths: QemuPaths, vmLab: string, address: string, port: number, vm: string): string {
  const { name, localPort } = vmForward(vmLab, vm, port);
  return `${labVm(paths, ["forward-alive", vmLab, name])} 2>/dev/null || ${labVm(paths, ["forward", vmLab, name, `${address}:${port}`, String(localPort)])} >/dev/null`;
}

/** Host-side: stops the forwarder. */
export function forwardStopScript(paths: QemuPaths, vmLab: string, vm: string, port: number): string {
  return `set -euo pipefail\n${labVm(paths, ["forward-stop", vmLab, vmForward(vmLab, vm, port).name])}`;
}
