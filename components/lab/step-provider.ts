import * as pulumi from "@pulumi/pulumi";

/** The package of the lab's own resources: the Go provider in providers/steps, plugin pulumi-resource-calicolab-steps. */
export const STEPS_PACKAGE = "calicolab-steps";
/** The plugin's version, as providers/steps/VERSION says and scripts/offline/steps-provider.sh installs it. */
export const STEPS_PROVIDER_VERSION = "0.2.0";

/**
 * The process that runs the lab's own resources (the steps, the docker substrate's containers and network, the live
 * probes): the Go provider of providers/steps, serving within milliseconds of its start. The program declares it
 * before the rest of the program loads (index.ts), so that the engine starts it meanwhile, and passes it to the lab
 * through `providers`, which every child inherits by package.
 */
export class HostStepProvider extends pulumi.ProviderResource {
  constructor(name: string, opts?: pulumi.ResourceOptions) {
    super(STEPS_PACKAGE, name, {}, pulumi.mergeOptions(opts, { version: STEPS_PROVIDER_VERSION }));
  }
}

/** The type token of one of the provider's resources. */
export function stepsType(type: string): string {
  return `${STEPS_PACKAGE}:index:${type}`;
}

/** What the type was while the resource ran on Pulumi's Node.js dynamic provider. */
export function dynamicType(type: string): string {
  return `pulumi-nodejs:dynamic/calicolab:${type}`;
}

/**
 * A resource of the provider: asks for the provider's version, and carries its type of the Node.js dynamic provider
 * as an alias, so that a lab made then keeps it (the provider's diff finds its inputs unchanged: no replacement).
 */
export function stepsResourceOptions(type: string, opts?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
  return pulumi.mergeOptions({ version: STEPS_PROVIDER_VERSION, aliases: [{ type: dynamicType(type) }] }, opts);
}
