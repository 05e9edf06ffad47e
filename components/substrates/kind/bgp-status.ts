import * as pulumi from "@pulumi/pulumi";
import { observeFromGobgp } from "../../../core/substrates/kind/observed";
import { gobgpNeighborCommand, gobgpReadyCheck, gobgpRibCommand } from "../../../core/substrates/kind/scripts";
import { compareTopology, type ObservedDataplane, type ObservedTopology, type TopologyComparison } from "../../../core/observed";
import { sessionCountOf, type ExpectedTopology } from "../../../core/topology";
import { onEngineArgv, type KindEngine } from "../../../core/substrates/kind/engine";
import { LiveProbe } from "../../lab/live-probe";
import type { LabStatus } from "../../lab/platform";

export interface GobgpStatusArgs {
  /** kind nodes, control plane first (plain: two reads each). */
  readonly nodes: readonly string[];
  /** Expected sessions, with the nodes' addresses once the cluster exists. */
  readonly expected: pulumi.Input<ExpectedTopology>;
  /** Any change reads the cluster again (e.g. the cluster was created again). */
  readonly triggers: pulumi.Input<unknown>;
  /** The engine the kind nodes run on: every command's docker talks to it. */
  readonly engine: KindEngine;
  /** Seconds to wait for every expected session to be Established before reading (image pulls included). */
  readonly timeoutSeconds?: number;
}

/**
 * The live BGP status of Calico/VPP on kind, whose BGP speaker is the calico-vpp agent's GoBGP, not BIRD:
 * `gobgp neighbor` and `gobgp global rib` in each node's agent, read into the same status as BIRD's.
 */
export class GobgpStatus extends pulumi.ComponentResource implements LabStatus {
  public readonly observed: pulumi.Output<ObservedTopology>;
  public readonly comparison: pulumi.Output<TopologyComparison>;
  public readonly dataplane: pulumi.Output<ObservedDataplane>;

  constructor(name: string, args: GobgpStatusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:kind:GobgpStatus", name, {}, opts);
    const controlPlane = args.nodes[0] ?? "";
    const expected = pulumi.output(args.expected);
    const on = (argv: string[]) => onEngineArgv(args.engine, argv);
    const commands: Record<string, string[]> = {};
    for (const node of args.nodes) {
      commands[`${node}/neighbors`] = on(gobgpNeighborCommand(controlPlane, node));
      commands[`${node}/rib`] = on(gobgpRibCommand(controlPlane, node));
    }
    const probe = new LiveProbe(
      `${name}-probe`,
      {
        commands,
        ready: expected.apply((topology) => ({
          command: on(gobgpReadyCheck(controlPlane, sessionsPerNode(topology, args.nodes))),
          timeoutSeconds: args.timeoutSeconds ?? 900,
        })),
        triggers: args.triggers,
      },
      { parent: this },
    );
    this.observed = pulumi.all([expected, probe.readings]).apply(([topology, readings]) =>
      observeFromGobgp(
        topology,
        args.nodes.map((node) => {
          const neighbors = readings[`${node}/neighbors`];
          const rib = readings[`${node}/rib`];
          const error = neighbors?.error ?? rib?.error;
          return { node, neighbors: neighbors?.stdout ?? "", rib: rib?.stdout ?? "", ...(error ? { error } : {}) };
        }),
      ),
    );
    this.comparison = pulumi.all([expected, this.observed]).apply(([topology, observed]) => compareTopology(topology, observed));
    this.dataplane = pulumi.all([expected, this.observed]).apply(([topology, observed]) => blocksFromRoutes(topology, observed));
    this.registerOutputs({ observed: this.observed, comparison: this.comparison, dataplane: this.dataplane });
  }
}

function sessionsPerNode(topology: ExpectedTopology, nodes: readonly string[]) {
  return nodes.map((node) => ({ node, sessions: sessionCountOf(topology, node) }));
}

/** GoBGP's routes say whose block each prefix is (the next hop's node); Calico/VPP has no tunnel devices. */
function blocksFromRoutes(topology: ExpectedTopology, observed: ObservedTopology): ObservedDataplane {
  const blocks: Record<string, string[]> = {};
  const tunnels: ObservedDataplane["tunnels"] = {};
  for (const node of topology.nodes) {
    const own = new Set<string>();
    for (const routes of Object.values(observed.routes)) for (const r of routes) if (r.viaNode === node.name) own.add(r.prefix);
    blocks[node.name] = [...own].sort();
  }
  return { blocks, tunnels };
}
