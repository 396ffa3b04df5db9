// src/config/service-hints.ts
// Better hints than zod's for a config author: a misspelt rule id gets a did-you-mean, a misplaced policy field a hint.

import { knownKeysAt } from '../core/known-keys';
import { policySchema } from '../core/policy';
import type { Problem } from '../core/problems';
import { closest } from '../core/suggest';
import { RULE_IDS } from '../core/types';

/** Top-level fields of a policy. */
const POLICY_FIELDS = knownKeysAt(policySchema, []);

/**
 * Rewrites zod's messages where a config author needs a better hint: a misspelt rule id gets a did-you-mean, and
 * a policy field at the top of a configuration file (beside `service:` or `review:`) is told to move under
 * `policy:`. `barePolicy`: the problem is in a bare policy file, whose fields are at the top.
 */
export function explain(problem: Problem, barePolicy = false): Problem {
  const topLevel = !barePolicy && /^[^.[]+$/.test(problem.path);
  if (topLevel && problem.message.startsWith('is not a known field')) {
    if (POLICY_FIELDS.includes(problem.path)) {
      return {
        path: problem.path,
        message:
          'is a policy field: nest it under "policy:" (a file of policy fields alone is read as a bare policy)',
      };
    }
    const guess = problem.message.includes('did you mean') ? undefined : closest(problem.path, POLICY_FIELDS);
    if (guess !== undefined) {
      return {
        path: problem.path,
        message: `is not a known field; did you mean the policy field "${guess}"? (nest it under "policy:")`,
      };
    }
  }
  const rule = (barePolicy ? /^rules\.([^.[]+)$/ : /^policy\.rules\.([^.[]+)$/).exec(problem.path)?.[1];
  if (rule !== undefined && problem.message.startsWith('is not a known field')) {
    const guess = closest(rule, RULE_IDS);
    const hint = guess ? `; did you mean "${guess}"?` : '';
    return { path: problem.path, message: `is not a rule id${hint} (known: ${RULE_IDS.join(', ')})` };
  }
  return problem;
}
