/** kind's node names without the cluster's: control-plane, worker, worker2, ... (kind's own namer). */
export function kindRoles(workers: number): string[] {
  return ["control-plane", ...Array.from({ length: workers }, (_, i) => `worker${i === 0 ? "" : String(i + 1)}`)];
}
