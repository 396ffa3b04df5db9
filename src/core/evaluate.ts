// src/core/evaluate.ts
// The pure core: derives an order's totals, runs every rule against a policy and facts, and decides.

import type { Facts } from './facts';
import type { Order } from './order';
import { type Policy, ruleMode } from './policy';
import { RULES } from './rules';
import type { Effects, RuleContext } from './rules/context';
import { runCustomRules } from './rules/custom';
import { matchesPattern } from './rules/vouchers';
import { deriveTotals, isActive, type OrderTotals } from './totals';
import { type AppliedException, type Decision, type Reason, RULE_IDS } from './types';

/** A decision with what the store needs to record it. */
export interface Evaluation {
  decision: Decision;
  totals: OrderTotals;
  effects: Effects;
  /** The digest of the canonical order (`orderDigest`), set by the guard: the content its id is bound to. */
  digest?: string;
}

/** Removes the reasons that configured, active exceptions cover, and records what each set aside. */
function applyExceptions(context: RuleContext): AppliedException[] {
  const applied: AppliedException[] = [];
  const { order, policy, now } = context;
  for (const exception of policy.exceptions) {
    if (!isActive(exception, now)) continue;
    if (exception.customerIds && !exception.customerIds.includes(order.customerId)) continue;
    if (
      exception.paymentMethods &&
      !exception.paymentMethods.some((p) => matchesPattern(order.paymentMethod, p))
    )
      continue;
    if (exception.vouchers && !order.vouchers.some((voucher) => exception.vouchers!.includes(voucher.code)))
      continue;
    const skus = exception.skus;
    if (skus && !order.lines.some((line) => skus.includes(line.sku))) continue;
    const allLinesCovered = !skus || order.lines.every((line) => skus.includes(line.sku));
    const suppressed: Reason[] = [];
    context.reasons = context.reasons.filter((reason) => {
      if (!(exception.rules as readonly string[]).includes(reason.rule)) return true;
      const covered = reason.sku === undefined ? allLinesCovered : !skus || skus.includes(reason.sku);
      if (covered) suppressed.push(reason);
      return !covered;
    });
    if (suppressed.length > 0) applied.push({ id: exception.id, note: exception.note, suppressed });
  }
  return applied;
}

/**
 * Evaluates one order: the whole decision, pure and deterministic for the same order, policy, facts and time.
 * @param now Epoch milliseconds; campaigns and exceptions are judged at this instant.
 */
export function evaluate(order: Order, policy: Policy, facts: Facts, now: number): Evaluation {
  const totals = deriveTotals(order, policy, now);
  const context: RuleContext = {
    order,
    totals,
    policy,
    facts,
    now,
    mode: policy.mode,
    reasons: [],
    abstentions: [],
    effects: { tripVouchers: [], anomalousVouchers: [], resumeVouchers: [] },
  };
  for (const rule of RULES) {
    if (ruleMode(policy, rule.id) !== 'off') rule.check(context);
  }
  if (policy.customRules.length > 0) runCustomRules(context);
  const exceptions =
    policy.exceptions.length > 0 && context.reasons.length > 0 ? applyExceptions(context) : [];
  // A velocity trip set aside by an exception still trips the code for everyone else.
  const enforced = context.reasons.some((reason) => reason.mode === 'enforce');
  const decision: Decision = {
    decision: enforced ? 'hold' : 'allow',
    wouldDecide: context.reasons.length > 0 ? 'hold' : 'allow',
    orderId: order.orderId,
    mode: policy.mode,
    reasons: context.reasons,
    abstentions: context.abstentions,
    exceptions,
    evaluatedAt: now,
  };
  return { decision, totals, effects: context.effects };
}

/** Rules a reason can name, for validation messages. */
export const KNOWN_RULES: ReadonlySet<string> = new Set(RULE_IDS);
