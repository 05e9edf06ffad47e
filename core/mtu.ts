import type { IpPoolSettings } from "./config/types";

/** The lab network's MTU: a Docker bridge's default, and what the lab's VMs and hosts are given. */
export const UNDERLAY_MTU = 1500;

/** Bytes each encapsulation adds to a packet: VXLAN (outer IPv4, UDP, VXLAN headers) and IP-in-IP. */
export const ENCAPSULATION_OVERHEAD = { vxlan: 50, ipip: 20 } as const;

/** The largest overhead any enabled pool's encapsulation adds; 0 when no pool encapsulates. */
export function encapsulationOverhead(pools: readonly IpPoolSettings[]): number {
  let overhead = 0;
  for (const pool of pools) {
    if (pool.disabled) continue;
    if (pool.vxlanMode !== "Never") overhead = Math.max(overhead, ENCAPSULATION_OVERHEAD.vxlan);
    if (pool.ipipMode !== "Never") overhead = Math.max(overhead, ENCAPSULATION_OVERHEAD.ipip);
  }
  return overhead;
}

/** The workloads' MTU: the configured one, or (0) the underlay's minus the encapsulation's overhead. */
export function workloadMtu(configured: number, pools: readonly IpPoolSettings[]): number {
  return configured === 0 ? UNDERLAY_MTU - encapsulationOverhead(pools) : configured;
}
