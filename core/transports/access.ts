import { dockerShell } from "./docker";
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
