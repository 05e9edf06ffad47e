/**
 * What the lab commands (npm run lab:status, lab:graph, lab:exec, lab:capture) say when they cannot do
 * what was asked: one place, so every command says it the same way.
 */

/** The stack has no lab: it does not exist, or it has no outputs (never brought up, or down). */
export function noLabMessage(stack: string, reason = "it has no outputs"): string {
  return `no lab in stack ${stack}: ${reason}; bring it up with npm run lab:up -- ${stack}`;
}

/** A node the stack's lab does not have, with the nodes it has. */
export function unknownNodeMessage(stack: string, node: string, known: readonly string[]): string {
  return `no node ${node} in stack ${stack}; its nodes: ${known.length > 0 ? known.join(", ") : "none"}`;
}

/** A node the outputs name but do not say how to reach (a substrate that exports no access). */
export function unreachableNodeMessage(stack: string, node: string): string {
  return `node ${node} in stack ${stack}: the stack's outputs do not say how to reach it (its substrate exports no access)`;
}

/** An interface the node does not have, with the ones it has. */
export function unknownInterfaceMessage(node: string, iface: string, interfaces: readonly string[]): string {
  return `no interface ${iface} on node ${node}; its interfaces: ${interfaces.length > 0 ? interfaces.join(", ") : "none"} (or any)`;
}
