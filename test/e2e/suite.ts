/** The open and teardown every end-to-end suite of a lab shares. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll } from "vitest";
import { destroyAndForget } from "./lab-expectations";
import { openStack, type OtherProgram } from "./live";

export interface LabSuite {
  /** The suite's stack, opened before its first test. */
  readonly stack: Stack;
  readonly stackName: string;
  /** The file backend's folder, removed at teardown. */
  readonly backend: string;
}

export interface LabSuiteOptions {
  /**
   * What tears the lab down: by default destroy, a check that nothing labelled with the stack is left, stack rm,
   * and the backend folder removed (destroyAndForget). It gets the stack even when opening it failed (undefined).
   */
  readonly teardown?: (stack: Stack | undefined, stackName: string, backend: string) => Promise<void>;
  /** Run Pulumi (and so the lab's ssh clients) inside this network namespace: see openStack. */
  readonly netns?: string;
  /** A program other than this repository's (a Pulumi YAML example): see openStack. */
  readonly program?: (backend: string) => OtherProgram;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** The teardowns of the labs open in this process, which an interruption runs. */
const open = new Set<() => Promise<void>>();

function stopListening(): void {
  for (const signal of SIGNALS) process.off(signal, interrupted);
  process.off("disconnect", orphaned);
}

/** Every open lab torn down, side by side; then the signal's own effect, once no listener of ours is left. */
function interrupted(signal: NodeJS.Signals): void {
  stopListening();
  void Promise.allSettled([...open].map((teardown) => teardown())).finally(() => process.kill(process.pid, signal));
}

/**
 * Vitest's main process is gone (killed: a SIGTERM to vitest alone does not reach its workers), leaving this
 * worker with its labs and no one to report to: every open lab torn down, then the worker ends.
 */
function orphaned(): void {
  stopListening();
  void Promise.allSettled([...open].map((teardown) => teardown())).finally(() => process.exit(1));
}

function track(teardown: () => Promise<void>): void {
  if (open.size === 0) {
    for (const signal of SIGNALS) process.on(signal, interrupted);
    process.on("disconnect", orphaned);
  }
  open.add(teardown);
}

function untrack(teardown: () => Promise<void>): void {
  open.delete(teardown);
  if (open.size === 0) stopListening();
}

/**
 * A lab's stack on a file backend of its own: opened with `config` in beforeAll, torn down in afterAll, and
 * also when the run is interrupted (SIGINT, SIGTERM) before afterAll, so that an interrupted run leaves no lab
 * behind, and when vitest's main process dies under its worker. Call it in the suite's describe body.
 */
export function labSuite(stackName: string, config: () => Record<string, unknown>, options: LabSuiteOptions = {}): LabSuite {
  const backend = mkdtempSync(join(tmpdir(), "calico-lab-e2e-"));
  let stack: Stack | undefined;
  let tornDown: Promise<void> | undefined;
  const teardown = () => (tornDown ??= (options.teardown ?? destroyAndForget)(stack, stackName, backend));
  beforeAll(async () => {
    track(teardown);
    stack = await openStack(stackName, backend, config(), {
      ...(options.netns !== undefined ? { netns: options.netns } : {}),
      ...(options.program ? { program: options.program(backend) } : {}),
    });
  });
  afterAll(async () => {
    try {
      await teardown();
    } finally {
      untrack(teardown);
    }
  });
  return {
    get stack(): Stack {
      if (!stack) throw new Error(`stack ${stackName} was not opened`);
      return stack;
    },
    stackName,
    backend,
  };
}
