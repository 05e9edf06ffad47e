/**
 * npm run lab:graph -- [--stack NAME] [--out FILE] [--dot] [--outputs FILE] (or the stack alone: lab:graph -- NAME): a picture of the lab as it is now (read from
 * its nodes as lab:status reads them): FILE.svg and FILE.png (default lab-<stack> where npm was run).
 * The graph is DOT (core/graph.ts), laid out by Graphviz compiled to WebAssembly (@viz-js/viz) and
 * rasterized by resvg (@resvg/resvg-js): nothing beyond npm ci. Exit codes as lab:status's.
 */
import { writeFileSync } from "node:fs";
import { topologyDot } from "../../core/graph";
import { STATUS_EXIT } from "../../core/status";
import { parseLabArgs } from "./lab-args";
import { readLab, readLiveStatus, runCommand, userPath } from "./lab-outputs";
import { renderGraph } from "./render-graph";

async function main(argv: string[]): Promise<number> {
  const args = parseLabArgs(argv, { command: "lab:graph", values: { out: "FILE" }, flags: ["dot"], stackWord: true });
  const { stack, values } = args;
  const withDot = args.flags.has("dot");
  const started = Date.now();
  const lab = readLab(stack, values.outputs);
  const status = readLiveStatus(lab);
  const read = Date.now();
  const dot = topologyDot({
    stack,
    status,
    expectedSessions: lab.bgpTopology.expected.sessions,
    datastore: lab.etcd ? { name: "etcd", address: lab.etcd.address } : null,
  });
  const base = userPath((values.out ?? `lab-${stack}`).replace(/\.(svg|png|dot)$/, ""));
  const { svg, png } = await renderGraph(dot);
  writeFileSync(`${base}.svg`, svg);
  writeFileSync(`${base}.png`, png);
  if (withDot) writeFileSync(`${base}.dot`, dot);
  const done = Date.now();
  console.log(
    `wrote ${base}.svg and ${base}.png${withDot ? ` and ${base}.dot` : ""}: ${status.nodes.length} nodes, ${status.sessions.length} sessions, ${
      status.matches ? "the lab matches its settings" : `${status.problems.length} difference(s): ${status.problems.join("; ")}`
    } (read ${((read - started) / 1000).toFixed(1)} s, drawn ${((done - read) / 1000).toFixed(1)} s)`,
  );
  return status.matches ? STATUS_EXIT.matches : STATUS_EXIT.differs;
}

runCommand(() => main(process.argv.slice(2)));
