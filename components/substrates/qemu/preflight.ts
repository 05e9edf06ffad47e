import { existsSync } from "node:fs";
import type { ConfigIssue } from "../../../core/config/errors";
import { QEMU_COMMANDS, qemuHostIssues, VM_BASE_FILES } from "../../../core/substrates/qemu/preflight";
import { onPath, type Machine } from "../../lab/machine";

/** What this machine lacks to run the lab's VMs: the base image, /dev/net/tun, the commands, root. */
export function qemuPreflight(machine: Machine): ConfigIssue[] {
  const baseDir = `${machine.cacheDir}/vm/base`;
  return qemuHostIssues({
    baseDir,
    baseFiles: Object.fromEntries(VM_BASE_FILES.map((file) => [file, existsSync(`${baseDir}/${file}`)])),
    tun: existsSync("/dev/net/tun"),
    commands: Object.fromEntries(Object.keys(QEMU_COMMANDS).map((command) => [command, onPath(command)])),
    root: process.getuid?.() === 0,
  });
}
