import * as pulumi from "@pulumi/pulumi";
import type { VppNodeOutput } from "../../../core/scenarios/vpp-forwarding-status";
import type { BgpStatus } from "../../calico/bgp-status";
import type { Workload } from "../../calico/workloads";
import type { ForwardingPlane, ScenarioContext } from "../../scenarios/scenario";

export interface ForwardingInputs {
  readonly plane: ForwardingPlane;
  readonly context: ScenarioContext;
  /** The Calico nodes, names and underlay addresses in order. */
  readonly nodes: ReadonlyArray<{ readonly name: string; readonly address: string }>;
  readonly status: BgpStatus;
  readonly workloads: pulumi.Output<Workload[]>;
}

/** Per node, its forwarding plane as read with the BGP status, against the blocks the nodes own and their workloads. */
export function forwardingOutputs(inputs: ForwardingInputs): pulumi.Output<Record<string, VppNodeOutput>> {
  const { plane, context, nodes, status } = inputs;
  return pulumi.all([status.forwarding, status.dataplane, inputs.workloads]).apply(([reads, dataplane, workloads]) =>
    plane.observe(
      nodes.map((node) => {
        const read = reads[node.name] ?? {};
        const error = read.interfaces?.error ?? read.fib?.error;
        return {
          name: node.name,
          uplinkAddress: plane.uplinkAddress(context, node.address),
          blocks: dataplane.blocks[node.name] ?? [],
          workloads: workloads.filter((w) => w.node === node.name).map((w) => ({ name: w.name, ip: w.address })),
          interfaces: read.interfaces?.stdout ?? "",
          fib: read.fib?.stdout ?? "",
          ...(error ? { error } : {}),
        };
      }),
      context,
    ),
  );
}
