import type { ConfigIssue } from "../../config/errors";
import type { SshSettings } from "../../config/types";

/** What the ssh substrate needs of this machine: an ssh client, and each host's key (or an agent). */
export interface SshLocalFacts {
  readonly sshClient: boolean;
  /** $SSH_AUTH_SOCK is set: hosts with no privateKey use the agent. */
  readonly agent: boolean;
  /** Whether the (home-expanded) key file can be read. */
  readonly readable: (path: string) => boolean;
  readonly home: string;
}

export function sshLocalIssues(settings: SshSettings, facts: SshLocalFacts): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!facts.sshClient)
    issues.push({
      setting: "substrate",
      value: "ssh",
      allowed: "ssh not found on PATH: install OpenSSH's client (apt-get install openssh-client)",
    });
  settings.hosts.forEach((host, i) => {
    const at = `ssh.hosts[${i}].privateKey`;
    if (host.privateKey === "") {
      if (!facts.agent)
        issues.push({
          setting: at,
          value: "",
          allowed: `empty means the ssh agent, and SSH_AUTH_SOCK is not set: start ssh-agent and ssh-add the key for ${host.name}, or give the key's path`,
        });
      return;
    }
    const path = host.privateKey.startsWith("~/") ? `${facts.home}/${host.privateKey.slice(2)}` : host.privateKey;
    if (!facts.readable(path))
      issues.push({
        setting: at,
        value: host.privateKey,
        allowed: `no readable file at ${path}: allowed is the path of ${host.name}'s private key on this machine, or empty for the ssh agent`,
      });
  });
  return issues;
}
