// src/core/rules/history.ts
// below_recent_price and above_recent_price: a line far from what shoppers recently paid for the SKU, or from its anchor, either way.

import { historyKey, type PriceAnchor, type SkuHistory } from '../facts';
import { applyBp, BASIS_POINTS, compareProducts, formatBp } from '../money';
import { historySince, ruleMode } from '../policy';
import type { LineView } from '../totals';
import { money, type Rule, type RuleContext, reason } from './context';

/** What a line's paid price is compared with, and how to say it. */
interface Baseline {
  price: number;
  /** Words for people: "a median of IDR 4,700,000 over 45 recent orders" (written only for a reason). */
  words(): string;
}

/** One line's history and the anchor in force for it, looked up once per evaluation. */
interface LineHistory {
  history: SkuHistory | undefined;
  /** The baseline (median, anchor or declared price), or undefined with an abstention recorded. */
  baseline: Baseline | undefined;
  /** The anchor the line is also judged against, when the baseline is the median; undefined otherwise. */
  anchor: PriceAnchor | undefined;
}

/**
 * The SKU's anchor unless a price change declared since it was set supersedes it: from a declaration on, the
 * declared price is the baseline until samples build up again, and a new anchor is learned from them.
 */
function anchorInForce(context: RuleContext, line: LineView, history: SkuHistory | undefined) {
  const anchor = history?.anchor;
  if (anchor === undefined) return undefined;
  const since = historySince(context.policy, line.sku, context.order.currency, context.now);
  return since !== undefined && anchor.at < since ? undefined : anchor;
}

/**
 * The price a line is judged against: the median of recent paid prices once there are `minSamples` of them (since
 * the last scheduled price change), else the SKU's anchor (the price on-call accepted, or its usual price), else
 * its declared list price. Undefined, with an abstention recorded, when there is nothing to compare with (a new
 * SKU without a reference). With a median, the anchor is judged too: the median follows a price that drifts in
 * small steps, the anchor does not.
 */
