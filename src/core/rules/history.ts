// src/core/rules/history.ts
// below_recent_price and above_recent_price: a line far from what shoppers recently paid for the SKU, either way.

import { historyKey } from '../facts';
import { applyBp, BASIS_POINTS, compareProducts, formatBp } from '../money';
import { ruleMode } from '../policy';
import type { LineView } from '../totals';
import { money, type Rule, type RuleContext, reason } from './context';

/** What a line's paid price is compared with, and how to say it. */
interface Baseline {
  price: number;
  /** Words for people: "a median of IDR 4,700,000 over 45 recent orders" (written only for a reason). */
  words(): string;
}

/**
 * The price a line is judged against: the median of recent paid prices once there are `minSamples` of them (since
 * the last scheduled price change), else the price on-call accepted for the SKU, else its declared list price.
 * Undefined, with an abstention recorded, when there is nothing to compare with (a new SKU without a reference).
 */
function baselineOf(
  context: RuleContext,
  line: LineView,
  seen: Map<number, Baseline | undefined>,
): Baseline | undefined {
  if (seen.has(line.index)) return seen.get(line.index);
  const { order, policy, facts } = context;
  const history = facts.history.get(historyKey(line.sku, order.currency));
  const samples = history?.samples ?? 0;
  let baseline: Baseline | undefined;
  if (history !== undefined && samples >= policy.history.minSamples) {
    baseline = {
      price: history.median,
      words: () => `a median of ${money(context, history.median)} over ${samples} recent orders`,
    };
  } else if (history?.anchor !== undefined) {
    const { anchor } = history;
    baseline = {
      price: anchor.price,
      words: () =>
        `${money(context, anchor.price)}, the price on-call accepted on ${new Date(anchor.at).toISOString()} (${samples} orders since)`,
    };
  } else if (line.reference !== undefined) {
    const reference = line.reference;
    baseline = {
      price: reference,
      words: () => `its declared list price of ${money(context, reference)} (${samples} recent orders)`,
    };
  } else {
    context.abstentions.push({
      rule: 'below_recent_price',
      sku: line.sku,
      message: `${line.sku} has ${samples} recent ${order.currency} price samples (the rules judge from ${policy.history.minSamples}), no accepted price and no declared list price: nothing to compare line ${line.index + 1} with.`,
    });
  }
  seen.set(line.index, baseline);
  return baseline;
}

/** Abstains for the whole order when the store could not give the history. */
function historyUnavailable(
  context: RuleContext,
  rule: 'below_recent_price' | 'above_recent_price',
): boolean {
  if (!context.facts.unavailable.has('history')) return false;
  if (rule === 'below_recent_price' || ruleMode(context.policy, 'below_recent_price') === 'off') {
    context.abstentions.push({ rule, message: 'Price history is unavailable (store degraded).' });
  }
  return true;
}

/** Baselines shared by both rules of one evaluation (so a cold start abstains once per line). */
const baselines = new WeakMap<RuleContext, Map<number, Baseline | undefined>>();
function shared(context: RuleContext): Map<number, Baseline | undefined> {
  let map = baselines.get(context);
  if (map === undefined) {
    map = new Map();
    baselines.set(context, map);
  }
  return map;
}

export const belowRecentPrice: Rule = {
  id: 'below_recent_price',
  check(context) {
    if (historyUnavailable(context, 'below_recent_price')) return;
    const ratio = context.policy.history.ratioBp;
    for (const line of context.totals.lines) {
      const baseline = baselineOf(context, line, shared(context));
      if (baseline === undefined || line.paid < 0) continue;
      // A campaign that may cut the SKU by c% lowers the baseline by c%; one without a cap is not judged.
      let reference = baseline.price;
      if (line.campaign) {
        const cap = line.campaign.lineDiscountCapBp;
        if (cap === undefined) continue;
        reference = applyBp(reference, BASIS_POINTS - cap);
      }
      if (compareProducts(line.paid, BASIS_POINTS, reference, line.quantity * ratio) >= 0) continue;
      const unitPaid = Math.floor(line.paid / line.quantity);
      const limit = applyBp(reference, ratio);
      reason(context, 'below_recent_price', {
        message: `Line ${line.index + 1} (${line.sku}) sells at ${money(context, unitPaid)} a unit; the guard compares it with ${baseline.words()} and holds below ${formatBp(ratio)} of ${line.campaign ? `the campaign-adjusted ${money(context, reference)}` : 'that'} (${money(context, limit)}).`,
        line: line.index,
        sku: line.sku,
        observed: unitPaid,
        limit,
        unit: 'minor',
      });
    }
  },
};

export const aboveRecentPrice: Rule = {
  id: 'above_recent_price',
  check(context) {
    if (historyUnavailable(context, 'above_recent_price')) return;
    const factor = context.policy.history.aboveRatioBp;
    for (const line of context.totals.lines) {
      const baseline = baselineOf(context, line, shared(context));
      if (baseline === undefined || line.paid <= 0) continue;
      if (compareProducts(line.paid, BASIS_POINTS, baseline.price, line.quantity * factor) <= 0) continue;
      const unitPaid = Math.floor(line.paid / line.quantity);
      const limit = applyBp(baseline.price, factor);
      reason(context, 'above_recent_price', {
        message: `Line ${line.index + 1} (${line.sku}) sells at ${money(context, unitPaid)} a unit; the guard compares it with ${baseline.words()} and holds above ${factor % BASIS_POINTS === 0 ? `${factor / BASIS_POINTS}x` : formatBp(factor)} that (${money(context, limit)}). Overcharging a shopper is a pricing error too.`,
        line: line.index,
        sku: line.sku,
        observed: unitPaid,
        limit,
        unit: 'minor',
      });
    }
  },
};
