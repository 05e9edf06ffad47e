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
              "allowed is Never on this machine's docker substrate: its kernel has no ipip module (/sys/module/ipip) and containers cannot load one, so nothing would be encapsulated; use vxlanMode Always or CrossSubnet, or a VM substrate",
          },
        ],
  );
}
