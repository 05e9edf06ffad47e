/** The parts of a CNI ADD result (spec 0.3.x to 1.0.0) that the lab reports. */
export interface CniAddResult {
  readonly cniVersion: string;
  readonly interfaces: readonly string[];
  /** Addresses with their prefix length, e.g. 10.1.127.192/32. */
  readonly addresses: readonly string[];
}

export class CniResultError extends Error {}

export function parseCnitoolAdd(output: string): CniAddResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    throw new CniResultError(`cnitool add did not print a JSON result: ${output.slice(0, 200)}`);
  }
  if (typeof parsed !== "object" || parsed === null) throw new CniResultError("cnitool add printed JSON that is not an object");
  const result = parsed as { cniVersion?: unknown; interfaces?: unknown; ips?: unknown; code?: unknown; msg?: unknown };
  if (result.code !== undefined) throw new CniResultError(`CNI error ${String(result.code)}: ${String(result.msg)}`);
  const interfaces = Array.isArray(result.interfaces)
    ? result.interfaces.flatMap((i: { name?: unknown }) => (typeof i?.name === "string" ? [i.name] : []))
    : [];
  const addresses = Array.isArray(result.ips)
    ? result.ips.flatMap((ip: { address?: unknown }) => (typeof ip?.address === "string" ? [ip.address] : []))
    : [];
  if (addresses.length === 0) throw new CniResultError("cnitool add result has no IP addresses");
  return { cniVersion: typeof result.cniVersion === "string" ? result.cniVersion : "", interfaces, addresses };
}
