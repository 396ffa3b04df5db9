// src/evaluate.ts
// The pure core: derives an order's totals, runs every rule against a policy and facts, and decides.

import { type Facts, historyKey } from './facts';
import {
  add,
  applyBp,
  BASIS_POINTS,
  compareProducts,
  exceedsRatio,
  formatBp,
  formatMoney,
  multiply,
  ratioBp,
} from './money';
import type { Order } from './order';
import { type Campaign, type Policy, ruleMode, velocityFor } from './policy';
import {
  type Abstention,
  type AppliedException,
  type Decision,
  type Mode,
  type Reason,
  RULE_IDS,
  type RuleId,
} from './types';

/** One order line with its derived amounts. */
export interface LineView {
  index: number;
  sku: string;
  category: string | undefined;
  quantity: number;
  unitPrice: number;
  /** unitPrice × quantity. */
  listValue: number;
  discount: number;
  /** listValue − discount; negative when the discount exceeds the line. */
  paid: number;
  /** The active campaign covering this line, if any. */
  campaign: Campaign | undefined;
}

/** An order's derived totals, computed once per evaluation. */
export interface OrderTotals {
  lines: LineView[];
  /** Sum of line list values. */
  listValue: number;
  lineDiscounts: number;
  voucherDiscounts: number;
  /** listValue − lineDiscounts: what vouchers and minimum-spend terms apply to. */
  subtotal: number;
  /** What the total should be: subtotal − vouchers + shipping − shippingDiscount + tax. */
  expectedTotal: number;
}

/** Side effects the core asks the store to carry out; the core itself does no I/O. */
export interface Effects {
  /** Voucher codes whose velocity tripped on this order and must stay tripped until cleared. */
  tripVouchers: string[];
}

