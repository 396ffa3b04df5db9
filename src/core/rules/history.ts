// src/core/rules/history.ts
// The rule that compares a line with what shoppers recently paid for the same SKU.

import { historyKey } from '../facts';
import { applyBp, BASIS_POINTS, compareProducts, formatBp } from '../money';
import { ruleMode } from '../policy';
import { money, type Rule, reason } from './context';

export const belowRecentPrice: Rule = {
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
