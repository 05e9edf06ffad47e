import { Address4, Address6 } from "ip-address";

/** A parsed network: the CIDR's first and last addresses as integers. */
export interface Network {
  readonly cidr: string;
  readonly version: 4 | 6;
  readonly prefixLength: number;
  readonly first: bigint;
  readonly last: bigint;
}

const CIDR_SHAPE = /^[0-9a-fA-F:.]+\/\d{1,3}$/;

/** Parses a CIDR; returns undefined for anything that is not one (including a host address with bits set). */
export function parseCidr(cidr: string): Network | undefined {
  if (!CIDR_SHAPE.test(cidr)) return undefined;
  const isV6 = cidr.includes(":");
  if (isV6 ? !Address6.isValid(cidr) : !Address4.isValid(cidr)) return undefined;
  const address = isV6 ? new Address6(cidr) : new Address4(cidr);
  const bits = isV6 ? 128 : 32;
  const prefixLength = address.subnetMask;
  if (prefixLength < 0 || prefixLength > bits) return undefined;
  const first = address.startAddress().bigInt();
  if (address.bigInt() !== first) return undefined;
  return { cidr, version: isV6 ? 6 : 4, prefixLength, first, last: address.endAddress().bigInt() };
}

export function overlaps(a: Network, b: Network): boolean {
  return a.version === b.version && a.first <= b.last && b.first <= a.last;
}

export function contains(network: Network, address: string): boolean {
  const isV6 = address.includes(":");
  if ((network.version === 6) !== isV6) return false;
  if (isV6 ? !Address6.isValid(address) : !Address4.isValid(address)) return false;
  const value = (isV6 ? new Address6(address) : new Address4(address)).bigInt();
  return value >= network.first && value <= network.last;
}

export function addressAt(network: Network, offset: number): string {
  const value = network.first + BigInt(offset);
  return network.version === 4 ? Address4.fromBigInt(value).correctForm() : Address6.fromBigInt(value).correctForm();
}

export function addressCount(network: Network): bigint {
  return network.last - network.first + 1n;
}

/** Fixed host numbers on the underlay, as in the tutorial lab (etcd .4, calico1 .5, calico2 .6). */
export const UNDERLAY_GATEWAY_HOST = 1;
export const UNDERLAY_ETCD_HOST = 4;
/** The kdd scenario's kube-apiserver. */
export const UNDERLAY_APISERVER_HOST = 3;
export const UNDERLAY_FIRST_NODE_HOST = 5;

/** How many Calico nodes fit on the underlay after the gateway, etcd and the broadcast address. */
export function underlayNodeCapacity(underlay: Network): number {
  const hosts = addressCount(underlay) - 1n; // broadcast
  const capacity = hosts - BigInt(UNDERLAY_FIRST_NODE_HOST);
  return capacity > 0n ? Number(capacity > 100000n ? 100000n : capacity) : 0;
}

export interface UnderlayPlan {
  readonly subnet: string;
  readonly gateway: string;
  readonly etcd: string;
  /** Where the kdd scenario's kube-apiserver sits (unused by bird). */
  readonly apiserver: string;
  readonly nodes: readonly string[];
}

export function planUnderlay(underlay: Network, nodeCount: number): UnderlayPlan {
  return {
    subnet: underlay.cidr,
    gateway: addressAt(underlay, UNDERLAY_GATEWAY_HOST),
    etcd: addressAt(underlay, UNDERLAY_ETCD_HOST),
    apiserver: addressAt(underlay, UNDERLAY_APISERVER_HOST),
    nodes: Array.from({ length: nodeCount }, (_, i) => addressAt(underlay, UNDERLAY_FIRST_NODE_HOST + i)),
  };
}

/** Blocks a pool splits into, and addresses per block. */
export function blockGeometry(pool: Network, blockSize: number): { blocks: bigint; addressesPerBlock: bigint } {
  const bits = pool.version === 4 ? 32 : 128;
  return {
    blocks: 1n << BigInt(Math.max(0, blockSize - pool.prefixLength)),
    addressesPerBlock: 1n << BigInt(bits - blockSize),
  };
}
