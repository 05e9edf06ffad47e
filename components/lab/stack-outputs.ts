import type * as pulumi from "@pulumi/pulumi";
import type { CalicoBuild } from "../../core/config/calico-source";
import { imageSetOf } from "../../core/config/image-mode";
import type { LabConfig } from "../../core/config/types";
import versions from "../../versions.json";
import type { CalicoOutput, LabOutputs, StackOutputs } from "./outputs";

/** Which Calico each node runs: the local build (its tree, commit, dirty flag, digest) or the pinned release. */
export function calicoOutput(build: CalicoBuild | undefined, config: LabConfig): CalicoOutput {
  return build
    ? {
        source: build.source,
        commit: build.commit,
        dirty: build.dirty,
        version: build.version,
        digest: build.digest,
        calicoNodeSha256: build.calicoNodeSha256,
        image: build.image,
      }
    : { source: "release", commit: versions.calico.commit, dirty: false, version: versions.calico.version, image: imageSetOf(config).node };
}

/**
 * The stack outputs contract's values: what the program exports, and what the package's CalicoLab reports (in the
 * package's types, package/expose.ts), so an output added here is both.
 */
export function stackOutputs(config: LabConfig, lab: LabOutputs, calico: CalicoOutput) {
  return {
    scenario: config.scenario,
    imageMode: config.imageMode,
    etcd: lab.etcd,
    calico,
    nodes: lab.nodes.apply((all) => all.map((node) => ({ ...node, calico }))),
    ipPools: lab.ipPools,
    cniConfig: lab.cniConfig,
    bgpTopology: lab.bgpTopology,
    diagram: lab.diagram,
    // kdd and kind: the admin kubeconfig of the lab's apiserver (a secret: `pulumi stack output kubeconfig
    // --show-secrets`). Absent on bird rather than undefined, which Pulumi warns of on every up and preview.
    ...(lab.kubeconfig ? { kubeconfig: lab.kubeconfig } : {}),
  } satisfies { [K in keyof StackOutputs]: pulumi.Input<StackOutputs[K]> };
}

/** The stack outputs contract's values as stackOutputs gives them. */
export type StackOutputValues = ReturnType<typeof stackOutputs>;
