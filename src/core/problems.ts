// src/core/problems.ts
// A problem with an input names the field by its path and says what is wrong: shared by every parser.

import type { z } from 'zod';
import { knownKeysAt, unknownKeyHint } from './known-keys';
import { closest } from './suggest';

/** One problem with an input: the dotted path of the field and what is wrong with it. */
export interface Problem {
  /** Where the problem is, e.g. `lines[0].unitPrice`; empty for the whole document. */
  path: string;
  /** What is wrong, in words that name the expected value. */
  message: string;
}

/** Formats a zod path as `lines[0].unitPrice`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** How toProblems words what it finds. */
export interface ProblemOptions {
  /** The schema the issues came from: an unknown key then names the closest known field ("did you mean"). */
  schema?: z.core.$ZodType;
  /** What an unknown key is said to be. Defaults to "is not a known field". */
  unknownKey?: string;
}

/** "; did you mean "floors"?" for a key close to one the schema knows at that path, else nothing. */
function didYouMean(
  key: string,
  path: ReadonlyArray<PropertyKey>,
  schema: z.core.$ZodType | undefined,
): string {
  if (!schema) return '';
  const hint = unknownKeyHint(schema, path, key);
  if (hint !== undefined) return `: ${hint}`;
  const guess = closest(key, knownKeysAt(schema, path));
  return guess ? `; did you mean "${guess}"?` : '';
}

/** Turns zod issues into problems, naming unknown keys one by one (with the closest known key, given the schema). */
export function toProblems(issues: ReadonlyArray<z.core.$ZodIssue>, options: ProblemOptions = {}): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({
          path: formatPath([...issue.path, key]),
          message: `${options.unknownKey ?? 'is not a known field'}${didYouMean(key, issue.path, options.schema)}`,
        });
      }
    } else {
      problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return problems;
}
