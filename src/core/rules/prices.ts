// src/core/rules/prices.ts
// Rules on what each line pays: catalog floors and discount caps (line and order).

import { applyBp, compareProducts, exceedsRatio, formatBp, ratioBp } from '../money';
import type { Policy } from '../policy';
import type { LineView } from '../totals';
import { money, type Rule, type RuleContext, reason } from './context';

export const belowFloor: Rule = {
  id: 'below_floor',
  check(context) {
    const { order, totals, policy } = context;
    for (const line of totals.lines) {
      const floors = line.campaign?.floors?.[line.sku] ?? policy.floors[line.sku];
      const floor = floors?.[order.currency];
      if (floor === undefined) {
        if (floors !== undefined) uncoveredCurrency(context, line, Object.keys(floors));
        continue;
      }
      if (line.paid < 0) continue;
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

/**
 * A SKU with floors in other currencies but none in the order's: never silently unchecked. The decision records
 * an abstention, or (policy `floorCoverage: hold`) the line is held.
 */
function uncoveredCurrency(context: RuleContext, line: LineView, currencies: string[]): void {
  const message = `${line.sku} has a floor in ${currencies.join(', ')} but none in ${context.order.currency}, so line ${line.index + 1} is not checked against a floor.`;
  if (context.policy.floorCoverage === 'hold') {
    reason(context, 'below_floor', { message, line: line.index, sku: line.sku });
  } else {
    context.abstentions.push({ rule: 'below_floor', sku: line.sku, message });
  }
}

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

export const discountCap: Rule = {
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
