/** Which schemas the manifest tests need, derived from the project's pins, and where the fetch script put them. */

export interface SchemaIndex {
  readonly calico: { readonly version: string; readonly commit: string; readonly goModuleVersion: string; readonly crds: string };
  readonly kubernetes: { readonly version: string; readonly openapi: string };
  /** kind's v1alpha4 config types (types.go), whose yaml tags are the fields kind's strict decoder accepts, and its defaults/image.go (the node image its release names). */
  readonly kind: { readonly version: string; readonly types: string; readonly defaultImage: string };
}

export interface SchemaPins {
  readonly calico: { readonly version: string; readonly commit: string; readonly goModuleVersion: string };
  readonly kubernetes: { readonly version: string };
  readonly kind: { readonly version: string };
}

/** Calico from versions.json; Kubernetes from the kind node image's tag (kindest/node:v1.33.1@sha256:...); kind from kind.kindVersion. */
export function schemaPins(
  calico: { version: string; commit: string; goModuleVersion: string },
  nodeImage: string,
  kindVersion: string,
): SchemaPins {
  const kubernetes = /:(v\d+\.\d+\.\d+)(@|$)/.exec(nodeImage)?.[1];
  if (!kubernetes) throw new Error(`kind.nodeImage ${nodeImage} has no vX.Y.Z tag to take the Kubernetes version from`);
  return {
    calico: { version: calico.version, commit: calico.commit, goModuleVersion: calico.goModuleVersion },
    kubernetes: { version: kubernetes },
    kind: { version: kindVersion },
  };
}
