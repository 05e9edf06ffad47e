import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { dockerContainerProvider } from "../../components/substrates/docker/container";
import type { ContainerSpec } from "../../core/substrates/docker/argv";

// The provider's own logic, run directly: its docker CLI is a script on PATH that records what it was asked.
const provider = dockerContainerProvider as Required<typeof dockerContainerProvider>;

const spec: ContainerSpec = {
  name: "lab-calico1",
  image: "calico-lab/node:test",
  hostname: "calico1",
  network: "lab-underlay-net",
  ipv4Address: "192.168.4.5",
  env: ["NODENAME=calico1"],
  capAdd: ["NET_ADMIN"],
  securityOpt: [],
  sysctls: {},
  labels: { "calico-lab.lab": "lab" },
  command: [],
};
const old = { ...spec, containerId: "c0ffee" };

/** A `docker` first on PATH that appends its arguments to a file, for this test only. */
function recordingDocker(answer = ""): () => string[] {
  const dir = mkdtempSync(join(tmpdir(), "calico-lab-docker-"));
  const log = join(dir, "calls");
  writeFileSync(log, "");
  writeFileSync(join(dir, "docker"), `#!/bin/sh\necho "$*" >> ${JSON.stringify(log)}\n${answer}\n`);
  chmodSync(join(dir, "docker"), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path ?? ""}`;
  onTestFinished(() => {
    process.env.PATH = path;
    rmSync(dir, { recursive: true, force: true });
  });
  return () => readFileSync(log, "utf8").split("\n").filter(Boolean);
}

describe("DockerContainer provider: what a change does", () => {
  it("a new restart policy or readiness wait is an update of the running container; its image replaces it", async () => {
    expect(await provider.diff("c0ffee", old, spec)).toMatchObject({ changes: false, replaces: [] });
    expect(await provider.diff("c0ffee", old, { ...spec, restartPolicy: "on-failure" })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: true,
    });
    const readiness = { command: ["true"], timeoutSeconds: 5 };
    expect(await provider.diff("c0ffee", old, { ...spec, readiness })).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff("c0ffee", old, { ...spec, image: "calico-lab/node:other" })).toMatchObject({
      changes: true,
      replaces: ["image"],
    });
  });

  it("update sets the new restart policy on the container with docker update, keeping its id", async () => {
    const calls = recordingDocker();
    const news = { ...spec, restartPolicy: "on-failure" as const };
    expect(await provider.update("c0ffee", old, news)).toEqual({ outs: { ...news, containerId: "c0ffee" } });
    expect(calls()).toEqual(["update --restart on-failure lab-calico1"]);
    await provider.update("c0ffee", news, { ...spec });
    expect(calls().at(-1)).toBe("update --restart no lab-calico1");
  });

  it("update leaves Docker alone when only the readiness wait changed", async () => {
    const calls = recordingDocker();
    await provider.update("c0ffee", old, { ...spec, readiness: { command: ["true"], timeoutSeconds: 5 } });
    expect(calls()).toEqual([]);
  });
});

describe("DockerContainer provider: delete", () => {
  it("removes the container with its volumes", async () => {
    const calls = recordingDocker();
    await provider.delete("c0ffee", old);
    expect(calls()).toEqual(["rm --force --volumes lab-calico1"]);
  });

  it("a container Docker does not have is already deleted", async () => {
    recordingDocker('echo "Error response from daemon: No such container: lab-calico1" >&2; exit 1');
    await expect(provider.delete("c0ffee", old)).resolves.toBeUndefined();
  });

  it("any other failure of docker rm fails the delete, naming the container and what Docker said", async () => {
    recordingDocker('echo "Error response from daemon: cannot remove container: device or resource busy" >&2; exit 1');
    await expect(provider.delete("c0ffee", old)).rejects.toThrow(/lab-calico1.*\n?.*device or resource busy/);
  });
});