/** A decision with what the store needs to record it. */
export interface Evaluation {
  decision: Decision;
  totals: OrderTotals;
  effects: Effects;
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

function isActive(
  window: { startsAt?: number | undefined; endsAt?: number | undefined },
  now: number,
): boolean {
  return (
    (window.startsAt === undefined || now >= window.startsAt) &&
    (window.endsAt === undefined || now < window.endsAt)
  );
}

/** The active campaign that covers a line (by SKU or category), if any; the first listed wins. */
export function campaignFor(
  policy: Policy,
  sku: string,
  category: string | undefined,
  now: number,
): Campaign | undefined {
  for (const campaign of policy.campaigns) {
    if (!isActive(campaign, now)) continue;
    if (campaign.skus?.includes(sku) || (category !== undefined && campaign.categories?.includes(category))) {
      return campaign;
    }
  }
  return undefined;
}

/** Derives line values and order totals exactly; throws MoneyOverflowError on amounts no order should have. */
export function deriveTotals(order: Order, policy: Policy, now: number): OrderTotals {
  const lines: LineView[] = [];
  let listValue = 0;
  let lineDiscounts = 0;
  for (let index = 0; index < order.lines.length; index++) {
    const line = order.lines[index]!;
    const value = multiply(line.unitPrice, line.quantity);
    lines.push({
      index,
      sku: line.sku,
      category: line.category,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      listValue: value,
      discount: line.discount,
      paid: value - line.discount,
      campaign: policy.campaigns.length === 0 ? undefined : campaignFor(policy, line.sku, line.category, now),
    });
    listValue = add(listValue, value);
    lineDiscounts = add(lineDiscounts, line.discount);
  }
  let voucherDiscounts = 0;
  for (const voucher of order.vouchers) voucherDiscounts = add(voucherDiscounts, voucher.discount);
  const subtotal = listValue - lineDiscounts;
  const expectedTotal = subtotal - voucherDiscounts + order.shipping - order.shippingDiscount + order.tax;
  return { lines, listValue, lineDiscounts, voucherDiscounts, subtotal, expectedTotal };
}

const money = (context: RuleContext, amount: number) => formatMoney(amount, context.order.currency);

function reason(context: RuleContext, rule: RuleId, fields: Omit<Reason, 'rule' | 'mode'>): void {
  const mode = ruleMode(context.policy, rule);
  if (mode === 'off') return;
  context.reasons.push({ rule, ...fields, mode });
}

const zeroTotal: Rule = {
  id: 'zero_total',
  check(context) {
    const { order, totals } = context;
    if (order.total === 0 && totals.listValue > 0) {
      reason(context, 'zero_total', {
        message: `Order total is ${money(context, 0)} while its lines list at ${money(context, totals.listValue)}.`,
        observed: 0,
        limit: totals.listValue,
        unit: 'minor',
      });
    }
  },
};

const nearZeroTotal: Rule = {
  id: 'near_zero_total',
  check(context) {
    const { order, totals, policy } = context;
    if (order.total === 0 || totals.listValue === 0) return; // zero_total speaks for a zero total
    const { fractionBp, minTotal } = policy.nearZeroTotal;
    const absolute = minTotal[order.currency];
    if (absolute !== undefined && order.total < absolute) {
      reason(context, 'near_zero_total', {
        message: `Order total ${money(context, order.total)} is below the minimum of ${money(context, absolute)} for ${order.currency} orders (lines list at ${money(context, totals.listValue)}).`,
        observed: order.total,
        limit: absolute,
        unit: 'minor',
      });
      return;
    }
    if (compareProducts(order.total, BASIS_POINTS, totals.listValue, fractionBp) < 0) {
      reason(context, 'near_zero_total', {
        message: `Order pays ${money(context, order.total)}, ${formatBp(ratioBp(order.total, totals.listValue))} of its list value ${money(context, totals.listValue)}; the floor is ${formatBp(fractionBp)}.`,
        observed: ratioBp(order.total, totals.listValue),
        limit: fractionBp,
        unit: 'bp',
      });
    }
  },
};

const totalMismatch: Rule = {
  id: 'total_mismatch',
  check(context) {
    const { order, totals, policy } = context;
    for (const line of totals.lines) {
      if (line.paid < 0) {
        reason(context, 'total_mismatch', {
          message: `Line ${line.index + 1} (${line.sku}) is discounted ${money(context, line.discount)}, more than its value ${money(context, line.listValue)}.`,
          line: line.index,
          sku: line.sku,
          observed: line.discount,
          limit: line.listValue,
          unit: 'minor',
        });
      }
    }
    if (totals.voucherDiscounts > totals.subtotal) {
      reason(context, 'total_mismatch', {
        message: `Vouchers take ${money(context, totals.voucherDiscounts)} off a subtotal of ${money(context, totals.subtotal)}.`,
        observed: totals.voucherDiscounts,
        limit: Math.max(0, totals.subtotal),
        unit: 'minor',
      });
    }
    if (order.shippingDiscount > order.shipping) {
      reason(context, 'total_mismatch', {
        message: `Shipping discount ${money(context, order.shippingDiscount)} is more than the shipping fee ${money(context, order.shipping)}.`,
        observed: order.shippingDiscount,
        limit: order.shipping,
        unit: 'minor',
      });
    }
    const difference = Math.abs(order.total - totals.expectedTotal);
    if (difference > policy.totalMismatch.tolerance) {
      reason(context, 'total_mismatch', {
        message: `Order total ${money(context, order.total)} does not add up: lines, vouchers, shipping and tax make ${money(context, totals.expectedTotal)} (off by ${money(context, difference)}, tolerance ${money(context, policy.totalMismatch.tolerance)}).`,
        observed: order.total,
        limit: totals.expectedTotal,
        unit: 'minor',
      });
    }
  },
};

const belowFloor: Rule = {
  id: 'below_floor',
  check(context) {
    const { order, totals, policy } = context;
    for (const line of totals.lines) {
      const floor =
        line.campaign?.floors?.[line.sku]?.[order.currency] ?? policy.floors[line.sku]?.[order.currency];
      if (floor === undefined || line.paid < 0) continue;
      if (compareProducts(line.paid, 1, floor, line.quantity) < 0) {
        const unitPaid = Math.floor(line.paid / line.quantity);
        reason(context, 'below_floor', {
          message: `Line ${line.index + 1} (${line.sku}) sells at ${money(context, unitPaid)} a unit, below its floor of ${money(context, floor)}${line.campaign ? ` (campaign ${line.campaign.id})` : ''}.`,
          line: line.index,
          sku: line.sku,
          observed: unitPaid,
          limit: floor,
          unit: 'minor',
        });
      }
    }
  },
};

/** The line discount cap that applies: campaign, then SKU, then category, then the global default. */
export function lineCapBp(policy: Policy, line: Pick<LineView, 'sku' | 'category' | 'campaign'>): number {
  const caps = policy.discountCaps;
  return (
    line.campaign?.lineDiscountCapBp ??
    caps.skus[line.sku] ??
    (line.category === undefined ? undefined : caps.categories[line.category]) ??
    caps.lineBp
  );
}

const discountCap: Rule = {
  id: 'discount_cap',
  check(context) {
    const { totals, policy } = context;
    for (const line of totals.lines) {
      const cap = lineCapBp(policy, line);
      if (exceedsRatio(line.discount, line.listValue, cap)) {
        reason(context, 'discount_cap', {
          message: `Line ${line.index + 1} (${line.sku}) is discounted ${formatBp(ratioBp(line.discount, line.listValue))} (${money(context, line.discount)} off ${money(context, line.listValue)}); its cap is ${formatBp(cap)}.`,
          line: line.index,
          sku: line.sku,
          observed: ratioBp(line.discount, line.listValue),
          limit: cap,
          unit: 'bp',
        });
      }
    }
    // Discounts a campaign plans for (up to its line cap) are part of the campaign price, not of the order's
    // discount: the order cap judges what the order takes off on top of campaign prices.
    let planned = 0;
    for (const line of totals.lines) {
      const campaignCap = line.campaign?.lineDiscountCapBp;
      if (campaignCap !== undefined)
        planned += Math.min(Math.max(0, line.discount), applyBp(line.listValue, campaignCap));
    }
    const orderDiscount = totals.lineDiscounts + totals.voucherDiscounts - planned;
    const base = totals.listValue - planned;
    const cap = policy.discountCaps.orderBp;
    if (exceedsRatio(orderDiscount, base, cap)) {
      const basis = planned > 0 ? `${money(context, base)} at campaign prices` : money(context, base);
      reason(context, 'discount_cap', {
        message: `Order is discounted ${formatBp(ratioBp(orderDiscount, base))} in all (${money(context, orderDiscount)} off ${basis}); the order cap is ${formatBp(cap)}.`,
        observed: ratioBp(orderDiscount, base),
        limit: cap,
        unit: 'bp',
      });
    }
  },
};

const belowRecentPrice: Rule = {
  id: 'below_recent_price',
  check(context) {
    const { order, totals, policy, facts } = context;
    if (ruleMode(policy, 'below_recent_price') === 'off') return;
    if (facts.unavailable.has('history')) {
      context.abstentions.push({
        rule: 'below_recent_price',
        message: 'Price history is unavailable (store degraded).',
      });
      return;
    }
    const { minSamples, ratioBp: ratio } = policy.history;
    for (const line of totals.lines) {
      const history = facts.history.get(historyKey(line.sku, order.currency));
      const samples = history?.samples ?? 0;
      if (history === undefined || samples < minSamples) {
        context.abstentions.push({
          rule: 'below_recent_price',
          sku: line.sku,
          message: `${line.sku} has ${samples} recent ${order.currency} price samples; the rule judges from ${minSamples}.`,
        });
        continue;
      }
      // A campaign that may cut the SKU by c% lowers the reference by c%; one without a cap is not judged.
      let reference = history.median;
      if (line.campaign) {
        const cap = line.campaign.lineDiscountCapBp;
        if (cap === undefined) continue;
        reference = applyBp(reference, BASIS_POINTS - cap);
      }
      const limit = applyBp(reference, ratio);
      if (line.paid >= 0 && compareProducts(line.paid, BASIS_POINTS, reference * line.quantity, ratio) < 0) {
        const unitPaid = Math.floor(line.paid / line.quantity);
        reason(context, 'below_recent_price', {
          message: `Line ${line.index + 1} (${line.sku}) sells at ${money(context, unitPaid)} a unit; shoppers recently paid a median of ${money(context, history.median)} over ${samples} orders, and the rule holds below ${formatBp(ratio)} of ${line.campaign ? `the campaign-adjusted ${money(context, reference)}` : 'that'} (${money(context, limit)}).`,
          line: line.index,
          sku: line.sku,
          observed: unitPaid,
          limit,
          unit: 'minor',
        });
      }
    }
  },
};

/** The surge threshold for a code: how many window redemptions are normal × the multiplier, at least minRedemptions. */
export function velocityThreshold(
  policy: Policy,
  code: string,
  baselineCount: number,
  baselineSeconds: number,
): number {
  const velocity = velocityFor(policy, code);
  const window = velocity.windowSeconds;
  // Less than one window of history says nothing about what is normal for the code yet.
  const baselinePerWindow = baselineSeconds >= window ? (baselineCount * window) / baselineSeconds : 0;
  const declaredPerWindow = ((velocity.expectedPerHour ?? 0) * window) / 3600;
  const expected = Math.max(1, baselinePerWindow, declaredPerWindow);
  return Math.max(velocity.minRedemptions, Math.ceil(velocity.surgeMultiplier * expected));
}

const voucherVelocity: Rule = {
  id: 'voucher_velocity',
  check(context) {
    const { order, policy, facts, now } = context;
    if (ruleMode(policy, 'voucher_velocity') === 'off' || order.vouchers.length === 0) return;
    if (facts.unavailable.has('vouchers')) {
      context.abstentions.push({
        rule: 'voucher_velocity',
        message: 'Voucher counters are unavailable (store degraded).',
      });
      return;
    }
    for (const { code } of order.vouchers) {
      const state = facts.vouchers.get(code);
      if (state === undefined) continue; // an unknown code not (yet) tracked: see unknownVouchers
      const velocity = velocityFor(policy, code);
      const minutes = Math.round(velocity.windowSeconds / 60);
      if (state.trippedAt !== undefined) {
        reason(context, 'voucher_velocity', {
          message: `Voucher ${code} is suspended since ${new Date(state.trippedAt).toISOString()} after a redemption surge; orders using it are held until on-call clears it (${state.windowCount} uses in the last ${minutes} min).`,
          voucher: code,
          observed: state.windowCount,
          unit: 'count',
        });
        continue;
      }
      const planned = policy.campaigns.some(
        (campaign) => campaign.vouchers?.includes(code) && isActive(campaign, now),
      );
      if (velocity.maxPerWindow !== undefined && state.windowCount > velocity.maxPerWindow) {
        context.effects.tripVouchers.push(code);
        reason(context, 'voucher_velocity', {
          message: `Voucher ${code} was redeemed ${state.windowCount} times in the last ${minutes} min; its limit is ${velocity.maxPerWindow}.`,
          voucher: code,
          observed: state.windowCount,
          limit: velocity.maxPerWindow,
          unit: 'count',
        });
        continue;
      }
      if (planned) continue; // a planned campaign code is expected to surge; only its hard limit applies
      const threshold = velocityThreshold(policy, code, state.baselineCount, state.baselineSeconds);
      if (state.windowCount >= threshold) {
        context.effects.tripVouchers.push(code);
        const baselineHours = Math.max(1, Math.round(state.baselineSeconds / 3600));
        reason(context, 'voucher_velocity', {
          message: `Voucher ${code} was redeemed ${state.windowCount} times in the last ${minutes} min against ${state.baselineCount} in the ${baselineHours} h before; the surge limit is ${threshold} (${velocity.surgeMultiplier}× normal, at least ${velocity.minRedemptions}).`,
          voucher: code,
          observed: state.windowCount,
          limit: threshold,
          unit: 'count',
        });
      }
    }
  },
};

const voucherBudget: Rule = {
  id: 'voucher_budget',
  check(context) {
    const { order, policy, facts } = context;
    for (const voucher of order.vouchers) {
      const terms = policy.vouchers[voucher.code];
      if (terms === undefined) continue;
      const state = facts.vouchers.get(voucher.code);
      const capped = terms.maxUses !== undefined || terms.maxUsesPerCustomer !== undefined;
      if (capped && facts.unavailable.has('vouchers')) {
        // A hard cap that cannot be reserved cannot be honoured: fail closed rather than risk the N+1st use.
        reason(context, 'voucher_budget', {
          message: `Voucher ${voucher.code} has a hard use limit and its counter is unavailable (store degraded), so this use cannot be reserved.`,
          voucher: voucher.code,
        });
        continue;
      }
      if (state?.limitReached === 'maxUses') {
        reason(context, 'voucher_budget', {
          message: `Voucher ${voucher.code} has reached its limit of ${terms.maxUses} uses.`,
          voucher: voucher.code,
          observed: (terms.maxUses ?? 0) + 1,
          limit: terms.maxUses ?? 0,
          unit: 'count',
        });
      } else if (state?.limitReached === 'maxUsesPerCustomer') {
        reason(context, 'voucher_budget', {
          message: `Customer ${order.customerId || '(anonymous)'} has reached the limit of ${terms.maxUsesPerCustomer} uses of voucher ${voucher.code}.`,
          voucher: voucher.code,
          observed: (terms.maxUsesPerCustomer ?? 0) + 1,
          limit: terms.maxUsesPerCustomer ?? 0,
          unit: 'count',
        });
      }
      const budget = terms.budget?.[order.currency];
      if (
        budget !== undefined &&
        state?.budgetUsed !== undefined &&
        state.budgetUsed + voucher.discount > budget
      ) {
        reason(context, 'voucher_budget', {
          message: `Voucher ${voucher.code} has granted ${money(context, state.budgetUsed)}; this order's ${money(context, voucher.discount)} would pass its budget of ${money(context, budget)}.`,
          voucher: voucher.code,
          observed: state.budgetUsed + voucher.discount,
          limit: budget,
          unit: 'minor',
        });
      }
    }
  },
};

/** Matches a payment method against a pattern; a trailing `*` matches any suffix (`card:bca-*`). */
export function matchesPattern(value: string, pattern: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

const voucherIneligible: Rule = {
  id: 'voucher_ineligible',
  check(context) {
    const { order, totals, policy } = context;
    for (const { code } of order.vouchers) {
      const terms = policy.vouchers[code];
      if (terms === undefined) continue;
      if (
        terms.paymentMethods &&
        !terms.paymentMethods.some((pattern) => matchesPattern(order.paymentMethod, pattern))
      ) {
        reason(context, 'voucher_ineligible', {
          message: `Voucher ${code} is only for payment by ${terms.paymentMethods.join(', ')}; this order pays by ${order.paymentMethod || '(none given)'}.`,
          voucher: code,
        });
      }
      if (
        terms.customerSegments &&
        !terms.customerSegments.some((segment) => order.customerSegments.includes(segment))
      ) {
        reason(context, 'voucher_ineligible', {
          message: `Voucher ${code} is only for customers in ${terms.customerSegments.join(', ')}; this customer is in ${order.customerSegments.join(', ') || 'no segment'}.`,
          voucher: code,
        });
      }
      if (terms.customerIds && !terms.customerIds.includes(order.customerId)) {
        reason(context, 'voucher_ineligible', {
          message: `Voucher ${code} is issued to named customers only; ${order.customerId || '(anonymous)'} is not one of them.`,
          voucher: code,
        });
      }
      const minimum = terms.minSubtotal?.[order.currency];
      if (minimum !== undefined && totals.subtotal < minimum) {
        reason(context, 'voucher_ineligible', {
          message: `Voucher ${code} needs a subtotal of ${money(context, minimum)}; this order's is ${money(context, totals.subtotal)}.`,
          voucher: code,
          observed: totals.subtotal,
          limit: minimum,
          unit: 'minor',
        });
      }
    }
  },
};

/** Every rule, in the order they run. */
export const RULES: readonly Rule[] = [
  zeroTotal,
  nearZeroTotal,
  totalMismatch,
  belowFloor,
  discountCap,
  belowRecentPrice,
  voucherVelocity,
  voucherBudget,
  voucherIneligible,
];

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
      if (!exception.rules.includes(reason.rule)) return true;
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
    effects: { tripVouchers: [] },
  };
  for (const rule of RULES) {
    if (ruleMode(policy, rule.id) !== 'off') rule.check(context);
  }
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
