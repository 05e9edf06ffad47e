/**
 * Calico nodes that start at once per core of the machine running Pulumi, when `calico.startWave` is 0: the
 * largest lab measured to come up with every node started at once on our 2-core machines (docs/benchmarks.md),
 * so labs up to that size start as before and larger ones start in waves of it.
 */
export const START_WAVE_PER_CORE = 16;

/**
 * `calico.startWave` on this machine: the setting, or START_WAVE_PER_CORE per core when it is 0. The cores are a
 * fact of the machine (os.availableParallelism()), read where the program reads the machine, not in the settings.
 */
export function resolveStartWave(setting: number, cores: number): number {
  return setting > 0 ? setting : START_WAVE_PER_CORE * Math.max(1, Math.floor(cores));
}
