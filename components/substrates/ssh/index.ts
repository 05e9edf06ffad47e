import * as pulumi from "@pulumi/pulumi";
import type { IpPoolSettings, SshSettings } from "../../../core/config/types";
import { labLabels } from "../../../core/node-runtime";
import { shellQuote } from "../../../core/shell";
import { hostCheckScript, sshHostTarget } from "../../../core/substrates/ssh/hosts";
import { sshRunScript, sshWaitScript } from "../../../core/transports/ssh";
import { hostStep } from "../../lab/node-step";
import type { Substrate } from "../substrate";
import { MachineNode, machineLabNode, type MachineNodeArgs } from "./machine-node";

/** Seconds for a host's SSH login, its Docker engine, and a runtime's readiness beyond its own timeout. */
export const SSH_TIMEOUTS = { login: 30, docker: 60, ready: 0 } as const;

/** One lab node on a host the user already has, running the node's runtime as a container. */
export class SshHostNode extends MachineNode {
  constructor(name: string, args: MachineNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:ssh:Node", name, args, opts);
  }
}

export interface SshSubstrateOptions {
  readonly ssh: SshSettings;
  /** The pools decide which tunnel modules a Calico host needs. */
  readonly ipPools: readonly IpPoolSettings[];
  /** This machine's home folder, for `~/` in key paths. */
  readonly home: string;
  /** The lab's cache: the ssh connections it shares have their sockets in a folder of its own there. */
  readonly cacheDir: string;
}

/** Kernel modules the enabled pools' encapsulation needs on every Calico host. */
export function tunnelModules(pools: readonly IpPoolSettings[]): string[] {
  const enabled = pools.filter((pool) => !pool.disabled);
  return [
    ...(enabled.some((p) => p.ipipMode !== "Never") ? ["ipip"] : []),
    ...(enabled.some((p) => p.vxlanMode !== "Never") ? ["vxlan"] : []),
  ];
}

/**
 * Nodes on hosts the user already has (ssh.hosts): the etcd host (ssh.etcdHost) runs etcd, every other
 * host a Calico node, each as a host-networked container started over ssh. Nothing is installed: a host
 * must have Docker; each is checked before its node starts. The lab's network is theirs; the lab keeps
 * only its own known_hosts file (first key recorded, a changed key refused).
 */
export function sshSubstrate(options: SshSubstrateOptions): Substrate {
  return (context, _underlay) => {
    const knownHostsDir = `"\${CALICO_LAB_CACHE:-\${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}/ssh/"${shellQuote(context.lab)}`;
    const network = hostStep(
      `${context.lab}-underlay`,
      { create: `set -euo pipefail\nmkdir -p ${knownHostsDir}`, delete: `rm -rf ${knownHostsDir}` },
      { parent: context.parent },
    );
    const hostOf = (node: string) => {
      const name = node === "etcd" ? options.ssh.etcdHost : node;
      const host = options.ssh.hosts.find((h) => h.name === name);
      if (!host) throw new pulumi.RunError(`no ssh.hosts entry for node ${node} (ssh settings were not validated)`);
      return host;
    };
    return {
      network,
      node(runtime, dependsOn) {
        const host = hostOf(runtime.node);
        const name = `${context.lab}-${runtime.node}`;
        const target = sshHostTarget(context.lab, host, options.home, options.cacheDir);
        const check = hostCheckScript({
          host: host.name,
          user: host.user,
          address: host.address,
          dataplane: runtime.dataplane,
          modules: runtime.dataplane ? tunnelModules(options.ipPools) : [],
          container: name,
        });
        const node = new SshHostNode(
          name,
          {
            runtime,
            target,
            container: name,
            labels: pulumi.output(context.stack).apply((stack) => labLabels(context.lab, stack, runtime.role)),
            machine: { suffix: "host", create: `${sshWaitScript(target, SSH_TIMEOUTS.login)}\n${sshRunScript(target, check)}` },
            readyTimeoutSeconds: runtime.readiness.timeoutSeconds + SSH_TIMEOUTS.ready,
            machineDependsOn: [network],
            runtimeDependsOn: dependsOn,
            removeOnDelete: true,
            dockerTimeoutSeconds: SSH_TIMEOUTS.docker,
          },
          { parent: context.parent },
        );
        return machineLabNode(runtime, node, target, name);
      },
    };
  };
}
