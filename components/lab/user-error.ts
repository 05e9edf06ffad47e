import * as pulumi from "@pulumi/pulumi";

/**
 * Runs `read` (a parser of what a step printed) inside an `apply`; a failure reaches the user as one
 * message naming the step and what to do, not as a stack trace.
 */
export function readStep<T>(step: string, advice: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new pulumi.RunError(`${step}: ${error instanceof Error ? error.message : String(error)}; ${advice}`);
  }
}
