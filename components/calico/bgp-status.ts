import * as pulumi from "@pulumi/pulumi";
import type { Network } from "../../core/addressing";
import {
  BIRD_PROTOCOLS_SCRIPT,
  convergenceDiagnostics,
  dataplaneReadyScript,
  ROUTES_SCRIPT,
  sessionsEstablishedScript,
  TUNNELS_SCRIPT,
} from "../../core/node-scripts";
import {
  compareTopology,
  observeDataplane,
  observeTopology,
  type NodeReadings,
  type ObservedDataplane,
  type ObservedTopology,
  type TopologyComparison,
} from "../../core/observed";
import { everyNodeHolds } from "../../core/settle";
import { sessionCountOf, type ExpectedTopology } from "../../core/topology";
import { HOST_BASH } from "../lab/host-command";
import { LiveProbe, type ProbeReadiness, type ProbeReading } from "../lab/live-probe";
import { goesWithNode, type StepTarget } from "../lab/node-step";

export interface BgpStatusNode extends StepTarget {
  readonly nodeName: string;
}

export interface BgpStatusArgs {
  /** The sessions the settings expect, with the nodes' addresses (known once the nodes exist, on kind). */
  readonly expected: pulumi.Input<ExpectedTopology>;
  readonly nodes: readonly BgpStatusNode[];
  /** The lab's IP pools: routes into them are the ones that count, blackholes in them are a node's own blocks. */
  readonly pools: readonly Network[];
  /** What the nodes' dataplanes must show before reading: a VXLAN tunnel address, and routes to this many other nodes' blocks. */
  readonly dataplane: { readonly vxlan: boolean; readonly remoteBlocks: number };
  /** Seconds to wait for every expected session to be Established before reading. */
  readonly timeoutSeconds: number;
  /** Fail the step, with diagnostics from every node, when the sessions are not all Established in time. */
  readonly failWhenNotConverged: boolean;
  /** A forwarding plane besides the kernel: node-side scripts read on every node, and a check waited for with the others. */
  readonly forwarding?: { readonly reads: Readonly<Record<string, string>>; readonly ready: string };
}

/** Reads BIRD's protocols, the routes and the tunnel devices of every node once the sessions settle; refresh reads them again. */
export class BgpStatus extends pulumi.ComponentResource {
  public readonly observed: pulumi.Output<ObservedTopology>;
  public readonly dataplane: pulumi.Output<ObservedDataplane>;
  public readonly comparison: pulumi.Output<TopologyComparison>;
  /** Per node, the forwarding plane's reads by name (empty without `forwarding`). */
  public readonly forwarding: pulumi.Output<Record<string, Record<string, ProbeReading>>>;

  constructor(name: string, args: BgpStatusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:calico:BgpStatus", name, {}, opts);
    const expected = pulumi.output(args.expected);
    const inNode = (node: BgpStatusNode, script: string) => [...HOST_BASH, node.shell.run(script)];
    const probe = new LiveProbe(
      `${name}-probe`,
      {
        commands: Object.fromEntries(
          args.nodes.flatMap((node) => [
            [`${node.nodeName}/protocols`, inNode(node, BIRD_PROTOCOLS_SCRIPT)],
            [`${node.nodeName}/routes`, inNode(node, ROUTES_SCRIPT)],
            [`${node.nodeName}/tunnels`, inNode(node, TUNNELS_SCRIPT)],
            ...Object.entries(args.forwarding?.reads ?? {}).map(([what, script]) => [`${node.nodeName}/${what}`, inNode(node, script)]),
          ]),
        ),
        ready: expected.apply((topology) => readiness(args, topology, inNode)),
        triggers: pulumi.all(args.nodes.map((node) => node.instanceId)),
      },
      // A probe only reads, and has nothing to undo: no delete of its own when the nodes go in the same destroy.
      { parent: this, ...goesWithNode(args.nodes[0]) },
    );
    const readings = probe.readings.apply((all) => args.nodes.map((node) => nodeReadings(node.nodeName, all)));
    this.observed = pulumi.all([expected, readings]).apply(([topology, list]) => observeTopology(topology, list, args.pools));
    this.dataplane = readings.apply((list) => observeDataplane(list, args.pools));
    this.comparison = pulumi.all([expected, this.observed]).apply(([topology, observed]) => compareTopology(topology, observed));
    const forwardingReads = Object.keys(args.forwarding?.reads ?? {});
    this.forwarding = probe.readings.apply((all) =>
      Object.fromEntries(
        args.nodes.map((node) => [
          node.nodeName,
          Object.fromEntries(forwardingReads.map((what) => [what, all[`${node.nodeName}/${what}`] ?? { stdout: "", error: "not read" }])),
        ]),
      ),
    );
    this.registerOutputs({ observed: this.observed, dataplane: this.dataplane, comparison: this.comparison, forwarding: this.forwarding });
  }
}

/** Every node holds its expected sessions (of the expected kind) and its dataplane is programmed; or the step fails, with diagnostics. */
function readiness(
  args: BgpStatusArgs,
  expected: ExpectedTopology,
  inNode: (node: BgpStatusNode, script: string) => string[],
): ProbeReadiness {
  return {
    command: [
      ...HOST_BASH,
      everyNodeHolds(
        args.nodes.map((node) => ({
          shell: node.shell,
          check: [
            sessionsEstablishedScript(sessionCountOf(expected, node.nodeName), expected.mode),
            dataplaneReadyScript(args.dataplane),
            ...(args.forwarding ? [args.forwarding.ready] : []),
          ].join(" && "),
        })),
        args.timeoutSeconds,
      ),
    ],
    timeoutSeconds: args.timeoutSeconds,
    ...(args.failWhenNotConverged
      ? {
          failure: {
            reason: `the lab did not reach its expected BGP topology (${expected.sessions.length} sessions Established from both ends, and routes to the other nodes' blocks; bgp.convergeTimeoutSeconds)`,
            diagnostics: Object.fromEntries(
              args.nodes.flatMap((node) =>
                Object.entries(convergenceDiagnostics()).map(([what, script]) => [`${node.nodeName}: ${what}`, inNode(node, script)]),
              ),
            ),
          },
        }
      : {}),
  };
}

function nodeReadings(node: string, all: Record<string, ProbeReading>): NodeReadings {
  const [protocols, routes, tunnels] = ["protocols", "routes", "tunnels"].map((what) => all[`${node}/${what}`]);
  const error = protocols?.error ?? routes?.error;
  return {
    node,
    birdProtocols: protocols?.stdout ?? "",
    routes: routes?.stdout ?? "",
    tunnels: tunnels?.stdout ?? "",
    ...(error ? { error } : {}),
  };
}
