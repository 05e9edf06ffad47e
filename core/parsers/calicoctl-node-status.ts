/** One row of the IPv4/IPv6 BGP tables printed by `calicoctl node status`. */
export interface CalicoctlPeer {
  readonly peerAddress: string;
  readonly peerType: string;
  readonly state: string;
  readonly since: string;
  readonly info: string;
}

export interface CalicoctlNodeStatus {
  readonly running: boolean;
  readonly ipv4: readonly CalicoctlPeer[];
  readonly ipv6: readonly CalicoctlPeer[];
}

const TABLE_ROW = /^\|(.*)\|\s*$/;

function parseTable(lines: readonly string[]): CalicoctlPeer[] {
  const peers: CalicoctlPeer[] = [];
  for (const line of lines) {
    const row = TABLE_ROW.exec(line.trim());
    if (!row?.[1]) continue;
    const cells = row[1].split("|").map((cell) => cell.trim());
    if (cells.length < 5 || cells[0] === "PEER ADDRESS") continue;
    const [peerAddress = "", peerType = "", state = "", since = "", ...info] = cells;
    peers.push({ peerAddress, peerType, state, since, info: info.join(" | ").trim() });
  }
  return peers;
}

/** Parses `calicoctl node status`; sections that say "No IPv4/IPv6 peers found." come back empty. */
export function parseCalicoctlNodeStatus(output: string): CalicoctlNodeStatus {
  const lines = output.split(/\r?\n/);
  const v4Start = lines.findIndex((line) => line.trim() === "IPv4 BGP status");
  const v6Start = lines.findIndex((line) => line.trim() === "IPv6 BGP status");
  const section = (start: number, end: number) => (start < 0 ? [] : lines.slice(start + 1, end < 0 || end < start ? undefined : end));
  return {
    running: /Calico process is running\./.test(output),
    ipv4: parseTable(section(v4Start, v6Start)),
    ipv6: parseTable(section(v6Start, -1)),
  };
}
