import type { ConfigIssue } from "../../config/errors";

/** The files of the VM base image (scripts/offline/vm-image.sh) every VM boots from. */
export const VM_BASE_FILES = ["vmlinuz", "initrd.img", "base.qcow2"] as const;

/** Commands the qemu substrate runs on this machine, and the Debian package of each. */
export const QEMU_COMMANDS: Readonly<Record<string, string>> = {
  "qemu-system-x86_64": "qemu-system-x86",
  "qemu-img": "qemu-utils",
  ssh: "openssh-client",
  "ssh-keygen": "openssh-client",
  ip: "iproute2",
};

/** What the qemu substrate needs of this machine, as looked at by index.ts. */
export interface QemuHostFacts {
  /** The base image's folder ($CALICO_LAB_CACHE/vm/base). */
  readonly baseDir: string;
  /** Which of VM_BASE_FILES are there. */
  readonly baseFiles: Readonly<Record<string, boolean>>;
  /** /dev/net/tun exists (the VMs' taps). */
  readonly tun: boolean;
  /** Which of QEMU_COMMANDS are on PATH. */
  readonly commands: Readonly<Record<string, boolean>>;
  /** Running as root: network namespaces, bridges and taps need it. */
  readonly root: boolean;
}

/** Everything the qemu substrate lacks on this machine, each with what to do; empty when all is there. */
export function qemuHostIssues(facts: QemuHostFacts): ConfigIssue[] {
  const issue = (allowed: string): ConfigIssue => ({ setting: "substrate", value: "qemu", allowed });
  const issues: ConfigIssue[] = [];
  const missingFiles = VM_BASE_FILES.filter((file) => !facts.baseFiles[file]);
  if (missingFiles.length > 0) {
    issues.push(
      issue(
        `the VM base image is missing (${missingFiles.map((f) => `${facts.baseDir}/${f}`).join(", ")}): run npm run offline:vm-image (after npm run offline:build; about 3.5 min, 1.6 GB)`,
      ),
    );
  }
  if (!facts.tun)
    issues.push(issue("/dev/net/tun is missing: the VMs' network taps need the tun device (modprobe tun, or run where it exists)"));
  const missing = Object.keys(QEMU_COMMANDS).filter((command) => !facts.commands[command]);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((command) => QEMU_COMMANDS[command]))];
    issues.push(issue(`${missing.join(", ")} not found on PATH: apt-get install ${packages.join(" ")}`));
  }
  if (!facts.root) issues.push(issue("the lab's network namespace, bridge and taps need root: run as root"));
  return issues;
}
