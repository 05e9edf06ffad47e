import * as pulumi from "@pulumi/pulumi";
import { birdProtocolsCommand, birdRoutesCommand, sessionsEstablishedCheck } from "../core/lab-scripts";
import { compareTopology, observeTopology, type ObservedTopology, type TopologyComparison } from "../core/observed";
import type { ExpectedTopology } from "../core/topology";
import { LiveProbe } from "./docker/probe";

export interface BgpStatusNode {
  readonly nodeName: string;
  readonly container: pulumi.Input<string>;
  readonly containerId: pulumi.Input<string>;
}

export interface BgpStatusArgs {
  readonly expected: ExpectedTopology;
  readonly nodes: readonly BgpStatusNode[];
  /** Seconds to wait for every expected session to be Established before reading. */
  readonly timeoutSeconds?: number;
}

/** Reads BIRD's protocols and BIRD-installed routes on every node once the sessions settle; refresh reads them again. */
export class BgpStatus extends pulumi.ComponentResource {
  public readonly observed: pulumi.Output<ObservedTopology>;
  public readonly comparison: pulumi.Output<TopologyComparison>;

  constructor(name: string, args: BgpStatusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:calico:BgpStatus", name, {}, opts);
    const containers = pulumi.all(args.nodes.map((node) => node.container));
    const sessionsPerNode = args.nodes.map(
      (node) => args.expected.sessions.filter((s) => s.a === node.nodeName || s.b === node.nodeName).length,
    );
    const probe = new LiveProbe(
      `${name}-probe`,
      {
        commands: containers.apply((names) =>
          Object.fromEntries(
            names.flatMap((container, i) => {
              const node = args.nodes[i]?.nodeName ?? container;
              return [
                [`${node}/protocols`, birdProtocolsCommand(container)],
                [`${node}/routes`, birdRoutesCommand(container)],
              ];
            }),
          ),
        ),
        ready: containers.apply((names) => ({
          command: sessionsEstablishedCheck(names.map((container, i) => ({ container, sessions: sessionsPerNode[i] ?? 0 }))),
          timeoutSeconds: args.timeoutSeconds ?? 180,
        })),
        triggers: pulumi.all(args.nodes.map((node) => node.containerId)),
      },
      { parent: this },
    );
    this.observed = probe.readings.apply((readings) =>
      observeTopology(
        args.expected,
        args.nodes.map((node) => {
          const protocols = readings[`${node.nodeName}/protocols`];
          const routes = readings[`${node.nodeName}/routes`];
          const error = protocols?.error ?? routes?.error;
          return { node: node.nodeName, birdProtocols: protocols?.stdout ?? "", routes: routes?.stdout ?? "", ...(error ? { error } : {}) };
        }),
      ),
    );
    this.comparison = this.observed.apply((observed) => compareTopology(args.expected, observed));
    this.registerOutputs({ observed: this.observed, comparison: this.comparison });
  }
}
