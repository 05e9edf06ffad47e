/**
 * The order in which Calico nodes start, as waves of indexes into `names`: the nodes named in `first` (route
 * reflectors: every other node peers with them) lead, then the rest in their order, `size` to a wave. A size
 * of 0 (or one at least as large as the lab) is one wave: every node at once.
 */
export function startWaves(names: readonly string[], first: readonly string[], size: number): number[][] {
  const indexes = names.map((_, i) => i);
  const leading = indexes.filter((i) => first.includes(names[i] ?? ""));
  const order = [...leading, ...indexes.filter((i) => !leading.includes(i))];
  const width = size > 0 ? size : Math.max(1, order.length);
  const waves: number[][] = [];
  for (let at = 0; at < order.length; at += width) waves.push(order.slice(at, at + width));
  return waves;
}

/**
 * Runs `start(i)` for every index in `waves`, those of a wave once every start of the wave before has finished
 * (the direct script's pacing, as the lab's dependencies pace its nodes); returns each start's promise by index.
 * A failed start fails the waves after it too.
 */
export function inWaves(waves: readonly (readonly number[])[], start: (index: number) => Promise<void>): Promise<void>[] {
  const started: Promise<void>[] = [];
  let gate: Promise<unknown> = Promise.resolve();
  for (const wave of waves) {
    const open = gate;
    for (const i of wave) started[i] = open.then(() => start(i));
    gate = Promise.all(wave.map((i) => started[i]));
  }
  // The last gate is awaited by nobody: its failure is already that of the starts it waited for.
  gate.catch(() => undefined);
  return started;
}
