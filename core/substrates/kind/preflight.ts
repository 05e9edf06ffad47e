/**
 * Preflight for the kind substrate: what must hold on this machine before a kind lab can come up, and
 * what to say when it does not. Pure: the runner (components/kind/preflight.ts) runs the commands and
 * hands their results here.
 */

/** The result of one command run by the preflight. */
export interface CommandResult {
  /** False when the program is not on PATH at all. */
  readonly found: boolean;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KindPreflightObservations {
  /** `docker version --format {{.Server.Version}}` */
  readonly docker: CommandResult;
  /** `kind version` */
  readonly kind: CommandResult;
  /** `docker run --rm --privileged ...`; absent when Docker was not reachable. */
  readonly privileged?: CommandResult;
  /** /proc/meminfo; read only when VPP asks for hugepages. */
  readonly meminfo?: string;
  /** `ls /dev/vhost-net` in a privileged container of the probe image (the engine's kernel); only when wanted. */
  readonly vhostNet?: CommandResult;
}

export interface KindPreflightWants {
  readonly kindVersion: string;
  readonly nodeImage: string;
  /** The image the privileged test container runs (the node image: kind needs it anyway). */
  readonly probeImage: string;
  /** kind nodes in the cluster (control plane + workers). */
  readonly nodes: number;
  /** 2 MiB hugepages VPP takes on each node; 0 when VPP runs without them or the scenario is kdd. */
  readonly hugepagesPerNode: number;
  /** The engine and kind of the offline build (scripts/offline/docker-v28.sh), when the lab runs on those. */
  readonly ownEngine?: boolean;
  /** Calico/VPP: every pod's interface is a tap v2 of VPP's, which needs the kernel's vhost-net. */
  readonly vhostNet?: boolean;
}

const OWN_ENGINE_HINT =
  "The offline lab runs kind on the engine the offline build makes (bash scripts/offline/build.sh --kind); " +
  "start it with `bash scripts/offline/docker-v28.sh start` (npm run lab:up does).";

export type PreflightCheck = "docker" | "kind" | "privileged" | "hugepages" | "vhost-net";

export interface PreflightProblem {
  readonly check: PreflightCheck;
  /** What is missing and how to get it, in one paragraph. */
  readonly message: string;
}

const firstLine = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .find((line) => line !== "") ?? "";

/** The version from `kind version` ("kind v0.29.0 go1.24.2 linux/amd64") or `kind version -q` ("0.29.0"). */
export function kindVersionFrom(output: string): string | undefined {
  const match = /(?:^|\s)v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.+-]+)?)(?:\s|$)/.exec(output.trim());
  return match?.[1] ? `v${match[1]}` : undefined;
}

/** The free and total 2 MiB hugepages in /proc/meminfo, or undefined when the default huge page size is not 2 MiB. */
export function hugepagesFrom(meminfo: string): { free: number; total: number } | undefined {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(meminfo);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  };
  if (field("Hugepagesize") !== 2048) return undefined;
  return { free: field("HugePages_Free") ?? 0, total: field("HugePages_Total") ?? 0 };
}

const PULL_FAILURE =
  /Unable to find image|pull access denied|manifest unknown|not found: manifest|error pulling image|registry|dial tcp|no such host|TLS handshake|i\/o timeout/i;

function kindInstallHint(version: string): string {
  return (
    `install kind ${version}: \`go install sigs.k8s.io/kind@${version}\` (from the Go module proxy; it lands in $(go env GOPATH)/bin, ` +
    `which must be on PATH), or the release binary https://kind.sigs.k8s.io/dl/${version}/kind-linux-amd64`
  );
}

