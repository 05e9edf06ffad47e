/**
 * The seam between what runs inside a node and how it gets there. Node-side scripts are plain POSIX sh
 * text (calicoctl, cnitool, file writes, probes); a NodeShell turns one into the bash the machine
 * running Pulumi executes (`docker exec` for containers, `ssh` for hosts and VMs). Every transport
 * lives in core/transports and nowhere else.
 */
export interface NodeShell {
  /** Host-side bash that runs `script` inside the node; `tolerate` makes a gone node a warning, not a failure. */
  run(script: string, options?: { readonly tolerate?: string }): string;
  /** Host-side bash that copies the files of a host directory into a directory of the node (made if missing). */
  copyDir(hostDir: string, nodeDir: string): string;
}

/** `command` reading `text` from a quoted here-document; `rest` continues the command's line before the text. */
export function withStdin(command: string, text: string, rest = "", delimiter = "CALICO_LAB_EOF"): string {
  const body = text.endsWith("\n") ? text : `${text}\n`;
  if (body.split("\n").includes(delimiter)) throw new Error(`here-document text contains its own delimiter ${delimiter}`);
  return `${command} <<'${delimiter}'${rest}\n${body}${delimiter}`;
}

/** What a tolerant step prints on stderr when its node is already gone (removed by hand, or destroyed first). */
export function orWarn(what: string): string {
  return ` || echo "calico-lab: ${what} failed; the node may already be gone" >&2`;
}

/** The delimiter a transport wraps node scripts in; node scripts use CALICO_LAB_EOF for their own here-documents. */
export const NODE_SCRIPT_DELIMITER = "CALICO_LAB_NODE_SCRIPT";

/** Host-side bash that pipes a node script into `command` (which runs `sh -s` in the node). */
export function pipeScript(command: string, script: string, tolerate?: string): string {
  return withStdin(command, script, tolerate ? orWarn(tolerate) : "", NODE_SCRIPT_DELIMITER);
}
