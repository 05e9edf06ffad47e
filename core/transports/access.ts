import { dockerNetnsTool, dockerShell } from "./docker";
import type { NodeShell } from "./node-shell";

/**
 * How to reach a node, as plain data: exported with the stack's outputs, so that tools outside the Pulumi
 * program (npm run lab:status, lab:exec) reach every node the way the lab itself does.
 */
export type NodeAccess = { readonly transport: "docker"; readonly container: string };

/** The NodeShell for a node's access: the one place that maps a transport's name to its code. */
export function shellFor(access: NodeAccess): NodeShell {
  switch (access.transport) {
    case "docker":
      return dockerShell(access.container);
  }
}

/**
 * Host-side bash that runs a network tool (`argv`, e.g. tcpdump) where it sees the node's interfaces,
 * its stdout the tool's: for a container, beside it in its network namespace from `image` (the node
 * image need not carry the tool).
 */
export function netnsToolFor(access: NodeAccess, image: string, argv: readonly string[]): string {
  switch (access.transport) {
    case "docker":
      return dockerNetnsTool(access.container, image, argv);
  }
}
