/**
 * What a scenario asks a substrate to run on one node: plain data, so that every substrate (a container,
 * a container inside a VM, a host over ssh) can run it its own way.
 */
export type NodeRole = "etcd" | "calico-node" | "apiserver";

export interface NodeRuntime {
  /** The lab's name for the node (`etcd`, `calico1`); substrates derive their own names from it. */
  readonly node: string;
  readonly hostname: string;
  readonly role: NodeRole;
  readonly image: string;
  /** The node's underlay address. */
  readonly address: string;
  readonly env: readonly string[];
  /** Arguments after the image (empty: the image's own command). */
  readonly command: readonly string[];
  /** Runs Calico's dataplane: needs network capabilities, a writable /proc/sys and the lab's sysctls. */
  readonly dataplane: boolean;
  /** Ready once this command succeeds inside the node. */
  readonly readiness: { readonly command: readonly string[]; readonly timeoutSeconds: number };
}

/** A calico-node runtime: the parts every scenario shares (a dataplane node named as the Calico node). */
export function calicoNodeRuntime(input: {
  nodeName: string;
  image: string;
  address: string;
  env: readonly string[];
  command: readonly string[];
  readiness: NodeRuntime["readiness"];
}): NodeRuntime {
  return {
    node: input.nodeName,
    hostname: input.nodeName,
    role: "calico-node",
    image: input.image,
    address: input.address,
    env: input.env,
    command: input.command,
    dataplane: true,
    readiness: input.readiness,
  };
}

/**
 * A Calico node's command when calico-node must not start before the lab writes a file in (kdd: its
 * kubeconfig; etcd over TLS: its client key): wait for it, then the image's usual start_runit.
 */
export function startRunitAfterFile(path: string, what: string, waitSeconds = 600): string[] {
  return [
    "/bin/sh",
    "-c",
    `i=0; until [ -s ${path} ]; do i=$((i + 1)); if [ "$i" -gt ${waitSeconds} ]; then echo "calico-lab: no ${what} at ${path} after ${waitSeconds}s" >&2; exit 1; fi; sleep 1; done; exec start_runit`,
  ];
}

export const LABEL_PREFIX = "calico-lab";

/** Labels on everything a lab makes, so that leftovers of any stack can be found and removed. */
export function labLabels(lab: string, stack: string, role: string): Record<string, string> {
  return { [`${LABEL_PREFIX}.lab`]: lab, [`${LABEL_PREFIX}.stack`]: stack, [`${LABEL_PREFIX}.role`]: role };
}
