// src/replay/diff.ts
// The policy diff backtest: which orders a new policy decides differently from the baseline, by rule and by money.

import type { Evaluation } from '../core/evaluate';
import type { Order } from '../core/order';
import type { RuleName } from '../core/types';
import { addMoney, keyed, type MoneyHeld, type RuleTally, rulesOf, tallyOf, tallyRule } from './report';

/** One order whose decision changed. */
export interface DiffExample {
  orderId: string;
  /** ISO 8601 time of the order. */
  at: string;
  /** 1-based line of the file. */
  line: number;
  label: string | undefined;
  incident: string | undefined;
  currency: string;
  total: number;
  /** The rules of the side that holds it (the new policy for allow->hold, the baseline for hold->allow). */
  rules: RuleName[];
  /** Their reasons, for people. */
  messages: string[];
}

/** The orders that changed decision one way. */
export interface DiffChange {
  orders: number;
  /** Per rule of the holding side (an order with two rules counts under both). */
  byRule: Record<string, number>;
  /** Per label (`(none)` for unlabelled orders). */
  byLabel: Record<string, number>;
  /** Their money per currency: list value, discounts, what they pay. */
  money: Record<string, MoneyHeld>;
  /** The first examples, in file order. */
  examples: DiffExample[];
}

/** How one rule's firing changes when the new policy replaces the baseline (a rule added, changed or removed). */
export interface RuleChange {
  /** Orders it fires on under the new policy and not under the baseline: their money and the first examples. */
  more: RuleTally;
  /** Of those, orders the baseline held anyway, for other rules. */
  alreadyHeld: number;
  /** Orders it fired on under the baseline and no longer does. */
  fewer: number;
}

/** What changes when the new policy replaces the baseline over the same stream. */
export interface PolicyDiff {
  /** Where the baseline policy came from (its file), as given. */
  baseline: string;
  /** Orders both judged. */
  orders: number;
  heldByBaseline: number;
  heldByPolicy: number;
  /** Allowed by the baseline, held by the new policy. */
  allowToHold: DiffChange;
  /** Held by the baseline, allowed by the new policy. */
  holdToAllow: DiffChange;
  /** Held by both, for other rules. */
  heldForOtherRules: number;
  /** Per rule whose firing changed, built-in or custom. */
  rules: Record<string, RuleChange>;
}

const emptyChange = (): DiffChange => ({
  orders: 0,
  byRule: keyed(),
  byLabel: keyed(),
  money: {},
  examples: [],
});

/** Compares the two guards' decisions order by order. */
export class DiffBuilder {
  private readonly diff: PolicyDiff;

  constructor(
    baseline: string,
    private readonly examples: number,
  ) {
    this.diff = {
      baseline,
      orders: 0,
      heldByBaseline: 0,
      heldByPolicy: 0,
      allowToHold: emptyChange(),
      holdToAllow: emptyChange(),
      heldForOtherRules: 0,
      rules: keyed(),
    };
  }

  /** Counts, per rule, the orders it fires on under one side only. */
  private compareRules(
    where: { line: number; at: number },
    order: Order,
    policy: Evaluation,
    baseline: Evaluation,
  ): void {
    const now = rulesOf(policy);
    const before = rulesOf(baseline);
    const changeOf = (rule: string) => {
      let change = this.diff.rules[rule];
      if (change === undefined) {
        change = { more: tallyOf(keyed(), rule), alreadyHeld: 0, fewer: 0 };
        this.diff.rules[rule] = change;
      }
      return change;
    };
    for (const rule of now) {
      if (before.includes(rule)) continue;
      const change = changeOf(rule);
      const ref = {
        orderId: order.orderId,
        at: new Date(where.at).toISOString(),
        line: where.line,
        rules: now,
      };
      tallyRule(change.more, ref, order, policy, rule);
      if (baseline.decision.wouldDecide === 'hold') change.alreadyHeld++;
    }
    for (const rule of before) if (!now.includes(rule)) changeOf(rule).fewer++;
  }

  /** Records one order both guards judged. */
  record(
    where: { line: number; at: number; label: string | undefined; incident: string | undefined },
    order: Order,
    policy: Evaluation,
    baseline: Evaluation,
  ): void {
    const diff = this.diff;
    diff.orders++;
    this.compareRules(where, order, policy, baseline);
    const now = policy.decision.wouldDecide === 'hold';
    const before = baseline.decision.wouldDecide === 'hold';
    if (before) diff.heldByBaseline++;
    if (now) diff.heldByPolicy++;
    if (now && before) {
      const a = rulesOf(policy).sort().join();
      const b = rulesOf(baseline).sort().join();
      if (a !== b) diff.heldForOtherRules++;
      return;
    }
    if (now === before) return;
    const change = now ? diff.allowToHold : diff.holdToAllow;
    const holding = now ? policy : baseline;
    const rules = rulesOf(holding);
    change.orders++;
    for (const rule of rules) change.byRule[rule] = (change.byRule[rule] ?? 0) + 1;
    const label = where.label ?? '(none)';
    change.byLabel[label] = (change.byLabel[label] ?? 0) + 1;
    addMoney(change.money, order, policy);
    if (change.examples.length < this.examples) {
      change.examples.push({
        orderId: order.orderId,
        at: new Date(where.at).toISOString(),
        line: where.line,
        label: where.label,
        incident: where.incident,
        currency: order.currency,
        total: order.total,
        rules,
        messages: holding.decision.reasons.map((reason) => reason.message),
      });
    }
  }

  /** The finished diff. */
  finish(): PolicyDiff {
    return this.diff;
  }
}
