import { readArtifact, type ArtifactEntry } from "../../config/artifacts";

/** An entry of the offline build's artifact manifest that a kind lab needs, and the pins it must match. */
export interface WantedArtifact {
  /** The entry's name in the artifact manifest. */
  readonly artifact: string;
  /** What it is, for the message: `Calico manifest v3.28.5`. */
  readonly what: string;
  readonly version: string;
  /** The pinned commit, when the entry records one. */
  readonly commit?: string;
  /** The entry must name the file it made. */
  readonly withPath?: boolean;
}

/** Whether the entry is the one wanted: there, of the pinned version (and commit), with its file when one is needed. */
export function artifactMatches(entry: ArtifactEntry | undefined, want: WantedArtifact): entry is ArtifactEntry {
  return (
    entry !== undefined &&
    entry.version === want.version &&
    (want.commit === undefined || entry.commit === want.commit) &&
    (!want.withPath || Boolean(entry.path))
  );
}

/** Why the build has no usable entry: names it, the artifact manifest, what was found and the build command that makes it. */
export function missingArtifactMessage(
  manifestPath: string,
  want: WantedArtifact,
  found: ArtifactEntry | undefined,
  build: string,
): string {
  const seen = found === undefined ? "missing" : `version ${found.version || "none"}`;
  return `the offline build has no ${want.what} for kind (${want.artifact} in ${manifestPath}: ${seen}): run bash scripts/offline/build.sh ${build}`;
}

/** The entry of the artifact manifest at `manifestPath`; throws, saying what to build (`build.sh <build>`), when it is not the one wanted. */
export function requireArtifact(manifestPath: string, want: WantedArtifact, build: string): ArtifactEntry {
  const entry = readArtifact(manifestPath, want.artifact);
  if (!artifactMatches(entry, want)) throw new Error(missingArtifactMessage(manifestPath, want, entry, build));
  return entry;
}
