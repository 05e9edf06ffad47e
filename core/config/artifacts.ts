import { existsSync, readFileSync } from "node:fs";

/** One entry of the offline build's artifact manifest (scripts/offline/*.sh record them). */
export interface ArtifactEntry {
  readonly version?: string;
  readonly commit?: string;
  readonly path?: string;
  readonly sha256?: string;
}

/** The manifest's entry `name`; undefined when the manifest or the entry is missing or unreadable. */
export function readArtifact(manifestPath: string, name: string): ArtifactEntry | undefined {
  if (!existsSync(manifestPath)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(manifestPath, "utf8")) as { artifacts?: Record<string, ArtifactEntry> };
    return parsed.artifacts?.[name];
  } catch {
    return undefined;
  }
}

export function hasArtifact(manifestPath: string, name: string): boolean {
  return readArtifact(manifestPath, name) !== undefined;
}
