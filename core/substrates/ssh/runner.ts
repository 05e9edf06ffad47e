import type { NodeRuntime } from "../../node-runtime";
import { shellJoin, shellQuote } from "../../shell";
import type { NodeShell } from "../../transports/node-shell";
import { orWarn } from "../../transports/node-shell";
import { shellFor, sshAccess } from "../../transports/access";
import { sshClient, sshRunScript, type SshTarget } from "../../transports/ssh";
import { CALICO_NODE_SYSCTLS } from "../docker/container-spec";
import { hostStateRestoreScript, hostStateRunScript, hostStateSaveScript } from "./host-state";

/**
 * The ssh node runner, shared by the ssh substrate (hosts the user has) and the qemu substrate (VMs the
 * lab makes): a node is its runtime as a host-networked container on a machine reached over ssh, as in
 * the tutorial (etcd and calico-node as containers on Docker hosts). Machine-side scripts are plain sh;
 * host-side scripts are bash, built on core/transports/ssh.ts.
 *
 * On a machine of the lab's own, the container is `--privileged` (the official calico/node contract,
 * with /lib/modules so Felix can load ipip or vxlan): the machine's kernel is the lab's, unlike the
 * docker substrate's, where every node shares this machine's kernel and gets explicit capabilities.
 */

/** What a Calico (dataplane) node's container mounts from its machine: the kernel's modules, read-only. */
export const DATAPLANE_MOUNTS = ["/lib/modules:/lib/modules:ro"] as const;

/** `docker run` of a runtime on its machine: host network, the runtime's environment, image and command. */
export function hostNetworkRunArgv(runtime: NodeRuntime, container: string, labels: Readonly<Record<string, string>>): string[] {
  const argv = ["docker", "run", "--detach", "--name", container, "--network", "host"];
  for (const [key, value] of Object.entries(labels).sort()) argv.push("--label", `${key}=${value}`);
  if (runtime.dataplane) {
    argv.push("--privileged");
    for (const mount of DATAPLANE_MOUNTS) argv.push("--volume", mount);
  }
  for (const variable of runtime.env) argv.push("--env", variable);
  argv.push(runtime.image, ...runtime.command);
  return argv;
}

/** Machine-side: the sysctls Calico's dataplane needs, set on the machine (docker refuses --sysctl net.* with the host network). */
export function dataplaneSysctlScript(): string {
  const assignments = Object.entries(CALICO_NODE_SYSCTLS)
    .sort()
    .map(([key, value]) => `${key}=${value}`);
  const sysctl = shellJoin(["sysctl", "-qw", ...assignments]);
  return `if [ "$(id -u)" = 0 ]; then ${sysctl}; else sudo -n ${sysctl}; fi`;
}

/** Machine-side: waits until the machine's Docker engine answers (dockerd starts after sshd on a fresh VM). */
export function dockerWaitScript(machine: string, timeoutSeconds: number): string {
  return [
    "set -eu",
    `deadline=$(($(date +%s) + ${timeoutSeconds}))`,
    "until docker info >/dev/null 2>&1; do",
    `  if [ "$(date +%s)" -ge "$deadline" ]; then echo "calico-lab: ${machine}: the Docker engine did not answer within ${timeoutSeconds}s: $(docker info 2>&1 | tail -n 1)" >&2; exit 1; fi`,
    "  sleep 1",
    "done",
  ].join("\n");
}

export interface RuntimeRun {
  readonly runtime: NodeRuntime;
  /** The machine's name, for messages. */
  readonly machine: string;
  readonly container: string;
  readonly labels: Readonly<Record<string, string>>;
  /** How long the runtime's readiness command may keep failing. */
  readonly readyTimeoutSeconds: number;
  /**
   * The machine outlives the lab (a host the user has): before a Calico node first starts there, the host's
   * state it will change is saved, for its delete to put back (host-state.ts).
   */
  readonly saveHostState?: boolean;
}

/**
 * Machine-side: (re)starts the runtime's container and waits for its readiness command; prints the
 * container's id (the node's instance id). A container that stops or never gets ready fails the step
 * with its last log lines, and is removed.
 */
