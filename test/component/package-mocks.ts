import { afterAll, beforeAll } from "vitest";
import { installMocks } from "./harness";

/**
 * The package's component tests: the bird lab's two nodes in a mesh on an underlay whose addresses start with
 * `net` (calico1 at .5, calico2 at .6), on a machine without an offline build, so `auto` is online.
 */
export function mockPackageLab(net: string): void {
  const address: Record<string, string> = { calico1: `${net}.5`, calico2: `${net}.6` };
  installMocks((node) =>
    Object.keys(address)
      .filter((n) => n !== node)
      .map((n) => `Mesh_${address[n]!.replaceAll(".", "_")}`),
  );
  const previousCache = process.env.CALICO_LAB_CACHE;
  beforeAll(() => {
    process.env.CALICO_LAB_CACHE = "/nonexistent/calico-lab-cache";
  });
  afterAll(() => {
    if (previousCache === undefined) delete process.env.CALICO_LAB_CACHE;
    else process.env.CALICO_LAB_CACHE = previousCache;
  });
}
