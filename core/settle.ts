import type { NodeShell } from "./transports/node-shell";

/** A node and what must hold in it: node-side sh that exits 0 once it does. */
export interface NodeCheck {
  readonly shell: NodeShell;
  readonly check: string;
}

/**
 * How often each node of a lab this wide runs its check: every quarter second, but no more than 16 checks
 * a second in the whole lab (each runs BIRD's client and a few processes in a node, and 16 calico-nodes
 * starting already keep 2 cores busy).
 */
export function pollSecondsFor(nodes: number): number {
  return Math.max(0.25, nodes / 16);
}

/**
 * How long a Calico node may take to be ready (BIRD answering) when this many start at once: 120 s, and 4 s a
 * node beyond 30. Many calico-nodes starting at once share the machine's cores, so a large lab's nodes need
 * far longer than the seconds a small lab's take.
 * A deadline only: the lab goes on as soon as each node is ready.
 */
export function calicoNodeReadySeconds(nodes: number): number {
  return Math.max(120, 4 * nodes);
}

/** Node-side sh: runs `check` every `everySeconds` until it passes; exits 1 once `timeoutSeconds` have passed. */
export function untilPasses(check: string, timeoutSeconds: number, everySeconds = 0.25): string {
  return [
    `end=$(($(date +%s) + ${Math.ceil(timeoutSeconds)}))`,
    `until { ${check}; } >/dev/null 2>&1; do`,
    '  [ "$(date +%s)" -lt "$end" ] || exit 1',
    `  sleep ${everySeconds}`,
    "done",
  ].join("\n");
}

/**
 * Host-side bash that runs the scripts side by side; its last command fails (then runs `orElse`) when any
 * of them failed, once all have ended. Not sooner: a node's loop goes on inside it when only its `docker exec` or ssh client
 * stops, so a caller that tried again at once would start another loop in every node still waiting.
 */
function sideBySide(scripts: readonly string[], orElse = ""): string {
  return [
    "pids=() failed=0",
    ...scripts.flatMap((script) => ["{", script, "} >/dev/null 2>&1 &", "pids+=($!)"]),
    'for pid in "${pids[@]}"; do wait "$pid" || failed=1; done',
    `[ "$failed" = 0 ]${orElse}`,
  ].join("\n");
}

/**
 * Host-side bash that passes once every node's check holds. One trip into each node, all at once, each
 * polling its own check inside the node (`pollSecondsFor`): a host-side `docker exec` or ssh costs far
 * more than the check, and checking the nodes one after another made a round as long as the lab is wide
 * (16 execs in a row at 16 nodes). Then every check once more, side by side, so that they are seen to hold together.
 */
export function everyNodeHolds(nodes: readonly NodeCheck[], timeoutSeconds: number): string {
  const every = pollSecondsFor(nodes.length);
  const polled = sideBySide(
    nodes.map((node) => node.shell.run(untilPasses(node.check, timeoutSeconds, every))),
    " || exit 1",
  );
  return `${polled}\n${everyNodeHoldsNow(nodes)}`;
}

/** Host-side bash that passes when every node's check holds now: one trip into each node, side by side. */
export function everyNodeHoldsNow(nodes: readonly NodeCheck[]): string {
  return sideBySide(nodes.map((node) => node.shell.run(node.check)));
}
