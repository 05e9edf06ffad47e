import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, connect, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// scripts/vm/forward.mjs for real, without a network namespace (no root): its `start` hands the listening
// socket to a detached `serve`, which forwards every connection to an echo server here.
const script = join(__dirname, "../../scripts/vm/forward.mjs");
const dir = mkdtempSync(join(tmpdir(), "calico-lab-forward-"));
let echo: Server;
let echoPort = 0;
let pid = 0;

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/** Sends `text`, half-closes, and returns all the forwarder passed back. */
const roundTrip = (port: number, text: string) =>
  new Promise<string>((resolve, reject) => {
    let got = "";
    const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true }, () => socket.end(text));
    socket.on("data", (chunk) => (got += chunk.toString()));
    socket.on("end", () => resolve(got));
    socket.on("error", reject);
  });

function start(name: string, listen: number, to: string) {
  const result = spawnSync(
    process.execPath,
    [
      script,
      "start",
      "--name",
      name,
      "--listen",
      String(listen),
      "--to",
      to,
      "--pidfile",
      join(dir, `${name}.pid`),
      "--log",
      join(dir, `${name}.log`),
    ],
    { encoding: "utf8", timeout: 15_000 },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  echo = createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  echoPort = (echo.address() as AddressInfo).port;
});
afterAll(() => {
  if (pid) process.kill(pid);
  echo.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("forward.mjs", () => {
  it("starts a detached forwarder that prints its port, writes its pid, and passes bytes both ways (half-closed too)", async () => {
    const port = await freePort();
    const started = start("calicolab-t-echo", port, `127.0.0.1:${echoPort}`);
    expect(started).toEqual({ code: 0, stdout: `${port}\n`, stderr: "" });
    pid = Number(readFileSync(join(dir, "calicolab-t-echo.pid"), "utf8"));
    // the process lab-vm.sh recognises by its command line
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(1, 5)).toEqual([script, "serve", "--name", "calicolab-t-echo"]);
    expect(await roundTrip(port, "hello through the lab")).toBe("hello through the lab");
    expect(await roundTrip(port, "x".repeat(300_000))).toHaveLength(300_000);
    // a second forwarder cannot take the port: it says whose it is meant to be
    const again = start("calicolab-t-echo", port, `127.0.0.1:${echoPort}`);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `forward: 127.0.0.1:${port} is taken by another program; the lab's forwarder calicolab-t-echo listens there (its port is derived from the lab's name)\n`,
    );
    process.kill(pid);
    pid = 0;
  });

  it("refuses a bad target or port before it listens", () => {
    expect(start("calicolab-t-bad", 70000, "127.0.0.1:1")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'forward: --listen "70000": expected a port\n',
    });
    expect(start("calicolab-t-bad", 20000, "127.0.0.1")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'forward: --to "127.0.0.1": expected ADDRESS:PORT\n',
    });
  });
});
