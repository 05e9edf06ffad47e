import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";

/** What the program knows of the machine it runs on, which the substrates' checks and factories read. */
export interface Machine {
  /** $CALICO_LAB_CACHE: fetched tools, the offline build, VM images. */
  readonly cacheDir: string;
  /** This machine's home folder. */
  readonly home: string;
  /** The lab's name, from the stack's. */
  readonly labName: string;
}

/** Whether `command` is on this machine's PATH. */
export function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", 'command -v "$1"', "sh", command]).status === 0;
}

/** Whether this process may read `path`. */
export function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
