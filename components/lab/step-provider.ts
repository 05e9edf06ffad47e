import * as pulumi from "@pulumi/pulumi";

/** The package of the lab's steps (HostCommand): the Go provider in providers/steps, plugin pulumi-resource-calicolab-steps. */
export const STEPS_PACKAGE = "calicolab-steps";
/** The plugin's version, as providers/steps/VERSION says and scripts/offline/steps-provider.sh installs it. */
export const STEPS_PROVIDER_VERSION = "0.1.0";

/**
 * The process that runs the lab's Node.js dynamic resources (the Docker substrate's containers and networks, the
 * live probes): Pulumi's Node.js dynamic provider (package pulumi-nodejs), declared by the lab instead of left to
 * the engine's default. The engine starts a provider's process when the provider is registered: the default one
 * only once the first resource is, after the whole program has loaded, which put the provider's own start (loading
 * Pulumi's SDK) between the program and the first step. Declared first, it starts while the program loads. Its
 * configuration is the default's (none), so a lab made with the default provider keeps every resource.
 */
export class StepProvider extends pulumi.ProviderResource {
  constructor(name: string, opts?: pulumi.ResourceOptions) {
    super("pulumi-nodejs", name, {}, opts);
  }
}

/** The process that runs the lab's steps (HostCommand): the Go provider of providers/steps, serving within milliseconds of its start. */
export class HostStepProvider extends pulumi.ProviderResource {
  constructor(name: string, opts?: pulumi.ResourceOptions) {
    super(STEPS_PACKAGE, name, {}, pulumi.mergeOptions(opts, { version: STEPS_PROVIDER_VERSION }));
  }
}

let declared: HostStepProvider | undefined;

/**
 * Declares the program's HostStepProvider, as StepProvider is, before the program loads: every HostCommand made
 * afterwards in this process runs on it (hostStepProvider), so that no component passes it on.
 */
export function declareHostStepProvider(name: string, opts?: pulumi.ResourceOptions): HostStepProvider {
  declared = new HostStepProvider(name, opts);
  return declared;
}

/** The HostStepProvider this program declared, if any: without one, HostCommands run on the engine's default calicolab-steps provider. */
export function hostStepProvider(): HostStepProvider | undefined {
  return declared;
}
