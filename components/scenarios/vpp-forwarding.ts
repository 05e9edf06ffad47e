import { parseCidr } from "../../core/addressing";
import {
  parseVppWorkloadAdd,
  VPP_FIB_SCRIPT,
  VPP_INTERFACES_SCRIPT,
  vppFibFollowsBirdScript,
  vppUplinkAddress,
  vppUplinkScript,
  vppWorkloadAddScript,
  vppWorkloadDelScript,
} from "../../core/scenarios/vpp-forwarding";
import { observeVppNodes } from "../../core/scenarios/vpp-forwarding-status";
import versions from "../../versions.json";
import { birdScenario } from "./bird";
import type { Scenario, ScenarioContext } from "./scenario";

/** The node-vpp image (bash scripts/offline/build.sh --vpp): the offline node image with VPP, vpp-lab and the route agent. */
export const VPP_NODE_IMAGE = versions.vpp.nodeImage;
/**
 * The node-vpp image's own command (its CMD, images/node-vpp/Dockerfile): the node image's services with VPP and
 * the route agent enabled. Named, since a Calico node's container runs the runtime's command after making its
 * /proc/sys/net writable, and an empty one means calico/node's `start_runit`, which starts no VPP.
 */
export const VPP_NODE_COMMAND = ["start_runit_vpp"] as const;

function underlayOf({ config }: ScenarioContext) {
  const underlay = parseCidr(config.underlay.cidr);
  if (!underlay) throw new Error(`underlay.cidr ${config.underlay.cidr} was not validated`);
  return underlay;
}

/**
 * vpp-forwarding, the seed's VPP forwarding lab (docs/vpp.md): bird's etcd datastore and calico-node (IPAM, BIRD) in
 * the node-vpp image, whose VPP forwards the workloads' traffic. Each node gives VPP an af_packet uplink on its eth0
 * with an address of its own; workloads are attached to VPP by `vpp-lab` (not cnitool); the node's route agent
 * keeps VPP's FIB equal to BIRD's routes. Not Calico's VPP dataplane (scenario calico-vpp).
 */
export const vppForwardingScenario: Scenario = {
  ...birdScenario,
  calicoRuntime: (context, nodeName, address) => ({
    ...birdScenario.calicoRuntime({ ...context, images: { ...context.images, node: VPP_NODE_IMAGE } }, nodeName, address),
    command: [...VPP_NODE_COMMAND],
  }),
  nodeSetup: (context, _nodeName, address) => {
    const underlay = underlayOf(context);
    return vppUplinkScript(`${vppUplinkAddress(underlay, address)}/${underlay.prefixLength}`);
  },
  workloadPlumbing: {
    add: (ref) => vppWorkloadAddScript(ref.namespace),
    del: (ref) => vppWorkloadDelScript(ref.namespace),
    parse: parseVppWorkloadAdd,
    releasedWithNode: false,
    deleteWhat: (namespace) => `vpp-lab workload del ${namespace}`,
    logHint: "see the node's /var/log/calico-lab-vpp-ipam.log and `vppctl show interface`, and run npm run lab:up again",
  },
  forwardingPlane: {
    reads: { interfaces: VPP_INTERFACES_SCRIPT, fib: VPP_FIB_SCRIPT },
    ready: vppFibFollowsBirdScript(),
    uplinkAddress: (context, nodeAddress) => vppUplinkAddress(underlayOf(context), nodeAddress),
    observe: (nodes, context) =>
      observeVppNodes(
        nodes,
        context.config.ipPools.flatMap((pool) => parseCidr(pool.cidr) ?? []),
      ),
  },
};
