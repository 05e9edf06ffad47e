import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { ConfigIssue } from "../../../core/config/errors";
import type { LabConfig } from "../../../core/config/types";
import {
  dockerKernelIssues,
  parseNetworkInspect,
  underlayOverlapIssues,
  type ExistingNetwork,
} from "../../../core/substrates/docker/preflight";
import type { Machine } from "../../lab/machine";

/**
 * Docker nodes share this machine's kernel: what it lacks, no node has. Two labs must not share addresses:
 * the underlay may overlap no other Docker network of this machine.
 */
export function dockerPreflight(config: Pick<LabConfig, "ipPools" | "underlay">, machine: Machine): ConfigIssue[] {
  return [
    ...dockerKernelIssues(config, { ipip: existsSync("/sys/module/ipip") }),
    ...underlayOverlapIssues(config.underlay.cidr, `${machine.labName}-underlay-net`, existingNetworks()),
  ];
}

/** This machine's Docker networks; none when the engine does not answer (creating the network then says why). */
function existingNetworks(): ExistingNetwork[] {
  const ids = spawnSync("docker", ["network", "ls", "-q"], { encoding: "utf8" });
  if (ids.status !== 0) return [];
  const format = '{{.Name}}|{{index .Labels "calico-lab.stack"}}|{{range .IPAM.Config}}{{.Subnet}} {{end}}';
  const inspected = spawnSync("docker", ["network", "inspect", "--format", format, ...ids.stdout.split("\n").filter(Boolean)], {
    encoding: "utf8",
  });
  return inspected.status === 0 ? parseNetworkInspect(inspected.stdout) : [];
}
