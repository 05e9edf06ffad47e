import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { QemuSettings } from "../../../core/config/types";
import { labLabels } from "../../../core/node-runtime";
import {
  forwardReadScript,
  forwardStartScript,
  forwardStopScript,
  networkDownScript,
  networkUpScript,
  vmLabName,
  vmSshTarget,
  acceleratorOf,
  vmAliveScript,
  vmStartScript,
  vmForward,
  vmStopScript,
  type QemuPaths,
} from "../../../core/substrates/qemu/scripts";
import { hostStep } from "../../lab/node-step";
import type { Substrate } from "../substrate";
import { MachineNode, machineLabNode, type MachineNodeArgs } from "../ssh/machine-node";

/** scripts/vm/lab-vm.sh of this checkout. */
export const LAB_VM_SCRIPT = join(__dirname, "..", "..", "..", "scripts", "vm", "lab-vm.sh");

/**
 * Seconds a VM may take for each stage: wide enough for TCG on a busy 2-core machine, where every stage
 * takes many times what it takes under KVM (bench/results.md has the figures).
 */
export const QEMU_TIMEOUTS = { boot: 300, docker: 300, ready: 300 } as const;

/** One lab node as a VM of its own, running the node's runtime as a container. */
export class QemuNode extends MachineNode {
  constructor(name: string, args: MachineNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:qemu:Node", name, args, opts);
  }
}

export interface QemuSubstrateOptions {
  readonly qemu: QemuSettings;
  /** $CALICO_LAB_CACHE: the base image, the labs' keys and overlays. */
  readonly cacheDir: string;
  /** lab-vm.sh; default: this checkout's. */
  readonly labVm?: string;
}

/**
 * Nodes as VMs (scripts/vm/lab-vm.sh): the lab's network is a bridge inside a network namespace of its
 * own, each node a VM from the base image's overlay with the node's underlay address; then the ssh node
 * runner starts the runtime in it. Node-side scripts go over ssh (from inside the namespace) and
 * `docker exec` in the VM.
 */
export function qemuSubstrate(options: QemuSubstrateOptions): Substrate {
  return (context, underlay) => {
    const vmLab = vmLabName(context.lab);
    const paths: QemuPaths = { labVm: options.labVm ?? LAB_VM_SCRIPT, cacheDir: options.cacheDir };
    const network = hostStep(
      `${context.lab}-underlay`,
      { create: networkUpScript(paths, vmLab, underlay.subnet), delete: networkDownScript(paths, vmLab) },
      { parent: context.parent },
    );
    return {
      network,
      // The VMs' addresses exist only inside the lab's namespace: a forwarder of the lab's own (lab-vm.sh forward)
      // listens on this machine's 127.0.0.1 and connects there. It lives in the namespace, so net-down stops it:
      // destroy skips its delete when the network goes too.
      reach(node, port) {
        const forward = hostStep(
          `${context.lab}-${node.node}-forward-${port}`,
          {
            create: forwardStartScript(paths, vmLab, node.address, port, node.node),
            delete: forwardStopScript(paths, vmLab, node.node, port),
            // refresh starts a forwarder that is gone again, on the same port
            read: forwardReadScript(paths, vmLab, node.address, port, node.node),
            triggers: [network.id],
          },
          { parent: context.parent, dependsOn: [network], deletedWith: network },
        );
        return { host: "127.0.0.1", port: vmForward(vmLab, node.node, port).localPort, after: [forward] };
      },
      node(runtime, dependsOn) {
        const name = `${context.lab}-${runtime.node}`;
        const target = vmSshTarget(paths, vmLab, runtime.node, runtime.address);
        const spec = { vmLab, vm: runtime.node, address: runtime.address, size: options.qemu, bootTimeoutSeconds: QEMU_TIMEOUTS.boot };
        const node = new QemuNode(
          name,
          {
            runtime,
            target,
            container: name,
            labels: pulumi.output(context.stack).apply((stack) => labLabels(context.lab, stack, runtime.role)),
            machine: {
              suffix: "vm",
              create: vmStartScript(paths, spec),
              delete: vmStopScript(paths, vmLab, runtime.node, runtime.address),
              // refresh notices a VM that is gone (killed by hand): the step drops, and up starts it anew
              read: vmAliveScript(paths, vmLab, runtime.node, runtime.address),
              // the network's delete (net-down) stops every VM of the lab: a new network means new VMs
              triggers: [network.id],
            },
            readyTimeoutSeconds: QEMU_TIMEOUTS.ready,
            machineDependsOn: [network],
            runtimeDependsOn: dependsOn,
            removeOnDelete: false,
            dockerTimeoutSeconds: QEMU_TIMEOUTS.docker,
          },
          { parent: context.parent },
        );
        // The VM takes every step's work with it: destroy skips their deletes (a step replaced alone still runs its own).
        return machineLabNode(runtime, node, target, name, {
          accelerator: node.machine.stdout.apply(acceleratorOf),
          deletedWith: node.machine,
        });
      },
    };
  };
}
