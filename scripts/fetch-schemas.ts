/**
 * Fetches the schemas the manifest tests validate against (Calico's CRDs, the Kubernetes OpenAPI specs,
 * kind's config types) from the Go module proxy into `<cache>/schemas`, never into the repository.
 * `npm test` does this itself (test/schemas/global-setup.ts); this is the same step on its own.
 * Idempotent. Usage: npm run fetch:schemas
 */
import { describePins, currentPins, fetchSchemas, schemaRoot } from "../test/schemas/fetch";

const root = schemaRoot();
const started = Date.now();
try {
  const { fetched } = fetchSchemas(root, (line) => console.log(line));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    fetched
      ? `fetched the schemas for ${describePins(currentPins())} into ${root} in ${seconds} s`
      : `the schemas for ${describePins(currentPins())} are in ${root}`,
  );
} catch (error) {
  console.error(`fetch:schemas failed: ${(error as Error).message}`);
  process.exit(1);
}
