// src/core/rules/context.ts
// What a rule reads and writes: the order, its totals, the policy, the facts; reasons, abstentions and effects.

import type { Facts } from '../facts';
import { formatMoney } from '../money';
import type { Order } from '../order';
import { type Policy, ruleMode } from '../policy';
import type { OrderTotals } from '../totals';
import type { Abstention, Mode, Reason, RuleId } from '../types';
import type { TripScope } from '../voucher-traits';

/** Side effects the core asks the store to carry out; the core itself does no I/O. */
export interface Effects {
  /** Voucher codes whose velocity tripped on this order: held until their rate is normal again. */
  tripVouchers: string[];
  /** Codes whose rate this order found anomalous (tripped or not): the store records when. */
  anomalousVouchers: string[];
  /** Tripped codes whose rate has been normal long enough: they resume (audited, counted, announced). */
  resumeVouchers: string[];
  /** The segment each code of `tripVouchers` is tripped for, when the trip is scoped (absent: every use). */
  tripScopes?: Array<{ code: string; scope: TripScope }>;
  /** Codes tripped for a segment whose normal use surged too: the trip widens to every use. */
  widenVouchers?: string[];
}

/** A rule: reads the context, appends reasons and abstentions. Pure. */
export interface Rule {
  id: RuleId;
  check(context: RuleContext): void;
}

/** Everything a rule may read, and where it writes. */
export interface RuleContext {
  order: Order;
  totals: OrderTotals;
  policy: Policy;
  facts: Facts;
  now: number;
  mode: Mode;
  reasons: Reason[];
  abstentions: Abstention[];
  effects: Effects;
}

/** Formats an amount in the order's currency. */
export const money = (context: RuleContext, amount: number) => formatMoney(amount, context.order.currency);

/** Appends a reason for `rule` in the rule's mode; nothing when the rule is off. */
export function reason(context: RuleContext, rule: RuleId, fields: Omit<Reason, 'rule' | 'mode'>): void {
  const mode = ruleMode(context.policy, rule);
  if (mode === 'off') return;
  context.reasons.push({ rule, ...fields, mode });
}
