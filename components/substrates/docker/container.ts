import * as pulumi from "@pulumi/pulumi";
import { dockerRunArgv, type ContainerSpec } from "../../../core/substrates/docker/argv";
import { pollInside } from "../../lab/process";
import { stepsResourceOptions, stepsType } from "../../lab/step-provider";

export interface ReadinessCheck {
  /** Run inside the container with `docker exec`; ready when it exits 0. */
  readonly command: readonly string[];
  readonly timeoutSeconds: number;
}

export interface DockerContainerArgs {
  readonly spec: pulumi.Input<ContainerSpec>;
  /** When set, create waits until this command succeeds inside the container. */
  readonly readiness?: pulumi.Input<ReadinessCheck>;
}

/** What runs the readiness check inside the container until it passes or its time is up. */
function readyArgv(name: string, readiness: ReadinessCheck | undefined): string[] | null {
  return readiness ? ["docker", "exec", name, ...pollInside(readiness.command, readiness.timeoutSeconds)] : null;
}

/**
 * A Docker container, served by the calicolab-steps provider (providers/steps/container.go): made with this spec's
 * `docker run` and waited for on create, looked up on refresh (a container removed by hand drops out of the state,
 * so the next `up` brings it back), replaced when any of its settings change but its restart policy and readiness
 * wait (updated in place), and removed with its anonymous volumes on delete. A container already named like it is
 * this stack's leftover and goes; anyone else's is never touched. The `docker run` and the readiness command are
 * built here (core/substrates/docker/argv.ts), from the spec, and are no change of their own.
 */
export class DockerContainer extends pulumi.CustomResource {
  declare public readonly containerId: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly ipv4Address: pulumi.Output<string>;

  constructor(name: string, args: DockerContainerArgs, opts?: pulumi.CustomResourceOptions) {
    const spread = pulumi.output(args.spec).apply((spec) => spec);
    const readiness = pulumi.output(args.readiness);
    super(
      stepsType("DockerContainer"),
      name,
      {
        name: spread.name,
        image: spread.image,
        hostname: spread.hostname,
        network: spread.network,
        ipv4Address: spread.ipv4Address,
        env: spread.env,
        capAdd: spread.capAdd,
        securityOpt: spread.securityOpt,
        sysctls: spread.sysctls,
        labels: spread.labels,
        command: spread.command,
        entrypoint: spread.entrypoint,
        restartPolicy: spread.restartPolicy,
        readiness: args.readiness,
        runArgv: spread.apply(dockerRunArgv),
        readyArgv: pulumi.all([spread.name, readiness]).apply(([container, check]) => readyArgv(container, check)),
        containerId: undefined,
      },
      stepsResourceOptions("DockerContainer", opts),
    );
  }
}
