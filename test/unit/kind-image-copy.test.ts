import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveImageMode } from "../../core/config/image-mode";
import { copyImagesScript } from "../../core/substrates/kind/scripts";

const SOCKET = "unix:///run/calico-lab-v28/docker.sock";
const IMAGES = ["calico-lab/calico-vpp-manager:v3.28.0-vpp24.02", "calico-lab/calico-vpp-agent:v3.28.0"];
const BUILD = "run bash scripts/offline/build.sh --calico-vpp";

// A stand-in `docker`: the machine's engine (no DOCKER_HOST) holds $MACHINE, the kind engine $ENGINE (image names,
// space-separated, each with ID id-<name>); it logs each inspect, and each load with what it read (from save).
const dir = mkdtempSync(join(tmpdir(), "calico-lab-image-copy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = join(dir, "log");
writeFileSync(
  join(dir, "docker"),
  `#!/bin/bash
held=$MACHINE; [ -n "\${DOCKER_HOST:-}" ] && held=$ENGINE
case "$1 $2" in
  "image inspect") echo "[\${DOCKER_HOST:-machine}] $*" >> ${log}; for i in $held; do [ "$i" = "\${!#}" ] && { echo "id-$i"; exit 0; }; done; echo "Error: No such image: \${!#}" >&2; exit 1 ;;
  "save "*) echo "tar of $2 from \${DOCKER_HOST:-machine}" ;;
  "load -q") echo "[\${DOCKER_HOST:-machine}] load -q: $(cat)" >> ${log} ;;
esac
`,
);
chmodSync(join(dir, "docker"), 0o755);

function run(machine: string[], engine: string[]) {
  rmSync(log, { force: true });
  const result = spawnSync("/bin/bash", ["-c", copyImagesScript(SOCKET, IMAGES, BUILD)], {
    encoding: "utf8",
    env: {
      ...process.env,
      PATH: `${dir}:${process.env.PATH ?? ""}`,
      MACHINE: machine.join(" "),
      ENGINE: engine.join(" "),
      DOCKER_HOST: SOCKET,
    },
  });
  return { code: result.status, stderr: result.stderr, calls: readFileSync(log, "utf8").trim().split("\n") };
}

describe("the offline Calico/VPP images into the kind engine", () => {
  it("reads each image's ID on the machine's engine, and copies it only where the kind engine lacks that ID", () => {
    const [manager = "", agent = ""] = IMAGES;
    const { code, calls } = run(IMAGES, [agent]);
    expect(code).toBe(0);
    expect(calls).toEqual([
      `[machine] image inspect --format {{.Id}} ${manager}`,
      `[${SOCKET}] image inspect --format {{.Id}} ${manager}`,
      `[${SOCKET}] load -q: tar of ${manager} from machine`,
      `[machine] image inspect --format {{.Id}} ${agent}`,
      `[${SOCKET}] image inspect --format {{.Id}} ${agent}`,
    ]);
  });

  it("stops, saying what to build, when the machine's engine lacks one", () => {
    const { code, stderr } = run([IMAGES[1] ?? ""], []);
    expect(code).toBe(1);
    expect(stderr).toContain(`no image ${IMAGES[0]} on the Docker engine of this machine: ${BUILD}`);
  });
});

describe("imageMode auto on kind", () => {
  const kind = (scenario: string) => ({ imageMode: "auto" as const, substrate: "kind" as const, scenario: scenario as "kdd" });
  it("is offline for calico-vpp only when both the kind parts and Calico/VPP are built", () => {
    const both = { offlineBuildPresent: true, kindBuildPresent: true, calicoVppBuildPresent: true };
    expect(resolveImageMode(kind("calico-vpp"), both)).toBe("offline");
    expect(resolveImageMode(kind("calico-vpp"), { ...both, calicoVppBuildPresent: false })).toBe("online");
    expect(resolveImageMode(kind("calico-vpp"), { ...both, kindBuildPresent: false })).toBe("online");
    expect(resolveImageMode(kind("kdd"), { ...both, calicoVppBuildPresent: false })).toBe("offline");
    expect(resolveImageMode(kind("kdd"), { ...both, kindBuildPresent: false })).toBe("online");
  });
});
