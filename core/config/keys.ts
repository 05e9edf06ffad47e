import type { LabConfig } from "./types";

/** Every top-level setting, in the order Pulumi.yaml declares them. */
export const SETTING_KEYS: readonly (keyof LabConfig)[] = [
  "scenario",
  "substrate",
  "imageMode",
  "underlay",
  "calico",
  "bgp",
  "etcd",
  "ipPools",
  "cni",
  "workloads",
  "artifacts",
  "kind",
  "vpp",
  "qemu",
  "ssh",
  "kubernetes",
];

/** Docker and Pulumi names for a lab: lowercase letters, digits and dashes. */
export function labNameFor(stack: string): string {
  return `calicolab-${stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}`;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv, home: string): string {
  return env.CALICO_LAB_CACHE || `${env.XDG_CACHE_HOME || `${home}/.cache`}/calico-lab`;
}

export function manifestPathFor(configured: string, env: NodeJS.ProcessEnv, cacheDir: string): string {
  return configured || env.CALICO_LAB_ARTIFACTS || `${cacheDir}/artifacts/manifest.json`;
}
