/**
 * The lab commands' arguments (lab:status, lab:graph, lab:exec, lab:capture), read one way for all: `--stack NAME`
 * and `--outputs FILE` everywhere, `--name value` or `--name=value`, and the stack as the first word where the
 * command has no word of its own there (`lab:status kdd`, as these commands always took it). Pure: no I/O.
 */

/** What one command takes besides --stack and --outputs. */
export interface LabCommandSpec {
  /** The command, for messages: `lab:capture`. */
  readonly command: string;
  /** Its options that take a value, each with the word its usage shows for it: `{ out: "FILE" }`. */
  readonly values?: Readonly<Record<string, string>>;
  /** Its options that take none: `["json"]`. */
  readonly flags?: readonly string[];
  /** The stack may be the first word (the command has none of its own); then no other word is taken. */
  readonly stackWord?: boolean;
  /** From this many words on, every argument is the command's own (lab:exec's command): no option is read there. */
  readonly restAfter?: number;
}

export interface LabArgs {
  readonly stack: string;
  /** The value options given (the last one given wins), --outputs among them. */
  readonly values: Readonly<Record<string, string>>;
  readonly flags: ReadonlySet<string>;
  /** The words, the stack's taken out. */
  readonly words: readonly string[];
}

/** Bad arguments: the command says so and exits 2, before it reads anything. */
export class LabArgsError extends Error {
  readonly exitCode = 2;
}

/** The stack the commands read when none is named: the one `npm run lab:up` brings up. */
export const DEFAULT_STACK = "bird";

const COMMON: Readonly<Record<string, string>> = { stack: "NAME", outputs: "FILE" };

/** The options a command allows, as its usage writes them: `--stack NAME, --outputs FILE, --json`. */
export function allowedOptions(spec: LabCommandSpec): string {
  const values = Object.entries({ ...COMMON, ...spec.values }).map(([name, word]) => `--${name} ${word}`);
  return [...values, ...(spec.flags ?? []).map((name) => `--${name}`)].join(", ");
}

export function parseLabArgs(argv: readonly string[], spec: LabCommandSpec): LabArgs {
  const valueNames = { ...COMMON, ...spec.values };
  const flagNames = new Set(spec.flags ?? []);
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const words: string[] = [];
  const fail = (what: string) => new LabArgsError(`${spec.command}: ${what}`);
  let optionsEnd = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (optionsEnd || (spec.restAfter !== undefined && words.length >= spec.restAfter) || !arg.startsWith("-") || arg === "-") {
      words.push(arg);
    } else if (arg === "--") {
      optionsEnd = true;
    } else {
      const [name, inline] = splitOption(arg);
      if (name !== undefined && Object.hasOwn(valueNames, name)) {
        const value = inline ?? argv[++i];
        if (value === undefined) throw fail(`--${name} takes a value (--${name} ${valueNames[name]})`);
        values[name] = value;
      } else if (name !== undefined && flagNames.has(name)) {
        if (inline !== undefined) throw fail(`--${name} takes no value (got --${name}=${inline})`);
        flags.add(name);
      } else {
        throw fail(`unknown option ${arg.split("=")[0]}; it takes ${allowedOptions(spec)}`);
      }
    }
  }
  let stack = values.stack;
  if (spec.stackWord && words.length > 0) {
    const [word = "", ...rest] = words;
    if (stack !== undefined) throw fail(`the stack is given twice: ${word} and --stack ${stack}`);
    if (rest.length > 0) throw fail(`unexpected ${rest.join(" ")}: it takes the stack alone (--stack NAME or NAME)`);
    stack = word;
    words.length = 0;
  }
  if (stack === "") throw fail("--stack takes a stack's name, got an empty one");
  return { stack: stack ?? DEFAULT_STACK, values, flags, words };
}

/** `--name=value` as [name, value], `--name` as [name, undefined]; no name for anything else (`-x`). */
function splitOption(arg: string): [string | undefined, string | undefined] {
  if (!arg.startsWith("--")) return [undefined, undefined];
  const at = arg.indexOf("=");
  return at < 0 ? [arg.slice(2), undefined] : [arg.slice(2, at), arg.slice(at + 1)];
}
