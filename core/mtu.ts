import type { IpPoolSettings } from "./config/types";

/** The lab network's MTU: a Docker bridge's default, and what the lab's VMs and hosts are given. */
export const UNDERLAY_MTU = 1500;

/**
 * The lab network's MTU on the kubernetes substrate: a VXLAN overlay between the lab's Pods, on a Pod network
 * of the usual 1500 bytes.
 */
export const KUBERNETES_UNDERLAY_MTU = 1450;

/** The MTU of the lab network the substrate makes. */
export function underlayMtuFor(substrate: string): number {
  return substrate === "kubernetes" ? KUBERNETES_UNDERLAY_MTU : UNDERLAY_MTU;
}

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
export function workloadMtu(configured: number, pools: readonly IpPoolSettings[], underlayMtu: number = UNDERLAY_MTU): number {
  return configured === 0 ? underlayMtu - encapsulationOverhead(pools) : configured;
}
