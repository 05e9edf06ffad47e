import versions from "../../../versions.json";
import { shellQuote } from "../../shell";
import { tigeraOperatorManifestUrl } from "./render";

/** The tigera operator's manifest of a Calico release, and the sha256 it must have. */
export interface OperatorManifestPin {
  readonly url: string;
  readonly sha256: string;
}

/**
 * The operator manifest an online kind lab applies, pinned by its sha256: the setting's digest when given, else the
 * digest versions.json records for the pinned Calico (the manifest in the Go module of the same commit, which Go's
 * checksum database vouches for). Undefined for another Calico without a digest: validation refuses that first.
 */
export function operatorManifestPin(calicoVersion: string, sha256Setting: string): OperatorManifestPin | undefined {
  const pinned = versions.kind.operatorManifest;
  const sha256 = sha256Setting || (calicoVersion === pinned.calico ? pinned.sha256 : "");
  return sha256 ? { url: tigeraOperatorManifestUrl(calicoVersion), sha256 } : undefined;
}

/** Where the verified manifest is kept: one file per digest, so a verified copy is never fetched again. */
export function operatorManifestPath(cacheDir: string, pin: OperatorManifestPin): string {
  return `${cacheDir}/kind/tigera-operator-${pin.sha256}.yaml`;
}

/**
 * Host-side: fetches the manifest into the cache unless it is there, refuses it when its sha256 is not the pinned
 * one (naming the URL and both digests), and prints its path, which the lab applies.
 */
export function operatorManifestFetchScript(cacheDir: string, pin: OperatorManifestPin): string {
  const path = operatorManifestPath(cacheDir, pin);
  return [
    "set -euo pipefail",
    `path=${shellQuote(path)}`,
    'got="$path"',
    'if [ ! -f "$path" ]; then',
    '  mkdir -p "$(dirname "$path")"',
    '  got=$(mktemp "$path.XXXXXX"); trap \'rm -f "$got"\' EXIT',
    `  curl -fsSL --retry 3 -o "$got" ${shellQuote(pin.url)}`,
    "fi",
    // A copy in the cache is checked as well: a file changed there is refused, not applied.
    'actual=$(sha256sum "$got" | cut -d" " -f1)',
    `if [ "$actual" != ${shellQuote(pin.sha256)} ]; then`,
    `  echo ${shellQuote(`refusing the tigera operator manifest from ${pin.url}: its sha256 is `)}"$actual"${shellQuote(`, pinned is ${pin.sha256} (kind.operatorManifestSha256, or versions.json for the pinned Calico)`)} >&2`,
    '  rm -f "$got"; exit 1',
    "fi",
    '[ "$got" = "$path" ] || { mv "$got" "$path"; trap - EXIT; }',
    'printf "%s\\n" "$path"',
  ].join("\n");
}
