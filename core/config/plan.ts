import { parseCidr, planUnderlay, type UnderlayPlan } from "../addressing";
import type { LabConfig } from "./types";
import { nodeNames } from "./validate";
import { sshCalicoHosts } from "./validate-substrates";

/**
 * Where the lab's nodes sit on the underlay: the fixed plan (gateway .1, etcd .4, Calico nodes .5
 * onwards) for the substrates that make their nodes, the hosts' own addresses on the ssh substrate.
 * Only for validated settings.
 */
export function underlayPlanFor(config: LabConfig): UnderlayPlan {
  const underlay = parseCidr(config.underlay.cidr);
  if (!underlay) throw new Error(`underlay.cidr ${config.underlay.cidr} was not validated`);
  const plan = planUnderlay(underlay, nodeNames(config).length);
  if (config.substrate !== "ssh") return plan;
  const etcd = config.ssh.hosts.find((host) => host.name === config.ssh.etcdHost);
  if (!etcd) throw new Error(`ssh.etcdHost ${config.ssh.etcdHost} was not validated`);
  return { ...plan, etcd: etcd.address, nodes: sshCalicoHosts(config).map((host) => host.address) };
}
