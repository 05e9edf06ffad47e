/**
 * npm run lab:capture -- [--stack NAME] <node> <interface> [seconds] [--out FILE] [--filter EXPR]: a pcap of
 * one interface of a node (`any`: all of them), for Wireshark, written to FILE (default
 * <node>-<interface>-<time>.pcap where npm was run). The capture always ends: after `seconds` (default
 * 10, at most 300). It runs through the node's transport (its `access` in the stack's outputs): for a
 * Docker node, Debian's tcpdump from the helper image beside the node in its network namespace; for a
 * node on a VM or host (host-networked there), the machine's own tcpdump over ssh.
 */
import { spawnSync } from "node:child_process";
import { openSync, closeSync, readFileSync, statSync } from "node:fs";
import versions from "../../versions.json";
import { captureSeconds, INTERFACES_SCRIPT, parseInterfaces, TIMED_OUT, tcpdumpArgv } from "../../core/capture";
import { unknownInterfaceMessage } from "../../core/lab-messages";
import { parsePcap } from "../../core/parsers/pcap";
import { netnsToolFor } from "../../core/transports/access";
import { parseLabArgs } from "./lab-args";
import { findNode, LabError, readLab, runCommand, runInNode, userPath } from "./lab-outputs";

const USAGE = "usage: npm run lab:capture -- [--stack <stack>] <node> <interface> [seconds] [--out <file>] [--filter <tcpdump expression>]";

function main(argv: string[]): number {
  const { stack, values, words } = parseLabArgs(argv, { command: "lab:capture", values: { out: "FILE", filter: "EXPR" } });
  const [nodeName, iface, secondsText, ...extra] = words;
  if (!nodeName || !iface || extra.length > 0) throw new LabError(USAGE, 2);
  let seconds: number;
  try {
    seconds = captureSeconds(secondsText);
  } catch (error) {
    throw new LabError((error as Error).message, 2);
  }
  const node = findNode(readLab(stack, values.outputs), stack, nodeName);
  const listed = runInNode(node.access, INTERFACES_SCRIPT);
  if (listed.status !== 0) throw new LabError(`node ${nodeName} cannot be read: ${(listed.stderr || `exit ${listed.status}`).trim()}`, 1);
  const interfaces = parseInterfaces(listed.stdout);
  if (iface !== "any" && !interfaces.includes(iface)) throw new LabError(unknownInterfaceMessage(nodeName, iface, interfaces), 2);

  const file = userPath(values.out ?? `${nodeName}-${iface}-${new Date().toISOString().replace(/[:.]/g, "-")}.pcap`);
  const filter = values.filter ? values.filter.split(/\s+/).filter(Boolean) : [];
  console.error(`capturing ${nodeName} ${iface} for ${seconds} s into ${file}`);
  const started = Date.now();
  const out = openSync(file, "w");
  let run;
  try {
    run = spawnSync(
      "bash",
      ["-c", netnsToolFor(node.access, { image: versions.offlineImages.tcpdump, command: "tcpdump" }, tcpdumpArgv(iface, seconds, filter))],
      {
        stdio: ["ignore", out, "inherit"],
        // The capture stops itself; this only guards against a transport that hangs.
        timeout: (seconds + 60) * 1000,
      },
    );
  } finally {
    closeSync(out);
  }
  if (run.status !== 0 && run.status !== TIMED_OUT)
    throw new LabError(`the capture failed (exit ${run.status ?? run.signal}); ${file} may be incomplete`, 1);
  const packets = statSync(file).size >= 24 ? parsePcap(readFileSync(file)).packets.length : 0;
  console.log(`wrote ${file}: ${packets} packets in ${((Date.now() - started) / 1000).toFixed(1)} s (open it with Wireshark)`);
  return 0;
}

runCommand(() => main(process.argv.slice(2)));
