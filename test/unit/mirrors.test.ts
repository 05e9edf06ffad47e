import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../core/config/defaults";
import { imageSetOf } from "../../core/config/image-mode";
import { loadLabConfig } from "../../core/config/load";
import {
  mirrorImage,
  mirrorImageSet,
  mirrorToolSource,
  mirrorUrl,
  registryMirrorProblem,
  registryOf,
  releaseMirrorProblem,
} from "../../core/config/mirrors";
import { messages } from "../support/config-messages";

const mirrors = { registryMirror: "127.0.0.1:5000", releaseMirror: "http://127.0.0.1:8080" };

describe("mirror rewrites", () => {
  it("move quay.io images to the registry mirror, repository path, tag and digest kept", () => {
    expect(mirrorImage("quay.io/calico/node:v3.28.5", "127.0.0.1:5000")).toBe("127.0.0.1:5000/calico/node:v3.28.5");
    expect(mirrorImage("quay.io/coreos/etcd:v3.4.23", "mirror.example.com")).toBe("mirror.example.com/coreos/etcd:v3.4.23");
    expect(mirrorImage("quay.io/calico/cni@sha256:" + "0".repeat(64), "harbor.example.com/quay-proxy/")).toBe(
      "harbor.example.com/quay-proxy/calico/cni@sha256:" + "0".repeat(64),
    );
  });

  it("leave other registries, Docker Hub names, local images and an empty mirror alone", () => {
    expect(mirrorImage("docker.io/calicovpp/agent:v3.28.0", "127.0.0.1:5000")).toBe("docker.io/calicovpp/agent:v3.28.0");
    expect(mirrorImage("calico/node:v3.28.5", "127.0.0.1:5000")).toBe("calico/node:v3.28.5");
    expect(mirrorImage("quay.io.example.com/calico/node:v1", "127.0.0.1:5000")).toBe("quay.io.example.com/calico/node:v1");
    expect(mirrorImage("calico-lab/node:v3.28.5", "127.0.0.1:5000")).toBe("calico-lab/node:v3.28.5");
    expect(mirrorImage("quay.io/calico/node:v3.28.5", "")).toBe("quay.io/calico/node:v3.28.5");
    expect(registryOf("quay.io/calico/node:v3.28.5")).toBe("quay.io");
    expect(registryOf("localhost/x")).toBe("localhost");
    expect(registryOf("calico/node")).toBeUndefined();
    expect(registryOf("busybox")).toBeUndefined();
  });

  it("move github.com downloads to the release mirror, path kept; other URLs and an empty mirror stay", () => {
    expect(mirrorUrl("https://github.com/projectcalico/calico/releases/download/v3.28.5/SHA256SUMS", "http://127.0.0.1:8080")).toBe(
      "http://127.0.0.1:8080/projectcalico/calico/releases/download/v3.28.5/SHA256SUMS",
    );
    expect(mirrorUrl("https://github.com/a/b/releases/download/v1/f", "https://artifacts.example.com/github/")).toBe(
      "https://artifacts.example.com/github/a/b/releases/download/v1/f",
    );
    expect(mirrorUrl("https://github.com.example.com/a", "http://m")).toBe("https://github.com.example.com/a");
    expect(mirrorUrl("http://github.com/a", "http://m")).toBe("http://github.com/a");
    expect(mirrorUrl("https://downloads.example.com/a", "http://m")).toBe("https://downloads.example.com/a");
    expect(mirrorUrl("https://github.com/a", "")).toBe("https://github.com/a");
  });

  it("move a url source's download and checksum file; a pinned sha256 stays and still wins", () => {
    const sha256 = "c".repeat(64);
    expect(
      mirrorToolSource(
        {
          kind: "url",
          url: "https://github.com/o/r/releases/download/v1/t",
          checksumUrl: "https://github.com/o/r/releases/download/v1/SUMS",
          sha256,
        },
        mirrors,
      ),
    ).toEqual({
      kind: "url",
      url: "http://127.0.0.1:8080/o/r/releases/download/v1/t",
      checksumUrl: "http://127.0.0.1:8080/o/r/releases/download/v1/SUMS",
      sha256,
    });
    expect(mirrorToolSource({ kind: "go", module: "github.com/containernetworking/cni/cnitool", version: "v1.3.0" }, mirrors)).toEqual({
      kind: "go",
      module: "github.com/containernetworking/cni/cnitool",
      version: "v1.3.0",
    });
    expect(mirrorToolSource({ kind: "manifest", artifact: "calicoctl" }, mirrors)).toEqual({ kind: "manifest", artifact: "calicoctl" });
  });

  it("give the whole online set, exactly", () => {
    expect(mirrorImageSet(DEFAULTS.artifacts.online, mirrors)).toEqual({
      etcd: "127.0.0.1:5000/coreos/etcd:v3.4.23",
      node: "127.0.0.1:5000/calico/node:v3.28.5",
      apiserver: "",
      etcdRunsScripts: false,
      tools: {
        calicoctl: {
          kind: "url",
          url: "http://127.0.0.1:8080/projectcalico/calico/releases/download/v3.28.5/calicoctl-linux-amd64",
          checksumUrl: "http://127.0.0.1:8080/projectcalico/calico/releases/download/v3.28.5/SHA256SUMS",
        },
        calico: { kind: "image", image: "127.0.0.1:5000/calico/cni:v3.28.5", path: "/opt/cni/bin/calico" },
        calicoIpam: { kind: "image", image: "127.0.0.1:5000/calico/cni:v3.28.5", path: "/opt/cni/bin/calico-ipam" },
        cnitool: { kind: "go", module: "github.com/containernetworking/cni/cnitool", version: "v1.3.0" },
        cniPlugins: {
          kind: "url",
          url: "http://127.0.0.1:8080/containernetworking/plugins/releases/download/v1.7.1/cni-plugins-linux-amd64-v1.7.1.tgz",
          checksumUrl:
            "http://127.0.0.1:8080/containernetworking/plugins/releases/download/v1.7.1/cni-plugins-linux-amd64-v1.7.1.tgz.sha256",
          archive: true,
        },
      },
    });
    expect(mirrorImageSet(DEFAULTS.artifacts.online, { registryMirror: "", releaseMirror: "" })).toEqual(DEFAULTS.artifacts.online);
    expect(mirrorImageSet(DEFAULTS.artifacts.offline, mirrors)).toEqual(DEFAULTS.artifacts.offline);
  });

  it("are what the lab builds from: imageSetOf applies the settings", () => {
    const config = loadLabConfig({
      imageMode: "online",
      artifacts: { registryMirror: "127.0.0.1:5000", releaseMirror: "http://127.0.0.1:8080/" },
    });
    expect(imageSetOf(config)).toEqual(mirrorImageSet(DEFAULTS.artifacts.online, mirrors));
    expect(imageSetOf(loadLabConfig({ imageMode: "online" }))).toEqual(DEFAULTS.artifacts.online);
    expect(imageSetOf(loadLabConfig({ imageMode: "offline" }))).toEqual(DEFAULTS.artifacts.offline);
  });
});

