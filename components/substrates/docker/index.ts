import * as pulumi from "@pulumi/pulumi";
import { labLabels } from "../../../core/node-runtime";
import { labNode, type Substrate } from "../substrate";
import { DockerNode } from "./docker-node";
import { LabNetwork } from "./lab-network";

/** Nodes as containers on one Docker network of this machine, with explicit capabilities, never privileged. */
export const dockerSubstrate: Substrate = (context, underlay) => {
  const labels = (role: string) => pulumi.output(context.stack).apply((stack) => labLabels(context.lab, stack, role));
  const network = new LabNetwork(`${context.lab}-underlay`, { ...underlay, labels: labels("network") }, { parent: context.parent });
  return {
    network,
    node(runtime, dependsOn) {
      const name = `${context.lab}-${runtime.node}`;
      const access = { transport: "docker", container: name } as const;
      const node = new DockerNode(
        name,
        { runtime, network: network.networkName, labels: labels(runtime.role) },
        // The network's delete removes the lab's containers on it in one `docker rm` (see DockerNetwork): when the
        // whole lab goes, the containers' own deletes are skipped, and so is their steps' (deletedWith the container).
        { parent: context.parent, dependsOn: [...dependsOn], deletedWith: network.network },
      );
      return labNode(runtime, access, {
        handle: node.containerName,
        instanceId: node.containerId,
        resource: node,
        deletedWith: node.container,
      });
    },
  };
};
