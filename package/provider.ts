import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { CalicoLab } from "./calico-lab";

/**
 * The package's provider: Pulumi's component provider host serves CalicoLab, its schema made from this folder's
 * TypeScript (args.ts, outputs.ts). Started by ./pulumi-resource-calicolab, which the engine runs as a plugin.
 */
void componentProviderHost({ name: "calicolab", dirname: __dirname, components: [CalicoLab] });
