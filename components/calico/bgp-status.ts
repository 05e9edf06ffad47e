import * as pulumi from "@pulumi/pulumi";
import { BIRD_PROTOCOLS_SCRIPT, BIRD_ROUTES_SCRIPT, sessionsEstablishedScript } from "../../core/node-scripts";
import { compareTopology, observeTopology, type ObservedTopology, type TopologyComparison } from "../../core/observed";
import type { ExpectedTopology } from "../../core/topology";
import { LiveProbe } from "../lab/live-probe";
import type { StepTarget } from "../lab/node-step";

export interface BgpStatusNode extends StepTarget {
  readonly nodeName: string;
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
    const sessionsOf = (nodeName: string) => args.expected.sessions.filter((s) => s.a === nodeName || s.b === nodeName).length;
    const inNode = (node: BgpStatusNode, script: string) => ["bash", "-c", node.shell.run(script)];
    const probe = new LiveProbe(
      `${name}-probe`,
      {
        commands: Object.fromEntries(
          args.nodes.flatMap((node) => [
            [`${node.nodeName}/protocols`, inNode(node, BIRD_PROTOCOLS_SCRIPT)],
            [`${node.nodeName}/routes`, inNode(node, BIRD_ROUTES_SCRIPT)],
          ]),
        ),
        ready: {
          command: [
            "bash",
            "-c",
            ["set -e", ...args.nodes.map((node) => node.shell.run(sessionsEstablishedScript(sessionsOf(node.nodeName))))].join("\n"),
          ],
          timeoutSeconds: args.timeoutSeconds ?? 180,
        },
        triggers: pulumi.all(args.nodes.map((node) => node.instanceId)),
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
