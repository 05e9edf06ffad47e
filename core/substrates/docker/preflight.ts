import { overlaps, parseCidr } from "../../addressing";
import type { ConfigIssue } from "../../config/errors";
import type { LabConfig } from "../../config/types";

/** What the docker substrate needs to know of this machine's kernel, which every node container shares. */
export interface DockerKernelFacts {
  /** The ipip module is loaded (or built in): /sys/module/ipip exists. Containers cannot load it. */
  readonly ipip: boolean;
}

/** Settings this machine's kernel cannot honour on the docker substrate: IPIP pools without the ipip module. */
export function dockerKernelIssues(config: Pick<LabConfig, "ipPools">, kernel: DockerKernelFacts): ConfigIssue[] {
  if (kernel.ipip) return [];
  return config.ipPools.flatMap((pool, i) =>
    pool.ipipMode === "Never" || pool.disabled
      ? []
      : [
          {
            setting: `ipPools[${i}].ipipMode`,
            value: pool.ipipMode,
            allowed:
              "allowed is Never on this machine's docker substrate: its kernel has no ipip module (/sys/module/ipip) and containers cannot load one, so nothing would be encapsulated; use vxlanMode Always or CrossSubnet, or the qemu substrate, whose VMs' own kernel has ipip (stacks/Pulumi.bird-qemu.yaml)",
          },
        ],
  );
}

/** A Docker network on this machine, as `docker network inspect` shows it. */
export interface ExistingNetwork {
  readonly name: string;
  readonly subnets: readonly string[];
  /** The calico-lab stack that made it, if any (its `calico-lab.stack` label). */
  readonly stack?: string;
}

/**
 * The underlay must not overlap a network this machine already has (another lab's, or anyone's): Docker
 * would refuse it at create time with "Pool overlaps with other one on this address space", naming
 * neither. The lab's own network (same name, on a later up) is left out.
 */
export function underlayOverlapIssues(underlayCidr: string, ownNetwork: string, existing: readonly ExistingNetwork[]): ConfigIssue[] {
  const underlay = parseCidr(underlayCidr);
  if (!underlay) return [];
  return existing.flatMap((network) => {
    if (network.name === ownNetwork) return [];
    const clash = network.subnets.find((subnet) => {
      const other = parseCidr(subnet);
      return other !== undefined && overlaps(underlay, other);
    });
    if (!clash) return [];
    const owner = network.stack ? `calico-lab stack ${network.stack}'s network` : "network";
    return [
      {
        setting: "underlay.cidr",
        value: underlayCidr,
        allowed: `it overlaps ${owner} ${network.name} (${clash}) on this machine; choose a free range, or bring that lab down first`,
      },
    ];
  });
}

/** Parses lines of `docker network inspect --format '{{.Name}}|{{index .Labels "calico-lab.stack"}}|{{range .IPAM.Config}}{{.Subnet}} {{end}}'`. */
export function parseNetworkInspect(output: string): ExistingNetwork[] {
  return output
    .split("\n")
    .filter((line) => line.includes("|"))
    .map((line) => {
      const [name = "", stack = "", subnets = ""] = line.split("|");
      return { name, subnets: subnets.trim().split(/\s+/).filter(Boolean), ...(stack && stack !== "<no value>" ? { stack } : {}) };
    });
}
