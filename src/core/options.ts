// src/core/options.ts
// Options objects checked once by their zod schema, every refusal mapped to a precise error with a stable code.

import { z } from 'zod';
import { knownKeysAt, unknownKeyHint } from './known-keys';
import { formatPath } from './problems';
import { closest } from './suggest';

/**
 * Why an option was refused, stable across versions for code that tells the cases apart: the options were not
 * an object, or the factory was mounted without being called; a key is not an option; a value is wrong; two
 * options cannot go together.
 */
export type OptionProblemKind =
  | 'not_called'
  | 'not_an_object'
  | 'unknown_option'
  | 'invalid_option'
  | 'conflicting_options';

/** One refused option. */
export interface OptionProblem {
  kind: OptionProblemKind;
  /** The option's path, e.g. `limits.maxLines`; empty for the options object itself. */
  option: string;
  /** The sentence the error shows, e.g. `option "mode" must be "enforce" or "shadow", got "off"`. */
  message: string;
}

/**
 * The base of every options error: `code` names the factory's options (`ERR_PRICE_GUARD_OPTIONS`, ...), `problems`
 * lists each refused option with its kind; the message names the factory, then the problem (or each of them).
 */
export class OptionsProblemError extends TypeError {
  readonly problems: readonly OptionProblem[];
  constructor(
    readonly code: string,
    factory: string,
    problems: readonly OptionProblem[],
  ) {
    super(
      problems.length === 1
        ? `${factory}: ${problems[0]!.message}`
        : `${factory}: ${problems.length} problems with the options:\n${problems.map((problem) => `  - ${problem.message}`).join('\n')}`,
    );
    this.name = this.constructor.name;
    this.problems = problems;
  }
}

/** A value as an error message shows it: JSON where it has one, else its kind (`a function`, `a Map`). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) {
    const kind = Object.getPrototypeOf(value)?.constructor?.name;
    if (kind && kind !== 'Object' && kind !== 'Array') return `a ${kind}`;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** How parseOptions words what it finds, and the checks across options a schema of fields cannot make. */
export interface ParseOptionsSettings<Output = unknown> {
  /** What an unknown key is called under a path (`{ limits: 'limit' }` says `unknown limit "limits.x"`). */
  unknownWord?: Record<string, string>;
  /** Checks of the options as given (options that cannot go together), run with the schema's. */
  before?: (input: Record<string, unknown>) => OptionProblem[];
  /** Checks of the parsed options (defaults applied), run once every field is valid. */
  after?: (output: Output) => OptionProblem[];
}

/** The value at a zod issue's path in the input, for the `got ...` of a message. */
function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Maps zod's issues to option problems: unknown keys with a "did you mean", wrong values with what was given. */
export function optionProblems(
  schema: z.core.$ZodType,
  input: unknown,
  issues: ReadonlyArray<z.core.$ZodIssue>,
  settings: Pick<ParseOptionsSettings, 'unknownWord'> = {},
): OptionProblem[] {
  const problems: OptionProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      const word = settings.unknownWord?.[formatPath(issue.path)] ?? 'option';
      for (const key of issue.keys) {
        const option = formatPath([...issue.path, key]);
        const hint = unknownKeyHint(schema, issue.path, key);
        const guess = hint === undefined ? closest(key, known) : undefined;
        const why = hint !== undefined ? `: ${hint}` : guess ? `; did you mean "${guess}"?` : '';
        problems.push({
          kind: 'unknown_option',
          option,
          message: `unknown ${word} "${option}"${why} (known: ${known.join(', ')})`,
        });
      }
      continue;
    }
    const option = formatPath(issue.path);
    problems.push({
      kind: 'invalid_option',
      option,
      message: `option "${option}" ${issue.message}, got ${describeValue(valueAt(input, issue.path))}`,
    });
  }
  return problems;
}

/**
 * Checks an options object against its schema once and returns the parsed options (defaults applied). Throws
 * what `fail` makes of the problems: the options are not an object, or each unknown key and wrong value.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  fail: (problems: OptionProblem[]) => Error,
  settings: ParseOptionsSettings<z.output<S>> = {},
): z.output<S> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw fail([
      {
        kind: 'not_an_object',
        option: '',
        message: `options must be an object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`,
      },
    ]);
  }
  const problems = settings.before?.(input as Record<string, unknown>) ?? [];
  const result = schema.safeParse(input);
  if (!result.success) problems.push(...optionProblems(schema, input, result.error.issues, settings));
  else if (problems.length === 0 && settings.after) problems.push(...settings.after(result.data));
  if (problems.length > 0) throw fail(problems);
  return result.data as z.output<S>;
}

/** A positive whole number of `unit` (milliseconds, seconds, lines...). */
export function positiveWhole(unit: string) {
  const message = `must be a positive whole number of ${unit}`;
  return z
    .number({ error: message })
    .int({ error: `must be a whole number of ${unit}` })
    .min(1, { error: message })
    .max(Number.MAX_SAFE_INTEGER, { error: message });
}

/** A function option; `what` says what it is given and returns, for the message. */
export function functionOption<F extends (...args: never[]) => unknown>(what = 'a function') {
  return z.custom<F>((value) => typeof value === 'function', { error: `must be ${what}` });
}

/**
 * An object with the methods named (a store, a logger, a metrics sink); `what` says what it implements, e.g.
 * `GuardState (prepare, hold, commit)`: `must implement GuardState (...): its "hold" is not a function`.
 */
export function withMethods<T>(what: string, methods: readonly string[]) {
  return z.custom<T>().superRefine((value, context) => {
    if (value === null || typeof value !== 'object') {
      context.addIssue({ code: 'custom', message: `must be an object that implements ${what}` });
      return;
    }
    const missing = methods.find(
      (method) => typeof (value as Record<string, unknown>)[method] !== 'function',
    );
    if (missing !== undefined) {
      context.addIssue({
        code: 'custom',
        message: `must implement ${what}: its "${missing}" is not a function`,
      });
    }
  });
}

/** A logger option: anything with warn() and error(), as console and pino have. */
export function loggerOption<L>() {
  return withMethods<L>('warn() and error() (console and pino fit)', ['warn', 'error']);
}

/** A problem across options (`a` and `b` cannot go together); `message` is the whole sentence. */
export function conflict(option: string, message: string): OptionProblem {
  return { kind: 'conflicting_options', option, message };
}
