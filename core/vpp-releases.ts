/**
 * Calico VPP releases, one per Calico minor version. Each VPP release is built against (and installed
 * with) the tigera operator of the same Calico minor, so the VPP version follows the Calico version.
 *
 * Verified from the tags of github.com/projectcalico/vpp-dataplane: at each vX.Y.0 tag the kind manifest
 * (yaml/generated/calico-vpp-kind.yaml) names the images docker.io/calicovpp/{agent,vpp}:vX.Y.0. Later
 * patch tags (v3.29.1 to v3.29.4) still name the v3.29.0 images, so vX.Y.0 is the release of each line.
 */
export const VPP_RELEASES: Readonly<Record<string, string>> = {
  "v3.26": "v3.26.0",
  "v3.27": "v3.27.0",
  "v3.28": "v3.28.0",
  "v3.29": "v3.29.0",
  "v3.30": "v3.30.0",
  "v3.31": "v3.31.0",
  "v3.32": "v3.32.0",
};

/** "v3.28.5" -> "v3.28"; undefined when the text is not a vMAJOR.MINOR[.PATCH] version. */
export function minorOf(version: string): string | undefined {
  return /^(v\d+\.\d+)(\.\d+)?$/.exec(version)?.[1];
}

/** The Calico VPP release for a Calico version, or undefined when none is known for its minor version. */
export function vppReleaseFor(calicoVersion: string): string | undefined {
  const minor = minorOf(calicoVersion);
  return minor ? VPP_RELEASES[minor] : undefined;
}
