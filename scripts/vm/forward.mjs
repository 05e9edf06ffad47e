// A TCP forwarder from this machine's 127.0.0.1 into a lab's network namespace (the qemu substrate): how
// the machine running Pulumi reaches a port of a VM (kdd: the Kubernetes provider reaches kube-apiserver).
// Node.js built-ins only. Run by scripts/vm/lab-vm.sh forward; two roles:
//
//   forward.mjs start --name NAME --listen PORT --to ADDRESS:PORT --pidfile FILE --log FILE [--netns NS]
//     listens on 127.0.0.1:PORT here (in this machine's namespace), then starts `serve` detached, inside
//     the lab's namespace (`ip netns exec NS`), handing it the listening socket as its fd 3; waits until it
//     accepts, writes its pid, prints the port and exits. A socket belongs to the namespace it was made in,
//     so the server listens here while it connects there: the VM's address on the lab's bridge, directly
//     (no ssh, nothing in the VM). It lives in the lab's namespace, so `lab-vm.sh net-down`, which stops
//     every process there, stops it too.
//   forward.mjs serve --name NAME --to ADDRESS:PORT
//     accepts on fd 3; per connection, a connection to ADDRESS:PORT and the bytes both ways. NAME
//     (calicolab-<lab>-<forward>) is only there to be found in its command line.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import process from "node:process";
import { clearTimeout, setTimeout } from "node:timers";
import { fileURLToPath } from "node:url";

function options(argv) {
  const found = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!key?.startsWith("--") || value === undefined) fail(`expected --option value pairs, got ${JSON.stringify(argv.slice(i))}`);
    found[key.slice(2)] = value;
  }
  return found;
}

function fail(message) {
  process.stderr.write(`forward: ${message}\n`);
  process.exit(1);
}

/** ADDRESS:PORT, checked. */
function endpoint(text, what) {
  const match = /^([0-9A-Za-z.-]+):(\d{1,5})$/.exec(text ?? "");
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) fail(`${what} ${JSON.stringify(text)}: expected ADDRESS:PORT`);
  return { host: match[1], port };
}

function serve(opts) {
  const to = endpoint(opts.to, "--to");
  // Half-open both ways: a client that finishes sending still gets the whole answer (pipe passes each end on).
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ ...to, allowHalfOpen: true });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", (error) => {
      process.stderr.write(`${new Date().toISOString()} ${opts.name}: ${to.host}:${to.port}: ${error.message}\n`);
      close();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.on("error", (error) => fail(`${opts.name}: ${error.message}`));
  // fd 3: the listening socket `start` made in its own namespace.
  server.listen({ fd: 3 }, () => process.stdout.write("ready\n"));
}

function start(opts) {
  for (const key of ["name", "listen", "to", "pidfile", "log"]) if (!opts[key]) fail(`start: --${key} is missing`);
  const port = Number(opts.listen);
  if (!/^\d{1,5}$/.test(opts.listen) || port < 1 || port > 65535) fail(`--listen ${JSON.stringify(opts.listen)}: expected a port`);
  endpoint(opts.to, "--to");
  const listener = net.createServer();
  listener.on("error", (error) =>
    fail(
      error.code === "EADDRINUSE"
        ? `127.0.0.1:${port} is taken by another program; the lab's forwarder ${opts.name} listens there (its port is derived from the lab's name)`
        : `127.0.0.1:${port}: ${error.message}`,
    ),
  );
  listener.listen({ host: "127.0.0.1", port, exclusive: true }, () => {
    // The listening socket's descriptor (Node keeps it on the server's handle), inherited by `serve` as its fd 3.
    const fd = listener._handle?.fd;
    if (typeof fd !== "number" || fd < 0) fail("cannot hand the listening socket on: no file descriptor");
    const self = fileURLToPath(import.meta.url);
    const serveArgv = [process.execPath, self, "serve", "--name", opts.name, "--to", opts.to];
    const argv = opts.netns ? ["ip", "netns", "exec", opts.netns, ...serveArgv] : serveArgv;
    const log = openSync(opts.log, "a");
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ["ignore", "pipe", log, fd] });
    closeSync(log);
    const tail = () => {
      try {
        return readFileSync(opts.log, "utf8").trim().split("\n").slice(-5).join("\n");
      } catch {
        return "";
      }
    };
    const timer = setTimeout(() => {
      child.kill();
      fail(`${opts.name} did not start within 10 s: ${tail()}`);
    }, 10_000);
    child.on("exit", (code) => fail(`${opts.name} exited (${code}) as it started: ${tail()}`));
    let said = "";
    child.stdout.on("data", (chunk) => {
      said += chunk.toString();
      if (!said.includes("ready\n")) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      writeFileSync(opts.pidfile, `${child.pid}\n`);
      child.stdout.destroy();
      child.unref();
      listener.close();
      process.stdout.write(`${port}\n`);
    });
  });
}

const [role, ...rest] = process.argv.slice(2);
if (role === "serve") serve(options(rest));
else if (role === "start") start(options(rest));
else fail("usage: forward.mjs start --name NAME --listen PORT --to ADDRESS:PORT --pidfile FILE --log FILE [--netns NS]");
