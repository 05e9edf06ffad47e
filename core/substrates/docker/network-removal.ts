/**
 * What to say when `docker network rm` of the lab network keeps failing. Docker 20.10 can go on counting
 * endpoints on a network after removing many of its containers at once on a loaded machine: no container
 * is attached, yet the network "has active endpoints" until the
 * engine restarts. Nothing the lab can undo; the user can.
 */
export function networkRemoveFailure(network: string, said: string, attachedContainers: number): string {
  const reason = said.trim();
  if (attachedContainers === 0 && /active endpoints/i.test(reason)) {
    return (
      `removing the lab network ${network}: Docker still counts endpoints on it although no container is attached ` +
      `(${reason}). That count is the engine's own, left behind when it removed many containers at once on a busy ` +
      "machine; restarting the Docker engine clears it. Then run npm run lab:down again."
    );
  }
  return `removing the lab network ${network} failed: ${reason}`;
}
