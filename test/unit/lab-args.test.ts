import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allowedOptions, LabArgsError, parseLabArgs, type LabCommandSpec } from "../../scripts/status/lab-args";

const STATUS: LabCommandSpec = { command: "lab:status", flags: ["json"], stackWord: true };
const GRAPH: LabCommandSpec = { command: "lab:graph", values: { out: "FILE" }, flags: ["dot"], stackWord: true };
const EXEC: LabCommandSpec = { command: "lab:exec", restAfter: 1 };
const CAPTURE: LabCommandSpec = { command: "lab:capture", values: { out: "FILE", filter: "EXPR" } };
const plain = (args: ReturnType<typeof parseLabArgs>) => ({ ...args, flags: [...args.flags] });

describe("the lab commands' arguments", () => {
  it("the stack: bird unless named, by --stack NAME, --stack=NAME or, where the command has no word of its own, alone", () => {
    expect(parseLabArgs([], STATUS).stack).toBe("bird");
    expect(parseLabArgs(["kdd"], STATUS).stack).toBe("kdd");
    expect(parseLabArgs(["--stack", "kdd"], STATUS).stack).toBe("kdd");
    expect(parseLabArgs(["--json", "--stack=kdd"], STATUS).stack).toBe("kdd");
    expect(parseLabArgs(["kdd", "--out", "x"], GRAPH).stack).toBe("kdd");
    expect(parseLabArgs(["--stack", "kdd", "calico1", "eth0"], CAPTURE)).toMatchObject({ stack: "kdd", words: ["calico1", "eth0"] });
    // lab:capture's first word is the node: never the stack.
    expect(parseLabArgs(["calico1", "eth0", "5"], CAPTURE)).toMatchObject({ stack: "bird", words: ["calico1", "eth0", "5"] });
  });

  it("options anywhere, values by name, flags as a set; --outputs for every command", () => {
    expect(plain(parseLabArgs(["--outputs", "o.json", "--json", "kdd"], STATUS))).toEqual({
      stack: "kdd",
      values: { outputs: "o.json" },
      flags: ["json"],
      words: [],
    });
    expect(plain(parseLabArgs(["calico1", "eth0", "--filter", "icmp and host 10.1.0.1", "3", "--out=a.pcap"], CAPTURE))).toEqual({
      stack: "bird",
      values: { filter: "icmp and host 10.1.0.1", out: "a.pcap" },
      flags: [],
      words: ["calico1", "eth0", "3"],
    });
  });

  it("lab:exec: options before the node; from the node on every argument is the command's, options and -- included", () => {
    expect(parseLabArgs(["--stack", "vpp-forwarding", "calico1", "vppctl", "show", "ip", "fib"], EXEC)).toMatchObject({
      stack: "vpp-forwarding",
      words: ["calico1", "vppctl", "show", "ip", "fib"],
    });
    expect(parseLabArgs(["calico1", "ip", "-4", "route", "--stack", "x", "--"], EXEC)).toMatchObject({
      stack: "bird",
      words: ["calico1", "ip", "-4", "route", "--stack", "x", "--"],
    });
    expect(parseLabArgs(["--", "--odd-node", "true"], EXEC).words).toEqual(["--odd-node", "true"]);
  });

  it("an unknown option is named with the ones the command takes", () => {
    const refused = (argv: string[], spec: LabCommandSpec) => () => parseLabArgs(argv, spec);
    expect(refused(["--jsn"], STATUS)).toThrow(
      new LabArgsError("lab:status: unknown option --jsn; it takes --stack NAME, --outputs FILE, --json"),
    );
    expect(refused(["calico1", "eth0", "--out-file=x"], CAPTURE)).toThrow(
      "lab:capture: unknown option --out-file; it takes --stack NAME, --outputs FILE, --out FILE, --filter EXPR",
    );
    expect(refused(["-s", "kdd", "calico1", "true"], EXEC)).toThrow("lab:exec: unknown option -s; it takes --stack NAME, --outputs FILE");
    expect(refused(["--constructor"], STATUS)).toThrow("unknown option --constructor");
    expect(allowedOptions(GRAPH)).toBe("--stack NAME, --outputs FILE, --out FILE, --dot");
  });

  it("refuses a value option without its value, a flag with one, the stack given twice, and words where the stack stands alone", () => {
    const message = (argv: string[], spec: LabCommandSpec) => {
      try {
        parseLabArgs(argv, spec);
        return "accepted";
      } catch (error) {
        expect(error).toBeInstanceOf(LabArgsError);
        expect((error as LabArgsError).exitCode).toBe(2);
        return (error as Error).message;
      }
    };
    expect(message(["--stack"], STATUS)).toBe("lab:status: --stack takes a value (--stack NAME)");
    expect(message(["--json=yes"], STATUS)).toBe("lab:status: --json takes no value (got --json=yes)");
    expect(message(["kdd", "--stack", "bird"], GRAPH)).toBe("lab:graph: the stack is given twice: kdd and --stack bird");
    expect(message(["kdd", "calico1"], STATUS)).toBe("lab:status: unexpected calico1: it takes the stack alone (--stack NAME or NAME)");
    expect(message(["--stack="], CAPTURE)).toBe("lab:capture: --stack takes a stack's name, got an empty one");
  });
});

describe("scripts/lab.sh takes the stack the same ways", () => {
  /** lab.sh with a cache of its own and a stand-in `pulumi` that is never reached: the stack is checked first. */
  const labSh = (...args: string[]) => {
    const cache = mkdtempSync(join(tmpdir(), "calico-lab-labsh-args-"));
    try {
      mkdirSync(join(cache, "bin"));
      writeFileSync(join(cache, "bin", "pulumi"), "#!/bin/sh\nexit 99\n", { mode: 0o755 });
      return spawnSync("bash", [join(__dirname, "..", "..", "scripts", "lab.sh"), ...args], {
        encoding: "utf8",
        env: {
          ...process.env,
          CALICO_LAB_CACHE: cache,
          PULUMI_CONFIG_PASSPHRASE: "x",
          PATH: `${join(cache, "bin")}:${process.env.PATH ?? ""}`,
        },
      });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  };

  it("alone, as --stack NAME or as --stack=NAME", () => {
    for (const args of [["nosuch"], ["--stack", "nosuch"], ["--stack=nosuch"]]) {
      const run = labSh("outputs", ...args);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr).toContain("no stack config");
      expect(run.stderr).toContain("Pulumi.nosuch.yaml");
    }
  });

  it("refuses an unknown option, a missing name and a second stack, saying what it takes", () => {
    expect(labSh("outputs", "--stak", "x").stderr).toContain("unknown option --stak; it takes --stack NAME");
    expect(labSh("outputs", "--stack").stderr).toContain("--stack needs a stack name");
    expect(labSh("outputs", "a", "b").stderr).toContain("the stack is given twice (a, b)");
    expect(labSh("outputs", "--stak", "x").status).toBe(2);
  });
});
