import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { VppManifestValues } from "../../core/substrates/kind/render";

// The tests' fixtures: seen output and reviewed texts under test/fixtures, and the values the kind VPP tests render with.

/** The path of a fixture, by its parts below test/fixtures: `fixturePath("kind", "calico-manifest-mini.yaml")`. */
export const fixturePath = (...parts: string[]): string => join(__dirname, "..", "fixtures", ...parts);

/** A fixture's text, by its parts below test/fixtures. */
export const fixture = (...parts: string[]): string => readFileSync(fixturePath(...parts), "utf8");

/** Calico/VPP's manifest values the kind tests render with: af_packet on eth0, no hugepages. */
export const VPP_VALUES: VppManifestValues = {
  version: "v3.28.0",
  uplinkInterface: "eth0",
  driver: "af_packet",
  hugepages: 0,
  serviceSubnet: "10.96.0.0/12",
  dnsServer: "172.18.0.1",
};
