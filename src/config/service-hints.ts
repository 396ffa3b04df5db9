// src/config/service-hints.ts
// Better hints than zod's for a config author: a misspelt rule id gets a did-you-mean.

import type { Problem } from '../core/problems';
import { closest } from '../core/suggest';
import { RULE_IDS } from '../core/types';

/** Rewrites zod's messages where a config author needs a better hint. */
export function explain(problem: Problem): Problem {
  const rule = /^policy\.rules\.([^.[]+)$/.exec(problem.path)?.[1];
  if (rule !== undefined && problem.message.startsWith('is not a known field')) {
    const guess = closest(rule, RULE_IDS);
    const hint = guess ? `; did you mean "${guess}"?` : '';
    return { path: problem.path, message: `is not a rule id${hint} (known: ${RULE_IDS.join(', ')})` };
  }
  return problem;
}
