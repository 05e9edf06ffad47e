import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { calicolabProvider } from "./component-provider";

/**
 * The package's provider process, started by ./pulumi-resource-calicolab, which the engine runs as a plugin. It
 * reports the kept schema rather than making it from package/'s TypeScript on every start.
 */
void pulumi.provider.main(
  calicolabProvider(readFileSync(join(__dirname, "..", "docs", "package-schema.json"), "utf8")),
  process.argv.slice(2),
);
