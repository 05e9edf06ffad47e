/** One line of `birdcl show protocols`. */
export interface BirdProtocol {
  readonly name: string;
  readonly protocol: string;
  readonly table: string;
  readonly state: string;
  readonly since: string;
  readonly info: string;
}

// since is "HH:MM:SS", or a date, or a date and a time, depending on BIRD's timeformat.
const PROTOCOL_LINE =
  /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?)?|\d{2}:\d{2}:\d{2}(?:\.\d+)?|\S+)\s*(.*)$/;

export function parseBirdProtocols(output: string): BirdProtocol[] {
  const protocols: BirdProtocol[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (!line || /^BIRD \S+ ready\.$/.test(line) || /^name\s+proto\s+table/.test(line)) continue;
    const match = PROTOCOL_LINE.exec(line);
    if (!match) continue;
    const [, name = "", protocol = "", table = "", state = "", since = "", info = ""] = match;
    protocols.push({ name, protocol, table, state, since, info: info.trim() });
  }
  return protocols;
}

/** Calico names its BGP protocols Mesh_<ip>, Node_<ip> or Global_<ip>, with the IP's dots (or colons) as underscores. */
export function peerFromProtocolName(name: string): { kind: "mesh" | "node" | "global"; address: string } | undefined {
  const match = /^(Mesh|Node|Global)_(.+)$/.exec(name);
  if (!match?.[1] || !match[2]) return undefined;
  const kind = match[1] === "Mesh" ? "mesh" : match[1] === "Node" ? "node" : "global";
  const body = match[2];
  const address = /^\d+_\d+_\d+_\d+$/.test(body) ? body.replace(/_/g, ".") : body.replace(/_/g, ":");
  return { kind, address };
}
