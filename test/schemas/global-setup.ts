/**
 * Vitest global setup of the unit tests: makes sure the schemas the manifest tests validate against are in
 * the cache, fetching them from the Go module proxy on the first run (later runs find them there). When that is
 * impossible it does not stop the other tests: the manifest tests fail with the reason and what to do.
 */
import type { TestProject } from "vitest/node";
import { currentPins, describePins, fetchSchemas, schemaRoot } from "./fetch";

declare module "vitest" {
  export interface ProvidedContext {
    /** Why the schemas could not be fetched; empty when they are in the cache. */
    schemasError: string;
  }
}

export default function setup(project: TestProject): void {
  const root = schemaRoot();
  const started = Date.now();
  try {
    const { fetched } = fetchSchemas(root, (line) => process.stderr.write(`[schemas] ${line}\n`));
    if (fetched) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stderr.write(`[schemas] ${describePins(currentPins())} are in ${root} (${seconds} s, once)\n`);
    }
    project.provide("schemasError", "");
  } catch (error) {
    const reason = (error as Error).message;
    process.stderr.write(`[schemas] could not fetch the schemas into ${root}: ${reason}\n`);
    project.provide("schemasError", reason);
  }
}
