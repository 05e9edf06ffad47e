/** A route from `ip route show`. */
export interface KernelRoute {
  readonly prefix: string;
  readonly type: "unicast" | "blackhole" | "unreachable" | "prohibit";
  readonly via?: string;
  readonly dev?: string;
  /** Who installed it: `bird`, or Felix's number (80) for the routes it programs, such as VXLAN's. */
  readonly proto?: string;
}

const SPECIAL_TYPES = new Set(["blackhole", "unreachable", "prohibit"]);

export function parseIpRoutes(output: string): KernelRoute[] {
  const routes: KernelRoute[] = [];
  for (const line of output.split(/\r?\n/)) {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    let type: KernelRoute["type"] = "unicast";
    if (words[0] && SPECIAL_TYPES.has(words[0])) type = words.shift() as KernelRoute["type"];
    const prefix = words.shift();
    if (!prefix) continue;
    const field = (key: string) => {
      const index = words.indexOf(key);
      return index >= 0 ? words[index + 1] : undefined;
    };
    const via = field("via");
    const dev = field("dev");
    const proto = field("proto");
    routes.push({
      prefix: prefix === "default" ? "0.0.0.0/0" : prefix.includes("/") ? prefix : `${prefix}/32`,
      type,
      ...(via ? { via } : {}),
      ...(dev ? { dev } : {}),
      ...(proto ? { proto } : {}),
    });
  }
  return routes;
}
