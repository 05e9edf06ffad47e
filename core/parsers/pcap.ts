/**
 * A small reader of classic pcap files (what tcpdump -w writes): the global header and each packet's
 * record, and for the link types tcpdump uses on a lab node (Ethernet, Linux cooked v1 and v2, raw IP)
 * the IPv4 protocol of each packet. Enough for tests to check what a capture holds.
 */

export interface PcapPacket {
  /** Seconds since the epoch, with the fraction (micro- or nanoseconds, as the file says). */
  readonly time: number;
  readonly capturedLength: number;
  readonly originalLength: number;
  readonly data: Buffer;
}

export interface Pcap {
  readonly linkType: number;
  readonly snapLength: number;
  readonly packets: readonly PcapPacket[];
}

/** Link types (LINKTYPE_*) this reader finds IPv4 in. */
export const LINKTYPE = { ethernet: 1, raw: 101, linuxSll: 113, linuxSll2: 276 } as const;

const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;

export function parsePcap(file: Buffer): Pcap {
  if (file.length < 24) throw new Error(`not a pcap file: ${file.length} bytes, shorter than its 24-byte header`);
  const magicLE = file.readUInt32LE(0);
  const magicBE = file.readUInt32BE(0);
  const little = magicLE === MAGIC_MICRO || magicLE === MAGIC_NANO;
  if (!little && magicBE !== MAGIC_MICRO && magicBE !== MAGIC_NANO) {
    throw new Error(`not a pcap file: magic 0x${magicBE.toString(16).padStart(8, "0")}`);
  }
  const u32 = (offset: number) => (little ? file.readUInt32LE(offset) : file.readUInt32BE(offset));
  const divisor = (little ? magicLE : magicBE) === MAGIC_NANO ? 1e9 : 1e6;
  const packets: PcapPacket[] = [];
  let offset = 24;
  // A capture stopped mid-write may end in a partial record: it is left out.
  while (offset + 16 <= file.length) {
    const capturedLength = u32(offset + 8);
    if (offset + 16 + capturedLength > file.length) break;
    packets.push({
      time: u32(offset) + u32(offset + 4) / divisor,
      capturedLength,
      originalLength: u32(offset + 12),
      data: file.subarray(offset + 16, offset + 16 + capturedLength),
    });
    offset += 16 + capturedLength;
  }
  return { linkType: u32(20), snapLength: u32(16), packets };
}

/** The IPv4 header of a packet of the given link type, or undefined when it carries no IPv4. */
function ipv4Header(linkType: number, data: Buffer): Buffer | undefined {
  const at = (etherTypeOffset: number, ipOffset: number) =>
    data.length > ipOffset && data.readUInt16BE(etherTypeOffset) === 0x0800 ? data.subarray(ipOffset) : undefined;
  switch (linkType) {
    case LINKTYPE.ethernet:
      return at(12, 14);
    case LINKTYPE.linuxSll:
      return at(14, 16);
    case LINKTYPE.linuxSll2:
      return at(0, 20);
    case LINKTYPE.raw:
      return data.length >= 20 && data[0] !== undefined && data[0] >> 4 === 4 ? data : undefined;
    default:
      return undefined;
  }
}

export interface Ipv4Summary {
  /** IP protocol number: 1 ICMP, 4 IPv4 in IPv4 (IPIP), 6 TCP, 17 UDP. */
  readonly protocol: number;
  readonly source: string;
  readonly destination: string;
  /** For IPIP (protocol 4): the packet it carries, as Calico's tunl0 sends a workload's packet between nodes. */
  readonly inner?: Ipv4Summary;
}

/** IP protocol number of IPv4 carried in IPv4 (RFC 2003), what tunl0 sends. */
export const IPPROTO_IPIP = 4;

const address = (b: Buffer, at: number) => [b[at], b[at + 1], b[at + 2], b[at + 3]].join(".");

/** Protocol and addresses of one IPv4 header (and of the packet it carries, for IPIP); undefined when cut short. */
function summarise(ip: Buffer): Ipv4Summary | undefined {
  if (ip.length < 20) return undefined;
  const protocol = ip[9] ?? -1;
  const summary = { protocol, source: address(ip, 12), destination: address(ip, 16) };
  if (protocol !== IPPROTO_IPIP) return summary;
  const inner = summarise(ip.subarray(((ip[0] ?? 0) & 0x0f) * 4));
  return inner ? { ...summary, inner } : summary;
}

/** Protocol and addresses of each IPv4 packet in the capture (other packets are left out). */
export function ipv4Packets(pcap: Pcap): Ipv4Summary[] {
  return pcap.packets.flatMap((packet) => {
    const ip = ipv4Header(pcap.linkType, packet.data);
    const summary = ip && summarise(ip);
    return summary ? [summary] : [];
  });
}