export function runtimeRunScript(run: RuntimeRun): string {
  const c = shellQuote(run.container);
  const ready = shellJoin(["docker", "exec", run.container, ...run.runtime.readiness.command]);
  // A node that never got ready is no resource, so no delete will put its host back: the failure does.
  const restore =
    run.runtime.dataplane && run.saveHostState === true
      ? `\n${hostStateRunScript(run.runtime.image, run.container, run.labels, hostStateRestoreScript(run.container))} >&2\n`
      : "; ";
  const fail = (why: string) =>
    `echo "calico-lab: ${run.machine}: container ${run.container} ${why}; its last log lines:" >&2; docker logs --tail 40 ${c} >&2 2>&1; docker rm -f ${c} >/dev/null 2>&1${restore}exit 1`;
  return [
    "set -eu",
    ...(run.runtime.dataplane && run.saveHostState === true
      ? [hostStateRunScript(run.runtime.image, run.container, run.labels, hostStateSaveScript(run.container))]
      : []),
    ...(run.runtime.dataplane ? [dataplaneSysctlScript()] : []),
    `docker rm -f ${c} >/dev/null 2>&1 || true`,
    `${shellJoin(hostNetworkRunArgv(run.runtime, run.container, run.labels))} >/dev/null`,
    `deadline=$(($(date +%s) + ${run.readyTimeoutSeconds}))`,
    `until ${ready} >/dev/null 2>&1; do`,
    `  if [ "$(docker inspect --format '{{.State.Running}}' ${c} 2>/dev/null)" != true ]; then ${fail("stopped")}; fi`,
    `  if [ "$(date +%s)" -ge "$deadline" ]; then ${fail(`was not ready within ${run.readyTimeoutSeconds}s (${run.runtime.readiness.command.join(" ")} kept failing)`)}; fi`,
    "  sleep 2",
    "done",
    `docker inspect --format '{{.Id}}' ${c}`,
  ].join("\n");
}

/**
 * Host-side: makes sure the machine's engine holds `image`: when it does not and this machine's engine
 * does, `docker save | docker load` over ssh (the lab's own images on a host or VM without them); else
 * `docker run` pulls it, as the machine allows.
 */
export function imageSyncScript(target: SshTarget, image: string): string {
  const client = sshClient(target);
  const img = shellQuote(image);
  return [
    `if ! ${client} ${shellQuote(`docker image inspect ${img} >/dev/null 2>&1`)} </dev/null; then`,
    `  if command -v docker >/dev/null && docker image inspect ${img} >/dev/null 2>&1; then`,
    `    echo ${shellQuote(`calico-lab: ${target.host}: copying ${image} from this machine's engine`)} >&2`,
    `    docker save ${img} | ${client} 'docker load >/dev/null'`,
    "  else",
    `    echo ${shellQuote(`calico-lab: ${target.host}: ${image} is not there; docker run will pull it`)} >&2`,
    "  fi",
    "fi",
  ].join("\n");
}

/**
 * Host-side: the whole runtime step. Waits for the machine's Docker engine, brings the image, starts the
 * container and waits until it is ready; stdout is the container's id.
 */
export function runtimeCreateScript(target: SshTarget, run: RuntimeRun, dockerTimeoutSeconds: number): string {
  return [
    sshRunScript(target, dockerWaitScript(run.machine, dockerTimeoutSeconds)),
    imageSyncScript(target, run.runtime.image),
    sshRunScript(target, runtimeRunScript(run)),
  ].join("\n");
}

/** What a Calico node's delete needs to put its host back: the node's image (it runs the restore) and the lab's labels. */
export interface HostRestore {
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Host-side: removes the runtime's container, then (`restore`: a Calico node on a host the user has) takes the
 * lab's traces off the host and puts back its saved state. A machine that is gone (a VM stopped), or a restore
 * that fails, only warns: the restore says what stays.
 */
export function runtimeDeleteScript(target: SshTarget, container: string, restore?: HostRestore): string {
  const remove = `docker rm -f ${shellQuote(container)} >/dev/null 2>&1 || true`;
  const remote = restore
    ? `${remove}\n${hostStateRunScript(restore.image, container, restore.labels, hostStateRestoreScript(container))}`
    : remove;
  return `${sshClient(target)} ${shellQuote(remote)} </dev/null${orWarn(`removing container ${container} on ${target.host}${restore ? " and putting the host back" : ""}`)}`;
}

/**
 * Host-side, the runtime step's refresh: exits 0 while the container runs on its machine; any failure
 * (the container stopped or gone, the machine unreachable: a VM killed) drops the step, so the next up
 * starts the runtime anew (created, not replaced: the steps inside it then run their deletes against
 * the new container, not against a machine that has none yet).
 */
export function runtimeAliveScript(target: SshTarget, container: string): string {
  const remote = `[ "$(docker inspect --format '{{.State.Running}}' ${shellQuote(container)} 2>/dev/null)" = true ]`;
  return `${sshClient(target)} ${shellQuote(remote)} </dev/null`;
}

/** A node's shell: ssh to its machine, then `docker exec -i <container> sh -s` there. */
export function machineNodeShell(target: SshTarget, container: string): NodeShell {
  return shellFor(sshAccess(target, container));
}

/** Machine-side: the machine's boot id, which changes whenever it boots (the VM or host was made anew). */
export const BOOT_ID_SCRIPT = "cat /proc/sys/kernel/random/boot_id";
