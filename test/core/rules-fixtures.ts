// test/core/rules-fixtures.ts
// Shared helpers for the rules-*.test.ts suites: parse an order and evaluate it under a policy at a fixed instant.

import { evaluate } from '../../src/core/evaluate';
import { type Facts, NO_FACTS } from '../../src/core/facts';
import type { Order } from '../../src/core/order';
import { OrderParser } from '../../src/core/order-parser';
import { type PolicyInput, parsePolicy } from '../../src/core/policy';
import type { RuleName } from '../../src/core/types';

const parser = new OrderParser();
export const NOW = Date.parse('2026-11-11T10:00:00+07:00');

function parsed(input: unknown): Order {
  const result = parser.parse(input);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.order;
}

export function run(input: unknown, policy: PolicyInput = {}, facts: Facts = NO_FACTS, now = NOW) {
  return evaluate(parsed(input), parsePolicy(policy), facts, now);
}

export const rulesOf = (
  input: unknown,
  policy: PolicyInput = {},
  facts: Facts = NO_FACTS,
  now = NOW,
): RuleName[] => run(input, policy, facts, now).decision.reasons.map((reason) => reason.rule);
