import { dockerNetnsTool, dockerShell } from "./docker";
import { kubernetesNetnsTool, kubernetesShell, NODE_CONTAINER, type KubernetesTarget } from "./kubernetes";
import type { NodeShell } from "./node-shell";
import { sshMachineTool, sshShell, type SshTarget } from "./ssh";

/**
 * How to reach a node, as plain data: exported with the stack's outputs, so that tools outside the Pulumi
 * program (npm run lab:status, lab:exec) reach every node the way the lab itself does.
 * - docker: a container on this machine's engine, or on the engine at `dockerHost` (a kind lab's own engine).
 * - ssh: a container on a machine reached over ssh (a VM of the qemu substrate, a host of the ssh
 *   substrate): the machine's address, port, user and the private key's **path** on this machine (never
 *   the key itself; empty: the ssh agent), the lab's known_hosts and connection settings, then
 *   `docker exec` into `container` there.
 * - kubernetes: `container` of a Pod, through the cluster's API (kubectl exec), with the kubeconfig's **path**.
 */
export type NodeAccess =
  | { readonly transport: "docker"; readonly container: string; readonly dockerHost?: string }
  | ({ readonly transport: "ssh"; readonly container: string } & Readonly<SshTarget>)
  | ({ readonly transport: "kubernetes"; readonly container: string } & KubernetesTarget);

/** The kubernetes access of a lab Pod's node container. */
export function kubernetesAccess(target: KubernetesTarget): NodeAccess {
  return { transport: "kubernetes", container: NODE_CONTAINER, ...target };
}

/** The ssh access of a container on a machine that `target` reaches. */
export function sshAccess(target: SshTarget, container: string): NodeAccess {
  return { transport: "ssh", container, ...target };
}

/** The NodeShell for a node's access: the one place that maps a transport's name to its code. */
export function shellFor(access: NodeAccess): NodeShell {
  switch (access.transport) {
    case "docker":
      return dockerShell(access.container, access.dockerHost);
    case "ssh":
      return sshShell(access, dockerShell(access.container));
    case "kubernetes":
      return kubernetesShell(access);
  }
}

/** A network tool for netnsToolFor: the helper image that carries it beside Docker nodes, and its command's name. */
export interface NetworkTool {
  readonly image: string;
  readonly command: string;
}

/**
 * Host-side bash that runs a network tool (`argv`, e.g. tcpdump under `timeout`) where it sees the node's
 * interfaces, its stdout the tool's: for a container, beside it in its network namespace from the tool's
 * image (the node image need not carry it); for a node reached over ssh (host-networked on its machine),
 * on that machine, which must have the tool; for a Pod, in its tcpdump container.
 */
export function netnsToolFor(access: NodeAccess, tool: NetworkTool, argv: readonly string[]): string {
  switch (access.transport) {
    case "docker":
      return dockerNetnsTool(access.container, tool.image, argv, access.dockerHost);
    case "ssh":
      return sshMachineTool(access, tool.command, argv);
    case "kubernetes":
      return kubernetesNetnsTool(access, argv);
  }
}
