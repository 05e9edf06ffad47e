import * as pulumi from "@pulumi/pulumi";
import type { NodeRuntime } from "../../../core/node-runtime";
import { runtimeAliveScript, runtimeCreateScript, runtimeDeleteScript } from "../../../core/substrates/ssh/runner";
import { sshAccess } from "../../../core/transports/access";
import type { SshTarget } from "../../../core/transports/ssh";
import type { HostCommand } from "../../lab/host-command";
import { hostStep } from "../../lab/node-step";
import { labNode, type LabNode } from "../substrate";

export interface MachineNodeArgs {
  /** What the node runs, as the scenario asked. */
  readonly runtime: NodeRuntime;
  /** How the lab's ssh client reaches the node's machine. */
  readonly target: SshTarget;
  /** The runtime's container on the machine. */
  readonly container: string;
  readonly labels: pulumi.Input<Record<string, string>>;
  /**
   * The machine step: made first (a VM started, or a host checked); its create prints the machine's boot
   * id (first line; more lines are the substrate's), so the runtime runs again whenever the machine is
   * made anew. Its delete (stopping a VM) runs last.
   */
  readonly machine: {
    readonly suffix: string;
    readonly create: pulumi.Input<string>;
    readonly delete?: pulumi.Input<string>;
    /** Its refresh: exit 0 while the machine is there; any other exit drops the step, so the next up makes the machine anew. */
    readonly read?: pulumi.Input<string>;
    /** More reasons to make the machine anew (a VM whose lab network was made anew). */
    readonly triggers?: pulumi.Input<unknown>[];
  };
  /** How long the runtime may take to get ready on this machine (at least the runtime's own timeout). */
  readonly readyTimeoutSeconds: number;
  /** How long the machine's Docker engine may take to answer. */
  readonly dockerTimeoutSeconds: number;
  /** What the machine step waits for: the lab network. A VM boots while the datastore is still coming up. */
  readonly machineDependsOn: readonly pulumi.Resource[];
  /** What the runtime waits for besides its machine: the seam's `dependsOn` (the datastore, for a Calico node). */
  readonly runtimeDependsOn: readonly pulumi.Resource[];
  /**
   * Remove the container when the runtime step goes. A host outlives the lab, so yes; a VM does not
   * (its machine step stops it right after), and a runtime made anew replaces a container of its name.
   */
  readonly removeOnDelete: boolean;
}

/**
 * One lab node on a machine reached over ssh (the ssh node runner): a machine step, then the runtime as
 * a host-networked container there, ready once its readiness command passes. The qemu and ssh
 * substrates differ only in the machine step. The component takes no `dependsOn` of its own: its two
 * steps wait for different things (a Calico VM boots while etcd's VM is still booting, and only its
 * runtime waits for etcd); what waits for the node waits for both steps.
 */
export class MachineNode extends pulumi.ComponentResource {
  public readonly containerName: pulumi.Output<string>;
  /** The machine's boot id and the container's id: changes whenever either is made anew. */
  public readonly instanceId: pulumi.Output<string>;
  public readonly machine: HostCommand;
  public readonly runtime: HostCommand;

  constructor(type: string, name: string, args: MachineNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.machine = hostStep(
      `${name}-${args.machine.suffix}`,
      {
        create: args.machine.create,
        ...(args.machine.delete !== undefined ? { delete: args.machine.delete } : {}),
        ...(args.machine.read !== undefined ? { read: args.machine.read } : {}),
        ...(args.machine.triggers !== undefined ? { triggers: args.machine.triggers } : {}),
      },
      { parent: this, dependsOn: [...args.machineDependsOn] },
    );
    // A host that outlives the lab gets back what a Calico node changed on it.
    const hostState = args.removeOnDelete && args.runtime.dataplane;
    const run = {
      runtime: args.runtime,
      machine: args.target.host,
      container: args.container,
      readyTimeoutSeconds: Math.max(args.readyTimeoutSeconds, args.runtime.readiness.timeoutSeconds),
      saveHostState: hostState,
    };
    const labels = pulumi.output(args.labels);
    this.runtime = hostStep(
      `${name}-runtime`,
      {
        create: labels.apply((l) => runtimeCreateScript(args.target, { ...run, labels: l }, args.dockerTimeoutSeconds)),
        ...(args.removeOnDelete
          ? {
              delete: labels.apply((l) =>
                runtimeDeleteScript(args.target, args.container, hostState ? { image: args.runtime.image, labels: l } : undefined),
              ),
            }
          : {}),
        read: runtimeAliveScript(args.target, args.container),
        triggers: [this.machine.stdout],
      },
      { parent: this, dependsOn: [this.machine, ...args.runtimeDependsOn] },
    );
    this.containerName = pulumi.output(args.container);
    this.instanceId = pulumi
      .all([this.machine.stdout, this.runtime.stdout])
      .apply(([boot, container]) => `${boot.trim().split("\n")[0] ?? ""}/${container.trim().split("\n").pop() ?? ""}`);
    this.registerOutputs({ containerName: this.containerName, instanceId: this.instanceId });
  }
}

/**
 * The LabNode of a machine node: its container as the handle, ssh and then `docker exec` as its shell
 * (and as its access in the outputs); `extra` adds what the substrate knows of the machine.
 */
export function machineLabNode(
  runtime: NodeRuntime,
  node: MachineNode,
  target: SshTarget,
  container: string,
  extra: Pick<LabNode, "accelerator" | "deletedWith"> = {},
): LabNode {
  return labNode(runtime, sshAccess(target, container), {
    handle: node.containerName,
    instanceId: node.instanceId,
    resource: node,
    ...extra,
  });
}
