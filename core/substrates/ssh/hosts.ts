import type { SshHost } from "../../config/types";
import { shellQuote } from "../../shell";
import { controlPathFor, type SshTarget } from "../../transports/ssh";
import { BOOT_ID_SCRIPT } from "./runner";

/** How the lab reaches one of the user's hosts; `~/` in the key's path is this machine's home; connections shared under `cacheDir`. */
export function sshHostTarget(lab: string, host: SshHost, home: string, cacheDir: string): SshTarget {
  const keyPath = host.privateKey.startsWith("~/") ? `${home}/${host.privateKey.slice(2)}` : host.privateKey;
  return {
    lab,
    host: host.name,
    address: host.address,
    user: host.user,
    port: host.port,
    keyPath,
    hostKeys: "accept-new",
    controlPath: controlPathFor(lab, "", cacheDir),
  };
}

export interface HostCheck {
  /** The host's name in the lab, for messages. */
  readonly host: string;
  readonly user: string;
  readonly address: string;
  /** The node runs Calico's dataplane: BGP's port, sysctls, tunnel modules matter. */
  readonly dataplane: boolean;
  /** Kernel modules the pools' encapsulation needs on the host (ipip, vxlan). */
  readonly modules: readonly string[];
  /** The lab's container on it: a BGP port held by this container is ours. */
  readonly container: string;
}

/**
 * Machine-side: what a host needs before the lab runs a node on it, each missing thing named with what
 * to do; prints the host's boot id when all is there. Docker present and usable by the ssh user (as in
 * the tutorial: the lab does not install it), tar; for a Calico node also root or passwordless sudo (for
 * the sysctls), the pools' tunnel modules, and port 179 free for BIRD.
 */
export function hostCheckScript(check: HostCheck): string {
  const lines = [
    "problems=''",
    'problem() { problems="$problems\n  - $1"; }',
    "command -v docker >/dev/null 2>&1 || problem 'docker is not installed: install the docker.io package of your distribution (or Docker Engine)'",
    `command -v docker >/dev/null 2>&1 && ! docker info >/dev/null 2>&1 && problem "docker does not answer for ${check.user}: $(docker info 2>&1 | tail -n 1) (start dockerd; add ${check.user} to the docker group, or use root)"`,
    "command -v tar >/dev/null 2>&1 || problem 'tar is not installed (the lab copies its tools with it)'",
  ];
  if (check.dataplane) {
    lines.push(
      `[ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null || problem "${check.user} is neither root nor allowed passwordless sudo: the lab sets net.ipv4.ip_forward=1 and rp_filter=0 on the host"`,
      ...check.modules.map(
        (module) =>
          `[ -d /sys/module/${module} ] || find "/lib/modules/$(uname -r)" -name '${module}.ko*' 2>/dev/null | grep . >/dev/null || problem "the kernel has no ${module} module (an IP pool encapsulates with it): install it, or change the pool's mode"`,
      ),
      `if command -v ss >/dev/null 2>&1 && ! docker ps -q --filter name=${shellQuote(`^${check.container}$`)} 2>/dev/null | grep . >/dev/null; then`,
      `  ss -Hltn 'sport = :179' 2>/dev/null | grep . >/dev/null && problem "TCP port 179 (BGP) is taken by another program: $(ss -Hltnp 'sport = :179' 2>/dev/null | sed -n 1p); stop it (BIRD of calico-node listens there)"`,
      "fi",
    );
  }
  lines.push(
    `if [ -n "$problems" ]; then echo "calico-lab: host ${check.host} (${check.user}@${check.address}) is not ready:$problems" >&2; exit 1; fi`,
    BOOT_ID_SCRIPT,
  );
  return lines.join("\n");
}
