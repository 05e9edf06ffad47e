import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { observeFromCalicoNodeStatus, observeFromGobgp } from "../../../core/substrates/kind/observed";
import { parseManifest, renderCalicoNodeStatus } from "../../../core/substrates/kind/render";
import {
  calicoNodeStatusCommand,
  calicoNodeStatusReadyCheck,
  conflistCommand,
  gobgpNeighborCommand,
  gobgpReadyCheck,
  gobgpRibCommand,
} from "../../../core/substrates/kind/scripts";
import { compareTopology, type ObservedTopology, type TopologyComparison } from "../../../core/observed";
import type { ExpectedTopology } from "../../../core/topology";
import { onEngineArgv, type KindEngine } from "../../../core/substrates/kind/engine";
import { LiveProbe } from "../../lab/live-probe";

export interface KindBgpStatusArgs {
  /** The cluster's Kubernetes provider, for the CalicoNodeStatus requests. */
  readonly provider: k8s.Provider;
  /** kdd reads CalicoNodeStatus (BIRD in calico-node); vpp reads the calico-vpp agents' GoBGP. */
  readonly source: "calicoNodeStatus" | "gobgp";
  /** kind nodes, control plane first (plain: one status request each). */
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
 * The live BGP status of a kind lab. kdd: one CalicoNodeStatus per node (Agent, BGP and Routes classes),
 * which calico-node fills in, read back with kubectl. vpp: `gobgp neighbor` and `gobgp global rib` in
 * each node's calico-vpp agent. Also reads the CNI conflist the operator wrote on the control plane.
 */
export class KindBgpStatus extends pulumi.ComponentResource {
  public readonly observed: pulumi.Output<ObservedTopology>;
  public readonly comparison: pulumi.Output<TopologyComparison>;
  public readonly conflist: pulumi.Output<string>;

  constructor(name: string, args: KindBgpStatusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:kind:KindBgpStatus", name, {}, opts);
    const controlPlane = args.nodes[0] ?? "";
    const expected = pulumi.output(args.expected);
    const sessionsPerNode = expected.apply((topology) => ({
      peerType: topology.mode === "mesh" ? ("NodeMesh" as const) : ("NodePeer" as const),
      want: args.nodes.map((node) => ({ node, sessions: topology.sessions.filter((s) => s.a === node || s.b === node).length })),
    }));

    const requests =
      args.source === "calicoNodeStatus"
        ? args.nodes.map((node, index) => {
            const [object] = parseManifest(renderCalicoNodeStatus({ name: `${name}-${index + 1}`, node, updatePeriodSeconds: 10 }));
            if (!object) throw new Error("the CalicoNodeStatus template rendered no object");
            return new k8s.apiextensions.CustomResource(`${name}-request-${index + 1}`, object, { parent: this, provider: args.provider });
          })
        : [];

    const on = (argv: string[]) => onEngineArgv(args.engine, argv);
    const commands: Record<string, string[]> = { conflist: on(conflistCommand(controlPlane)) };
    if (args.source === "calicoNodeStatus") commands["calico-node-status"] = on(calicoNodeStatusCommand(controlPlane));
    else
      for (const node of args.nodes) {
        commands[`${node}/neighbors`] = on(gobgpNeighborCommand(controlPlane, node));
        commands[`${node}/rib`] = on(gobgpRibCommand(controlPlane, node));
      }

    const probe = new LiveProbe(
      `${name}-probe`,
      {
        commands,
        ready: sessionsPerNode.apply(({ peerType, want }) => ({
          command: on(
            args.source === "calicoNodeStatus"
              ? calicoNodeStatusReadyCheck(controlPlane, want, peerType)
              : gobgpReadyCheck(controlPlane, want),
          ),
          timeoutSeconds: args.timeoutSeconds ?? 900,
        })),
        triggers: args.triggers,
      },
      { parent: this, dependsOn: requests },
    );

    this.observed = pulumi.all([expected, probe.readings]).apply(([topology, readings]) => {
      if (args.source === "calicoNodeStatus") {
        const status = readings["calico-node-status"];
        return observeFromCalicoNodeStatus(topology, status?.stdout ?? "", status?.error);
      }
      return observeFromGobgp(
        topology,
        args.nodes.map((node) => {
          const neighbors = readings[`${node}/neighbors`];
          const rib = readings[`${node}/rib`];
          const error = neighbors?.error ?? rib?.error;
          return { node, neighbors: neighbors?.stdout ?? "", rib: rib?.stdout ?? "", ...(error ? { error } : {}) };
        }),
      );
    });
    this.comparison = pulumi.all([expected, this.observed]).apply(([topology, observed]) => compareTopology(topology, observed));
    this.conflist = probe.readings.apply((readings) => readings.conflist?.stdout ?? "");
    this.registerOutputs({ observed: this.observed, comparison: this.comparison, conflist: this.conflist });
  }
}
