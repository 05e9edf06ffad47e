import * as pulumi from "@pulumi/pulumi";
import type { CalicoLabArgs } from "./args";
import { CalicoLab } from "./calico-lab";

/** The one resource type the package serves. */
export const LAB_TYPE = "calicolab:index:CalicoLab";
/** The tokens construct takes for it: the host's too take the index module left out. */
const LAB_TOKENS = [LAB_TYPE, "calicolab::CalicoLab"];

interface KeptSchema {
  readonly version: string;
  readonly resources: Readonly<Record<string, { readonly properties: Readonly<Record<string, unknown>> }>>;
}

/**
 * The package's provider: the schema it reports is the kept one (docs/package-schema.json, drift-tested against
 * package/'s TypeScript), and construct makes CalicoLab as Pulumi's component provider host does, its state the
 * schema's outputs read off the component.
 */
export function calicolabProvider(schemaText: string): pulumi.provider.Provider {
  const schema = JSON.parse(schemaText) as KeptSchema;
  const outputs = Object.keys(schema.resources[LAB_TYPE]?.properties ?? {});
  return {
    version: schema.version,
    getSchema: async () => schemaText,
    construct: async (name, type, inputs, options) => {
      if (!LAB_TOKENS.includes(type)) throw new Error(`unknown resource type ${type}: the calicolab package serves ${LAB_TYPE}`);
      const lab = new CalicoLab(name, inputs as CalicoLabArgs, options);
      const state = Object.fromEntries(outputs.map((key) => [key, lab[key as keyof CalicoLab]]));
      return { urn: lab.urn, state };
    },
  };
}
