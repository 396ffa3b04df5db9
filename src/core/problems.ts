// src/core/problems.ts
// A problem with an input names the field by its path and says what is wrong: shared by every parser.

import type { z } from 'zod';

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

/** Turns zod issues into problems, naming unknown keys one by one. */
export function toProblems(issues: ReadonlyArray<z.core.$ZodIssue>): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({
          path: formatPath([...issue.path, key]),
          message: 'is not a known field (strict mode)',
        });
      }
    } else {
      problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return problems;
}
