import * as pulumi from "@pulumi/pulumi";

/**
 * The process that runs the lab's steps: Pulumi's Node.js dynamic provider (package pulumi-nodejs), declared
 * by the lab instead of left to the engine's default. The engine starts a provider's process when the provider
 * is registered: the default one only once the first step is, after the whole program has loaded, which put the
 * provider's own start (loading Pulumi's SDK) between the program and the first step.
 * Declared first, it starts while the program loads. Its configuration is the default's (none), so a lab made
 * with the default provider keeps every resource: the engine sees the same provider and changes nothing.
 */
export class StepProvider extends pulumi.ProviderResource {
  constructor(name: string, opts?: pulumi.ResourceOptions) {
    super("pulumi-nodejs", name, {}, opts);
  }
}
