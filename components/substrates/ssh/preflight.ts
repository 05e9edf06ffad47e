import type { ConfigIssue } from "../../../core/config/errors";
import type { SshSettings } from "../../../core/config/types";
import { sshLocalIssues } from "../../../core/substrates/ssh/preflight";
import { onPath, readable, type Machine } from "../../lab/machine";

/** What this machine lacks to reach the hosts: an ssh client, the keys (or an agent). */
export function sshPreflight(ssh: SshSettings, machine: Machine): ConfigIssue[] {
  return sshLocalIssues(ssh, { sshClient: onPath("ssh"), agent: !!process.env.SSH_AUTH_SOCK, readable, home: machine.home });
}