function lineHistory(context: RuleContext, line: LineView, seen: Map<number, LineHistory>): LineHistory {
  const known = seen.get(line.index);
  if (known !== undefined) return known;
  const { order, policy, facts } = context;
  const history = facts.history.get(historyKey(line.sku, order.currency));
  const samples = history?.samples ?? 0;
  const anchor = anchorInForce(context, line, history);
  let baseline: Baseline | undefined;
  let judged: PriceAnchor | undefined;
  if (history !== undefined && samples >= policy.history.minSamples) {
    baseline = {
      price: history.median,
      words: () => `a median of ${money(context, history.median)} over ${samples} recent orders`,
    };
    judged = anchor;
  } else if (anchor !== undefined) {
    baseline = {
      price: anchor.price,
      words: () => `${anchorWords(context, anchor)} (${samples} orders since)`,
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
  const found = { history, baseline, anchor: judged };
  seen.set(line.index, found);
  return found;
}

/** "IDR 1,000,000, the price on-call accepted on …" or "IDR 1,000,000, its usual price …". */
function anchorWords(context: RuleContext, anchor: PriceAnchor): string {
  return anchor.source === 'accepted'
    ? `${money(context, anchor.price)}, the price on-call accepted on ${new Date(anchor.at).toISOString()}`
    : `${money(context, anchor.price)}, its usual price (learned from its history on ${new Date(anchor.at).toISOString()}; it follows the median by at most ${formatBp(context.policy.history.anchorFollowBp)} a day)`;
}

/** A duration for people: "40 minutes", "5 hours", "3 days". */
function durationWords(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 90) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}

/**
 * The reason of a line whose price drifted past the history rules' bound from its anchor while the median
 * followed it: "drifted from IDR X (anchor) to IDR Y over N hours".
 */
function driftReason(
  context: RuleContext,
  rule: 'below_recent_price' | 'above_recent_price',
  line: LineView,
  found: LineHistory,
  anchor: PriceAnchor,
  limit: number,
  bound: string,
): void {
  const unitPaid = Math.floor(line.paid / line.quantity);
  const since = (rule === 'below_recent_price' ? anchor.lastAbove : anchor.lastBelow) ?? anchor.at;
  const median = found.history?.median ?? 0;
  reason(context, rule, {
    message: `Line ${line.index + 1} (${line.sku}) sells at ${money(context, unitPaid)} a unit: drifted from ${money(context, anchor.price)} (anchor) to ${money(context, unitPaid)} over ${durationWords(context.now - since)}. The recent median followed it to ${money(context, median)} over ${found.history?.samples ?? 0} orders; the anchor is ${anchorWords(context, anchor)}, and the guard holds ${bound} (${money(context, limit)}) until on-call accepts a new price or a price change is declared.`,
    line: line.index,
    sku: line.sku,
    observed: unitPaid,
    limit,
    unit: 'minor',
  });
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

/** Line histories shared by both rules of one evaluation (so a cold start abstains once per line). */
const histories = new WeakMap<RuleContext, Map<number, LineHistory>>();
function shared(context: RuleContext): Map<number, LineHistory> {
  let map = histories.get(context);
  if (map === undefined) {
    map = new Map();
    histories.set(context, map);
  }
  return map;
}

/** A price lowered by the line's campaign cap, or undefined when the line's campaign has no cap (not judged). */
function campaignAdjusted(line: LineView, price: number): number | undefined {
  if (!line.campaign) return price;
  const cap = line.campaign.lineDiscountCapBp;
  return cap === undefined ? undefined : applyBp(price, BASIS_POINTS - cap);
}

/** True when the line pays under `ratio` of `reference` a unit (exact). */
const under = (line: LineView, reference: number, ratio: number) =>
  compareProducts(line.paid, BASIS_POINTS, reference, line.quantity * ratio) < 0;
/** True when the line pays over `factor` times `reference` a unit (exact). */
const over = (line: LineView, reference: number, factor: number) =>
  compareProducts(line.paid, BASIS_POINTS, reference, line.quantity * factor) > 0;

export const belowRecentPrice: Rule = {
  id: 'below_recent_price',
  check(context) {
    if (historyUnavailable(context, 'below_recent_price')) return;
    const ratio = context.policy.history.ratioBp;
    for (const line of context.totals.lines) {
      if (line.free?.allowed) continue; // a declared free item listed at 0 is not priced by its history
      const found = lineHistory(context, line, shared(context));
      const { baseline, anchor } = found;
      if (baseline === undefined || line.paid < 0) continue;
      // A campaign that may cut the SKU by c% lowers the baseline by c%; one without a cap is not judged.
      const reference = campaignAdjusted(line, baseline.price);
      if (reference === undefined) continue;
      if (under(line, reference, ratio)) {
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
        continue;
      }
      const anchored = anchor === undefined ? undefined : campaignAdjusted(line, anchor.price);
      if (anchor === undefined || anchored === undefined || !under(line, anchored, ratio)) continue;
      const limit = applyBp(anchored, ratio);
      const bound = `below ${formatBp(ratio)} of ${line.campaign ? `the campaign-adjusted anchor, ${money(context, anchored)}` : 'it'}`;
      driftReason(context, 'below_recent_price', line, found, anchor, limit, bound);
    }
  },
};

export const aboveRecentPrice: Rule = {
  id: 'above_recent_price',
  check(context) {
    if (historyUnavailable(context, 'above_recent_price')) return;
    const factor = context.policy.history.aboveRatioBp;
    const times = factor % BASIS_POINTS === 0 ? `${factor / BASIS_POINTS}x` : formatBp(factor);
    for (const line of context.totals.lines) {
      const found = lineHistory(context, line, shared(context));
      const { baseline, anchor } = found;
      if (baseline === undefined || line.paid <= 0) continue;
      if (over(line, baseline.price, factor)) {
        const unitPaid = Math.floor(line.paid / line.quantity);
        const limit = applyBp(baseline.price, factor);
        reason(context, 'above_recent_price', {
          message: `Line ${line.index + 1} (${line.sku}) sells at ${money(context, unitPaid)} a unit; the guard compares it with ${baseline.words()} and holds above ${times} that (${money(context, limit)}). Overcharging a shopper is a pricing error too.`,
          line: line.index,
          sku: line.sku,
          observed: unitPaid,
          limit,
          unit: 'minor',
        });
        continue;
      }
      if (anchor === undefined || !over(line, anchor.price, factor)) continue;
      driftReason(
        context,
        'above_recent_price',
        line,
        found,
        anchor,
        applyBp(anchor.price, factor),
        `above ${times} it`,
      );
    }
  },
};
