// src/cli/options.ts
// One argument parser for every command (node:util parseArgs over an option table), its help text, did-you-mean.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { closest } from '../core/suggest';

/** One option of a command. The table it sits in is the single source of parsing and of help. */
export interface OptionSpec {
  /** `string` takes a value (`--config FILE` or `--config=FILE`); `boolean` is a switch. */
  type: 'string' | 'boolean';
  /** One-letter alias, e.g. `h` for `-h`. */
  short?: string;
  /** How the value is named in help: FILE, N, HOST. Strings only. */
  value?: string;
  /** One line for the help. */
  description: string;
}

/** A command's options, by long name (without the dashes). */
export type OptionTable = Record<string, OptionSpec>;

/** A positional argument of a command. */
export interface PositionalSpec {
  /** How it is named in usage and errors, e.g. `FILE`. */
  name: string;
  required: boolean;
}

/** What a command takes: the help and the parser both read it. */
export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  positionals: PositionalSpec[];
  options: OptionTable;
}

/** The parsed command line: option values by long name, then positionals in order. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** A mistake on the command line: the CLI prints it with the command's usage and exits 2. */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
  constructor(
    message: string,
    readonly command: CommandSpec | undefined,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** Exit code for bad usage (a wrong option or a missing argument). */
export const EX_USAGE = 2;

/** The options every command also takes. */
export const HELP_OPTION: OptionTable = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/**
 * Parses `argv` (the words after the command) against the command's table. Unknown options name the closest
 * known one; a string option without a value, a switch given a value and extra or missing positionals are refused.
 * Throws UsageError.
 */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const table: OptionTable = { ...spec.options, ...HELP_OPTION };
  const options = Object.fromEntries(
    Object.entries(table).map(([name, option]) => [
      name,
      { type: option.type, ...(option.short ? { short: option.short } : {}) },
    ]),
  );
  // Not strict: the tokens are checked below, so each mistake gets our own message rather than parseArgs's.
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: ParsedArgs['values'] = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const option = table[token.name];
    if (option === undefined) {
      const known = Object.keys(table);
      const guess = closest(token.name, known);
      throw new UsageError(
        `unknown option "${token.rawName}"${guess ? `; did you mean "--${guess}"?` : ''}`,
        spec,
      );
    }
    if (option.type === 'string') {
      // `--config --json`: parseArgs would take "--json" as the file name.
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
        throw new UsageError(`--${token.name} needs a value (${option.value ?? 'VALUE'})`, spec);
      }
      values[token.name] = token.value;
    } else {
      if (token.inlineValue) throw new UsageError(`--${token.name} takes no value`, spec);
      values[token.name] = true;
    }
  }
  if (values.help) return { values, positionals };
  const allowed = spec.positionals.length;
  if (positionals.length > allowed) {
    const extra = positionals.slice(allowed).map((word) => `"${word}"`);
    throw new UsageError(
      allowed === 0
        ? `takes no arguments, got ${extra.join(' ')}`
        : `takes ${spec.positionals.map((p) => p.name).join(' ')}; unexpected ${extra.join(' ')}`,
      spec,
    );
  }
  spec.positionals.forEach((positional, index) => {
    if (positional.required && positionals[index] === undefined) {
      throw new UsageError(`name the ${positional.name}`, spec);
    }
  });
  return { values, positionals };
}

/**
 * Parses a command's arguments for a command that reports its own usage: on `--help` prints the command's help,
 * on a mistake prints it with the usage (prefixed `checkout-price-guard NAME:`); either way returns the exit code
 * to end with. Otherwise returns the parsed arguments.
 */
export function parseOrExit(
  program: string,
  spec: CommandSpec,
  argv: readonly string[],
): ParsedArgs | number {
  let args: ParsedArgs;
  try {
    args = parseCommandLine(spec, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${program}: ${spec.name}: ${error.message}\nusage: ${synopsis(program, spec)}\n`);
    return EX_USAGE;
  }
  if (args.values.help) {
    process.stdout.write(commandHelp(program, spec));
    return 0;
  }
  return args;
}

/** `replay FILE [--config FILE] [--json]`: the synopsis of one command. */
export function synopsis(program: string, spec: CommandSpec): string {
  const words = [program, spec.name];
  for (const positional of spec.positionals)
    words.push(positional.required ? positional.name : `[${positional.name}]`);
  for (const [name, option] of Object.entries(spec.options)) {
    words.push(option.type === 'string' ? `[--${name} ${option.value ?? 'VALUE'}]` : `[--${name}]`);
  }
  return words.join(' ');
}

/** The option lines of a command's help, aligned. */
export function optionLines(options: OptionTable, indent = '  '): string[] {
  const rows = Object.entries(options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}`;
    return [flag, option.description] as const;
  });
  const width = Math.max(0, ...rows.map(([flag]) => flag.length));
  return rows.map(([flag, description]) => `${indent}${flag.padEnd(width)}  ${description}`);
}

/** `text` as lines of at most `width` characters (words are never split), each starting with `indent`. */
export function wrap(text: string, indent = '', width = 100): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current !== '' && indent.length + current.length + 1 + word.length > width) {
      lines.push(indent + current);
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  if (current !== '') lines.push(indent + current);
  return lines;
}

/** The directory of this package (its package.json), from dist/, src/ or a test build alike; undefined if none. */
export function packageRoot(name = 'checkout-price-guard'): string | undefined {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === name)
      return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Where a file of the package is on this machine, relative to the working directory when it is below it: in a
 * project that depends on the package, `node_modules/checkout-price-guard/<file>`; in this repository, `<file>`;
 * an absolute path when the package is installed elsewhere (globally).
 */
export function packagePath(file: string): string {
  const root = packageRoot();
  if (root === undefined) return file;
  const path = join(root, file);
  const near = relative(process.cwd(), path);
  return near === '' || near.startsWith('..') || isAbsolute(near) ? path : near;
}

/** Where a page of the docs is: they ship in the package (`docs/*.md`), e.g. `node_modules/checkout-price-guard/docs/service.md`. */
export function docPath(page: string): string {
  return packagePath(join('docs', page));
}

/** Help text with each `docs/<page>.md` it mentions named where that page is (see docPath). */
export function withDocPaths(text: string): string {
  return text.replace(/\bdocs\/([\w-]+\.md)/g, (_match, page: string) => docPath(page));
}

/** The help of one command: synopsis, summary and every option. */
export function commandHelp(program: string, spec: CommandSpec): string {
  return withDocPaths(
    [
      `usage: ${synopsis(program, spec)}`,
      '',
      ...wrap(spec.summary),
      '',
      'options:',
      ...optionLines({ ...spec.options, ...HELP_OPTION }),
      '',
    ].join('\n'),
  );
}
