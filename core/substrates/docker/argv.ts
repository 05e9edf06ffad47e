/** What the lab asks Docker for; plain data so that it can be diffed, stored in state and unit tested. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly hostname: string;
  readonly network: string;
  readonly ipv4Address: string;
  readonly env: readonly string[];
  readonly capAdd: readonly string[];
  readonly securityOpt: readonly string[];
  readonly sysctls: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly command: readonly string[];
  readonly entrypoint?: string;
  /** Docker's restart policy (`--restart`); absent: Docker's default, never restarted. */
  readonly restartPolicy?: RestartPolicy;
}

/** The restart policies the lab uses: `on-failure` starts a container again when its process exits non-zero. */
export type RestartPolicy = "no" | "on-failure";

export interface NetworkSpec {
  readonly name: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly internal: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

/** `docker run` for a lab node: never --privileged, only the capabilities asked for. */
export function dockerRunArgv(spec: ContainerSpec): string[] {
  const argv = ["docker", "run", "--detach", "--name", spec.name, "--hostname", spec.hostname];
  argv.push("--network", spec.network, "--ip", spec.ipv4Address);
  for (const [key, value] of Object.entries(spec.labels).sort()) argv.push("--label", `${key}=${value}`);
  for (const cap of spec.capAdd) argv.push("--cap-add", cap);
  for (const opt of spec.securityOpt) argv.push("--security-opt", opt);
  for (const [key, value] of Object.entries(spec.sysctls).sort()) argv.push("--sysctl", `${key}=${value}`);
  for (const variable of spec.env) argv.push("--env", variable);
  if (spec.entrypoint !== undefined) argv.push("--entrypoint", spec.entrypoint);
  if (spec.restartPolicy !== undefined) argv.push("--restart", spec.restartPolicy);
  argv.push(spec.image, ...spec.command);
  return argv;
}

export function dockerNetworkCreateArgv(spec: NetworkSpec): string[] {
  const argv = ["docker", "network", "create", "--driver", "bridge", "--subnet", spec.subnet, "--gateway", spec.gateway];
  if (spec.internal) argv.push("--internal");
  for (const [key, value] of Object.entries(spec.labels).sort()) argv.push("--label", `${key}=${value}`);
  argv.push(spec.name);
  return argv;
}