/** Every problem found, in the order the checks depend on each other; empty when the machine can run the lab. */
export function checkKindPreflight(seen: KindPreflightObservations, want: KindPreflightWants): PreflightProblem[] {
  const problems: PreflightProblem[] = [];

  if (want.ownEngine && (!seen.docker.found || seen.docker.code !== 0 || !seen.kind.found)) {
    const said = firstLine(seen.docker.stderr) || (seen.kind.found ? `exit ${seen.docker.code}` : "no kind binary");
    problems.push({ check: "docker", message: `The lab's own Docker engine does not answer ("${said}"). ${OWN_ENGINE_HINT}` });
    return problems;
  }

  if (!seen.docker.found) {
    problems.push({
      check: "docker",
      message:
        "Docker is missing: the docker CLI is not on PATH. kind runs every node as a Docker container; install Docker Engine " +
        "(https://docs.docker.com/engine/install/, or `apt-get install docker.io` on Debian) and start it.",
    });
  } else if (seen.docker.code !== 0) {
    problems.push({
      check: "docker",
      message:
        `Docker is not reachable: \`docker version\` says "${firstLine(seen.docker.stderr) || `exit ${seen.docker.code}`}". ` +
        "Start the engine (`systemctl start docker`, or `dockerd &`) and make sure this user may use it " +
        "(membership of the docker group, or DOCKER_HOST pointing at the engine).",
    });
  }

  if (!seen.kind.found) {
    problems.push({
      check: "kind",
      message: `kind is missing: it is not on PATH. The lab is pinned to kind ${want.kindVersion}; ${kindInstallHint(want.kindVersion)}.`,
    });
  } else {
    const version = kindVersionFrom(seen.kind.stdout);
    if (seen.kind.code !== 0 || !version) {
      problems.push({
        check: "kind",
        message: `kind did not report its version (\`kind version\`: "${firstLine(seen.kind.stderr || seen.kind.stdout)}"); ${kindInstallHint(want.kindVersion)}.`,
      });
    } else if (version !== want.kindVersion) {
      problems.push({
        check: "kind",
        message:
          `kind ${version} is on PATH, but the lab is pinned to kind ${want.kindVersion}, whose release names the node image ` +
          `${want.nodeImage}; ${kindInstallHint(want.kindVersion)}. To use another kind, set kind.kindVersion and kind.nodeImage ` +
          "to that release's version and node image together.",
      });
    }
  }

  const run = seen.privileged;
  if (run && run.code !== 0) {
    // docker prints "Unable to find image ... locally" before the error that matters.
    const said = firstLine(run.stderr.split("\n").find((line) => /error/i.test(line)) ?? run.stderr) || `exit ${run.code}`;
    problems.push(
      PULL_FAILURE.test(run.stderr)
        ? {
            check: "privileged",
            message:
              `The node image ${want.probeImage} could not be pulled ("${said}"), so whether this engine runs privileged ` +
              "containers is unknown. kind pulls the same image: make the registry reachable, or `docker load` the image.",
          }
        : {
            check: "privileged",
            message:
              `This Docker engine cannot run privileged containers: \`docker run --privileged\` fails with "${said}". ` +
              "kind runs every node with --privileged; use a Docker engine that allows it (a machine or VM of your own, not a " +
              "rootless or otherwise restricted engine such as one inside an unprivileged container).",
          },
    );
  }

  if (want.hugepagesPerNode > 0) {
    const needed = want.hugepagesPerNode * want.nodes;
    const pages = seen.meminfo === undefined ? undefined : hugepagesFrom(seen.meminfo);
    if (!pages || pages.free < needed) {
      const have = !pages
        ? "this host's huge page size is not 2 MiB"
        : pages.total === 0
          ? "none are reserved"
          : `${pages.free} of ${pages.total} are free`;
      problems.push({
        check: "hugepages",
        message:
          `VPP asks for ${want.hugepagesPerNode} hugepages of 2 MiB on each of the ${want.nodes} kind nodes, and the nodes share ` +
          `this host's kernel: ${needed} pages are needed and ${have}. Reserve them with ` +
          `\`sudo sysctl -w vm.nr_hugepages=${(pages?.total ?? 0) - (pages?.free ?? 0) + needed}\`, or set vpp.hugepages to 0 ` +
          "to run VPP without hugepages (as Calico VPP's own kind manifest does).",
      });
    }
  }
  const vhost = want.vhostNet ? vhostNetProblem(seen.vhostNet) : undefined;
  if (vhost) problems.push(vhost);
  return problems;
}

/**
 * Calico/VPP on kind: the nodes share the engine's kernel, so /dev/vhost-net must exist there. A privileged
 * container sees the host's devices; its `ls` failing for another reason (the image, the engine) is said as is.
 */
function vhostNetProblem(run: CommandResult | undefined): PreflightProblem | undefined {
  if (!run || run.code === 0) return undefined;
  const said = firstLine(run.stderr) || `exit ${run.code}`;
  const missing = /No such file or directory/i.test(run.stderr);
  return {
    check: "vhost-net",
    message:
      "Calico/VPP gives every pod a tap interface of VPP's (tap v2: virtio over the kernel's vhost-net), and kind's nodes " +
      "share this engine's kernel: " +
      (missing
        ? `/dev/vhost-net is missing there ("${said}"). `
        : `whether /dev/vhost-net exists there is unknown (\`ls /dev/vhost-net\` in a privileged container: "${said}"). `) +
      "Load the module (`modprobe vhost_net`) where the kernel has it, or run the lab on a machine or VM whose kernel has vhost-net.",
  };
}

/** One message for all problems, for a RunError: it names each check and says how to fix it. */
export function preflightMessage(problems: readonly PreflightProblem[]): string {
  const lines = problems.map((p) => `  - ${p.check}: ${p.message}`);
  return `the kind substrate cannot run on this machine (${problems.length} preflight check${problems.length === 1 ? "" : "s"} failed):\n${lines.join("\n")}`;
}
