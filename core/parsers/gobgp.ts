/** Parsers for the gobgp CLI (osrg/gobgp v3) that the calico-vpp agent image carries. */

export interface GobgpNeighbor {
  readonly peer: string;
  readonly as: string;
  /** The Up/Down column: time since the session came up (or went down), e.g. "00:01:02" or "1d 02:03:04"; "never". */
  readonly upDown: string;
  /** The State column as printed: Idle, Connect, Active, Sent, Confirm, Establ, Idle(Admin)... */
  readonly state: string;
  readonly received: number;
  readonly accepted: number;
}

const NEIGHBOR_ROW = /^(\S+)\s+(\S+)\s+((?:\d+d )?\S+)\s+(\S+)\s*\|\s*(\d+)\s+(\d+)\s*$/;

/** `gobgp neighbor`: "Peer AS Up/Down State |#Received Accepted", one row per neighbor. */
export function parseGobgpNeighbors(output: string): GobgpNeighbor[] {
  const rows: GobgpNeighbor[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = NEIGHBOR_ROW.exec(line.trim());
    if (!m || m[1] === "Peer") continue;
    rows.push({ peer: m[1] ?? "", as: m[2] ?? "", upDown: m[3] ?? "", state: m[4] ?? "", received: Number(m[5]), accepted: Number(m[6]) });
  }
  return rows;
}

const STATE_NAMES: Readonly<Record<string, string>> = {
  Establ: "Established",
  Sent: "OpenSent",
  Confirm: "OpenConfirm",
};

/** GoBGP's abbreviated state as Calico names BGP session states (Established, OpenSent, ...). */
export function gobgpStateName(state: string): string {
  return STATE_NAMES[state] ?? state;
}

export interface GobgpRoute {
  readonly prefix: string;
  readonly nextHop: string;
  readonly best: boolean;
}

const RIB_ROW = /^(\*>|\*)\s*(\S+\/\d+)\s+(\S+)/;

/** `gobgp global rib -a ipv4`: one row per path, "*>" marking the best one. */
export function parseGobgpRib(output: string): GobgpRoute[] {
  const routes: GobgpRoute[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = RIB_ROW.exec(line.trim());
    if (!m) continue;
    routes.push({ prefix: m[2] ?? "", nextHop: m[3] ?? "", best: m[1] === "*>" });
  }
  return routes;
}
