/** How long `npm run lab:capture` captures, in seconds: a capture is always bounded. */
export const CAPTURE_SECONDS = { default: 10, min: 1, max: 300 } as const;

/** The capture's length from the command line (default when absent); a clear error when it is not a whole number in range. */
export function captureSeconds(text: string | undefined): number {
  if (text === undefined) return CAPTURE_SECONDS.default;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < CAPTURE_SECONDS.min || seconds > CAPTURE_SECONDS.max) {
    throw new Error(`seconds = "${text}": a whole number of seconds from ${CAPTURE_SECONDS.min} to ${CAPTURE_SECONDS.max} is allowed`);
  }
  return seconds;
}

/** The node-side script that lists its interfaces (parseInterfaces reads its output). */
export const INTERFACES_SCRIPT = "ip -o link show";

/** Interface names in `ip -o link show` output (`5: cali1234@if4: <...>` gives cali1234). */
export function parseInterfaces(output: string): string[] {
  return output
    .split("\n")
    .map((line) => /^\d+:\s+([^:@\s]+)(?:@[^:\s]+)?:/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/**
 * The capture as argv, run in the node's network namespace: tcpdump writes pcap to its stdout,
 * unbuffered per packet (-U), without name lookups, and `timeout` stops it with SIGINT (so it flushes)
 * after `seconds`. `filter`: a tcpdump filter expression's words (empty: every packet).
 */
export function tcpdumpArgv(iface: string, seconds: number, filter: readonly string[] = []): string[] {
  return ["timeout", "-s", "INT", String(seconds), "tcpdump", "-i", iface, "-n", "-U", "-w", "-", ...filter];
}

/** timeout's exit status when it stopped the capture: the capture ran its full time, which is success. */
export const TIMED_OUT = 124;
