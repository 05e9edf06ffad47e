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