describe("mirror settings", () => {
  it("default to empty: the official quay.io and github.com", () => {
    const { artifacts } = loadLabConfig({});
    expect([artifacts.registryMirror, artifacts.releaseMirror]).toEqual(["", ""]);
  });

  it("accept registries as Docker names them, and http(s) prefixes", () => {
    for (const ok of [
      "127.0.0.1:5000",
      "mirror.example.com",
      "localhost:5000",
      "localhost",
      "harbor.example.com/quay-proxy",
      "[::1]:5000",
      "REG.example.com",
    ]) {
      expect(registryMirrorProblem(ok), ok).toBeUndefined();
    }
    for (const ok of ["http://127.0.0.1:8080", "https://artifacts.example.com/github/", "http://m.example.com/a/b"]) {
      expect(releaseMirrorProblem(ok), ok).toBeUndefined();
    }
  });

  it("refuse a scheme, a bare name Docker would take for a Docker Hub namespace, a bad port or path, naming what is allowed", () => {
    const example = "such as registry.example.com, mirror.example.com:5000 or harbor.example.com/quay-proxy";
    expect(
      messages({
        artifacts: { registryMirror: "https://mirror.example.com", releaseMirror: "ftp://mirror.example.com" },
      }),
    ).toEqual([
      `artifacts.registryMirror = "https://mirror.example.com": allowed is a registry host[:port][/path] without a scheme, ${example}`,
      'artifacts.releaseMirror = "ftp://mirror.example.com": allowed is empty (github.com itself) or an http(s) URL prefix without credentials, query or fragment, such as https://mirror.example.com/github',
    ]);
    expect(messages({ artifacts: { registryMirror: "mirror" } })).toEqual([
      `artifacts.registryMirror = "mirror": Docker would read "mirror" as a Docker Hub namespace, not a registry: give the host a domain or a port, ${example}`,
    ]);
    expect(messages({ artifacts: { registryMirror: "m.example.com:70000" } })).toEqual([
      `artifacts.registryMirror = "m.example.com:70000": the port must be 1 to 65535; ${example}`,
    ]);
    expect(messages({ artifacts: { registryMirror: "m.example.com/Quay", releaseMirror: "http://m.example.com/?x=1" } })).toEqual([
      `artifacts.registryMirror = "m.example.com/Quay": allowed is empty (quay.io itself) or a registry host[:port][/path], ${example}`,
      'artifacts.releaseMirror = "http://m.example.com/?x=1": allowed is empty (github.com itself) or an http(s) URL prefix without credentials, query or fragment, such as https://mirror.example.com/github',
    ]);
    expect(messages({ artifacts: { registryMirror: 5000, releaseMirror: true } })).toEqual([
      "artifacts.registryMirror = 5000: allowed is a registry host[:port][/path], or empty for quay.io",
      "artifacts.releaseMirror = true: allowed is an http(s) URL prefix, or empty for github.com",
    ]);
  });

  it("are refused where they would do nothing: offline mode, the kind substrate, an online set with nothing on quay.io or github.com", () => {
    expect(messages({ imageMode: "offline", artifacts: { releaseMirror: "http://m.example.com" } })).toEqual([
      'artifacts.releaseMirror = "http://m.example.com": imageMode offline pulls and downloads nothing (its images and tools come from npm run offline:build); mirrors serve online mode: empty it, or set imageMode online (or auto)',
    ]);
    expect(messages({ scenario: "kdd", substrate: "kind", artifacts: { registryMirror: "m.example.com" } })).toEqual([
      "artifacts.registryMirror = \"m.example.com\": on the kind substrate the cluster pulls kind's node image and the tigera operator's images itself, and the operator manifest comes from raw.githubusercontent.com, none of them through these mirrors; mirrors serve the docker substrate: empty it",
    ]);
    // Settings merge field by field: the tool sources keep their kind and change their references.
    const elsewhere = {
      etcd: "registry.example.com/etcd:v3.4.23",
      node: "registry.example.com/calico/node:v3.28.5",
      tools: {
        calicoctl: { url: "https://downloads.example.com/calicoctl", checksumUrl: "https://downloads.example.com/SHA256SUMS" },
        calico: { image: "registry.example.com/calico/cni:v3.28.5" },
        calicoIpam: { image: "registry.example.com/calico/cni:v3.28.5" },
        cniPlugins: { url: "https://downloads.example.com/cni.tgz", checksumUrl: "https://downloads.example.com/cni.tgz.sha256" },
      },
    };
    expect(messages({ artifacts: { online: elsewhere, registryMirror: "m.example.com", releaseMirror: "http://m.example.com" } })).toEqual([
      'artifacts.registryMirror = "m.example.com": it stands in for quay.io, and no image in artifacts.online is on quay.io: empty it, or name the images by their quay.io references',
      'artifacts.releaseMirror = "http://m.example.com": it stands in for https://github.com, and no download in artifacts.online is under https://github.com/: empty it, or name the downloads by their https://github.com URLs',
    ]);
    // A refused mirror value skips the checks that read it.
    expect(messages({ imageMode: "offline", artifacts: { registryMirror: "mirror" } })).toHaveLength(1);
  });
});
