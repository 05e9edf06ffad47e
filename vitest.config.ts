import { defineConfig } from "vitest/config";

/**
 * The suites that run qemu VMs (TCG on 2 cores), and the kubernetes substrate's (a three-node kind cluster with a lab
 * of Pods in it): they run alone, one at a time, after the Docker suites.
 */
const VM_SUITES = ["test/e2e/*-qemu.test.ts", "test/e2e/bird-ssh-hosts.test.ts", "test/e2e/kubernetes-substrate.test.ts"];
/**
 * Unit and component tests: a test's or a hook's time is never an assertion (speed lives in the benchmarks), so
 * both get the same generous limit: a component file's first hook loads Pulumi's runtime, which takes over
 * vitest's 10 s hook default on a loaded 2-core machine.
 */
const OFFLINE = { testTimeout: 60000, hookTimeout: 60000 };
/** Fails the run when a unit or component test leaves a temporary folder of ours behind. */
const NO_STRANDED_TEMP = "test/support/no-stranded-temp.ts";
const LIVE = { testTimeout: 1800000, hookTimeout: 600000 };

export default defineConfig({
  test: {
    // Two Docker end-to-end files at a time (each on an underlay range of its own: test/e2e/live.ts freeUnderlay);
    // their labs mostly wait on calico-node's start. Vitest's default on 2 cores is one.
    maxWorkers: 2,
    projects: [
      // The global setup fetches (once, into the cache) the schemas the manifest tests validate against.
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          ...OFFLINE,
          globalSetup: ["test/schemas/global-setup.ts", NO_STRANDED_TEMP],
        },
      },
      { test: { name: "component", include: ["test/component/**/*.test.ts"], ...OFFLINE, globalSetup: [NO_STRANDED_TEMP] } },
      { test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], exclude: VM_SUITES, ...LIVE, sequence: { groupOrder: 1 } } },
      {
        test: {
          name: "e2e-vm",
          include: VM_SUITES,
          ...LIVE,
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
