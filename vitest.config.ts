import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      // The global setup fetches (once, into the cache) the schemas the manifest tests validate against.
      {
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 30000, globalSetup: ["test/schemas/global-setup.ts"] },
      },
      { test: { name: "component", include: ["test/component/**/*.test.ts"], testTimeout: 30000 } },
      // One end-to-end file at a time: the qemu suite's VMs (TCG on 2 cores) must not share the CPU with the docker labs.
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 1800000,
          hookTimeout: 600000,
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
