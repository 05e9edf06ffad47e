/**
 * Local stand-ins for what an enterprise mirrors: a container registry (Debian's docker-registry) and a
 * release site serving GitHub's release layout, both on 127.0.0.1 only, both started and stopped by the
 * test that uses them. Nothing here sends traffic anywhere but to these two servers and the local engine.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { join, resolve } from "node:path";

const LOOPBACK = "127.0.0.1";

/** A TCP port nothing on 127.0.0.1 listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request to one of our own loopback servers; `body` is a Buffer or a file to stream. */
function http(
  method: string,
  url: string,
  body?: { buffer: Buffer } | { file: string },
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const target = new URL(url);
  if (target.hostname !== LOOPBACK) throw new Error(`refusing to send ${method} ${url}: the test talks only to ${LOOPBACK}`);
  const length = body === undefined ? 0 : "buffer" in body ? body.buffer.length : statSync(body.file).size;
  return new Promise((resolve, reject) => {
    const req = request(target, { method, headers: { ...headers, "Content-Length": String(length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body === undefined) req.end();
    else if ("buffer" in body) req.end(body.buffer);
    else createReadStream(body.file).pipe(req);
  });
}

export interface LocalRegistry {
  /** host:port, what `artifacts.registryMirror` is set to. */
  readonly host: string;
  /** The registry's access log so far (every request it served). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Debian's docker-registry, listening on 127.0.0.1 only, its storage in `dir`. Docker talks plain HTTP to
 * registries in 127.0.0.0/8 without any daemon setting.
 */
export async function startRegistry(dir: string, binary = "/usr/bin/docker-registry"): Promise<LocalRegistry> {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install -y docker-registry (.ci/run does)`);
  mkdirSync(join(dir, "storage"), { recursive: true });
  const logPath = join(dir, "registry.log");
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "storage")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: ${LOOPBACK}:${port}`,
      "",
    ].join("\n");
    writeFileSync(join(dir, "config.yml"), config);
    const log = openSync(logPath, "a");
    const child: ChildProcess = spawn(binary, ["serve", join(dir, "config.yml")], { stdio: ["ignore", log, log] });
    let exited = false;
    child.on("exit", () => (exited = true));
    const host = `${LOOPBACK}:${port}`;
    for (let i = 0; i < 100 && !exited; i++) {
      const answer = await http("GET", `http://${host}/v2/`).catch(() => undefined);
      if (answer?.status === 200) {
        return {
          host,
          log: () => readFileSync(logPath, "utf8"),
          stop: async () => {
            if (child.exitCode !== null || exited) return;
            const gone = new Promise((resolve) => child.on("exit", resolve));
            child.kill("SIGTERM");
            await Promise.race([gone, sleep(5000)]);
            if (!exited) child.kill("SIGKILL");
          },
        };
      }
      await sleep(100);
    }
    if (!exited) child.kill("SIGKILL");
    if (attempt >= 3) throw new Error(`docker-registry did not answer on ${host}:\n${readFileSync(logPath, "utf8").slice(-2000)}`);
  }
}

interface SavedImage {
  readonly Config: string;
  readonly Layers: readonly string[];
}

const sha256File = (path: string): string => {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  const buffer = Buffer.alloc(1 << 20);
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return `sha256:${hash.digest("hex")}`;
};

async function uploadBlob(
  registry: string,
  repository: string,
  digest: string,
  body: { buffer: Buffer } | { file: string },
): Promise<void> {
  const present = await http("HEAD", `http://${registry}/v2/${repository}/blobs/${digest}`);
  if (present.status === 200) return;
  const started = await http("POST", `http://${registry}/v2/${repository}/blobs/uploads/`);
  const location = started.headers.location;
  if (started.status !== 202 || typeof location !== "string") {
    throw new Error(`registry refused an upload to ${repository}: ${started.status} ${started.body}`);
  }
  const url = new URL(location, `http://${registry}`);
  url.searchParams.set("digest", digest);
  const put = await http("PUT", url.toString(), body, { "Content-Type": "application/octet-stream" });
  if (put.status !== 201) throw new Error(`registry refused blob ${digest} of ${repository}: ${put.status} ${put.body}`);
}

/**
 * Puts a local engine image into the registry as `<registry>/<repository>:<tag>`, the way `docker push`
 * would, but with its layers uncompressed (as `docker save` holds them): gzip on two shared cores makes
 * `docker push` of the node image take most of a minute; this takes seconds. Docker pulls uncompressed
 * layers like any other (it detects the compression of what it downloads).
 */
export async function pushImage(registry: string, localImage: string, repository: string, tag: string, workDir: string): Promise<string> {
  const dir = join(workDir, `${repository.replace(/\//g, "_")}-${tag}`);
  mkdirSync(dir, { recursive: true });
  const saved = spawnSync("bash", ["-c", 'set -o pipefail; docker save "$1" | tar -x -C "$2"', "save", localImage, dir], {
    encoding: "utf8",
  });
  if (saved.status !== 0) throw new Error(`docker save ${localImage} failed: ${saved.stderr}`);
  const [image] = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as SavedImage[];
  if (!image) throw new Error(`docker save ${localImage} wrote no image`);
  const config = readFileSync(join(dir, image.Config));
  const configDigest = `sha256:${createHash("sha256").update(config).digest("hex")}`;
  const layers = image.Layers.map((layer) => ({
    file: join(dir, layer),
    digest: sha256File(join(dir, layer)),
    size: statSync(join(dir, layer)).size,
  }));
  for (const layer of layers) await uploadBlob(registry, repository, layer.digest, { file: layer.file });
  await uploadBlob(registry, repository, configDigest, { buffer: config });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: { mediaType: "application/vnd.docker.container.image.v1+json", size: config.length, digest: configDigest },
      layers: layers.map((l) => ({ mediaType: "application/vnd.docker.image.rootfs.diff.tar", size: l.size, digest: l.digest })),
    }),
  );
  const put = await http(
    "PUT",
    `http://${registry}/v2/${repository}/manifests/${tag}`,
    { buffer: manifest },
    {
      "Content-Type": "application/vnd.docker.distribution.manifest.v2+json",
    },
  );
  if (put.status !== 201) throw new Error(`registry refused the manifest of ${repository}:${tag}: ${put.status} ${put.body}`);
  return configDigest;
}

export interface ReleaseServer {
  /** http://127.0.0.1:port: what `artifacts.releaseMirror` is set to (plus a path prefix, if any). */
  readonly url: string;
  /** Paths requested so far, with the status each got. */
  readonly requests: Array<{ path: string; status: number }>;
  stop(): Promise<void>;
}

/** A static HTTP server on 127.0.0.1 for the files under `root` (GitHub's release layout, laid out by the test); anything else is 404. */
export async function startReleaseServer(root: string): Promise<ReleaseServer> {
  const requests: Array<{ path: string; status: number }> = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = resolve(root, `.${path}`);
    const found = req.method === "GET" && file.startsWith(`${resolve(root)}/`) && existsSync(file) && statSync(file).isFile();
    requests.push({ path, status: found ? 200 : 404 });
    if (!found) {
      res.writeHead(404).end("not found\n");
      return;
    }
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": String(statSync(file).size) });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, LOOPBACK, done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${port}`,
    requests,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
