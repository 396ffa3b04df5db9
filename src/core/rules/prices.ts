// src/core/rules/prices.ts
// Rules on what each line pays: floors (absolute and relative, regular or campaign) and discount caps.

import { applyBp, BASIS_POINTS, compareProducts, exceedsRatio, formatBp, ratioBp } from '../money';
import type { Policy } from '../policy';
import type { LineView } from '../totals';
import { money, type Rule, type RuleContext, reason } from './context';

/** One floor a line must not go under: an amount per unit, or a share of its list price. */
type Floor =
  | { kind: 'absolute'; perUnit: number; source: string }
  | { kind: 'relative'; bp: number; source: string };

/** The relative floor of the regular policy: the SKU's, else its category's, else the global one. */
function regularRelative(policy: Policy, line: LineView): Floor | undefined {
  const levels = policy.floorBp;
  const own = levels.skus[line.sku];
  if (own !== undefined) return { kind: 'relative', bp: own, source: 'its floor' };
  const category = line.category === undefined ? undefined : levels.categories[line.category];
  if (category !== undefined)
    return { kind: 'relative', bp: category, source: `the floor of ${line.category}` };
  if (levels.all !== undefined) return { kind: 'relative', bp: levels.all, source: 'the global floor' };
  return undefined;
}

/**
 * The floors that apply to a line, by the precedence docs/policy.md tabulates: a campaign that sets a floor of its
 * own for the line (absolute for its SKU, or relative) replaces the regular floors, unless it says
 * `regularFloors: keep`; otherwise the regular absolute floor and the most specific regular relative floor apply.
 * Also returns the currencies of an absolute floor that does not cover the order's currency.
 */
export function floorsFor(
  policy: Policy,
  line: LineView,
  currency: string,
): { floors: Floor[]; uncovered: string[] | undefined } {
  const floors: Floor[] = [];
  let uncovered: string[] | undefined;
  const absolute = (byCurrency: Record<string, number> | undefined, source: string) => {
    if (byCurrency === undefined) return;
    const perUnit = byCurrency[currency];
    if (perUnit === undefined) uncovered = Object.keys(byCurrency);
    else floors.push({ kind: 'absolute', perUnit, source });
  };
  const campaign = line.campaign;
  const campaignAbsolute = campaign?.floors?.[line.sku];
  if (campaign !== undefined && (campaignAbsolute !== undefined || campaign.floorBp !== undefined)) {
    const source = `the floor of campaign ${campaign.id}`;
    absolute(campaignAbsolute, source);
    if (campaign.floorBp !== undefined) floors.push({ kind: 'relative', bp: campaign.floorBp, source });
    if (campaign.regularFloors === 'replace') return { floors, uncovered };
  }
  absolute(policy.floors[line.sku], 'its floor');
  const relative = regularRelative(policy, line);
  if (relative !== undefined) floors.push(relative);
  return { floors, uncovered };
}

/** True when the line pays less than the floor allows (exact: products of integers). */
function under(line: LineView, floor: Floor): boolean {
  return floor.kind === 'absolute'
    ? compareProducts(line.netPaid, 1, floor.perUnit, line.quantity) < 0
    : compareProducts(line.netPaid, BASIS_POINTS, line.listValue, floor.bp) < 0;
}

export const belowFloor: Rule = {
  id: 'below_floor',
  check(context) {
    const { order, totals, policy } = context;
    for (const line of totals.lines) {
      const { floors, uncovered } = floorsFor(policy, line, order.currency);
      if (floors.length === 0 && uncovered !== undefined) uncoveredCurrency(context, line, uncovered);
      if (line.free !== undefined && !line.free.allowed) {
        // Every SKU's floor is above 0 unless the shop declares it free: a line listed at 0 without a floor, a
        // catalog price or a history would otherwise pass without a word.
        reason(context, 'below_floor', {
          message: `Line ${line.index + 1} (${line.sku}) is listed at ${money(context, 0)}: ${line.free.why}. A line listed at 0 is held unless the policy declares the SKU free (a free SKU, a bundle's component, a gift with purchase) or an exception covers it.`,
          line: line.index,
          sku: line.sku,
          observed: 0,
          limit: 1,
          unit: 'minor',
        });
        continue;
      }
      if (line.netPaid < 0 || line.listValue === 0) continue;
      const broken = floors.find((floor) => under(line, floor));
      if (broken === undefined) continue;
      const unitPaid = Math.floor(line.netPaid / line.quantity);
      const perUnit = broken.kind === 'absolute' ? broken.perUnit : applyBp(line.unitPrice, broken.bp);
      const vouchers =
        line.voucherShare > 0
          ? `, after its ${money(context, line.voucherShare)} share of the order's vouchers`
          : '';
      reason(context, 'below_floor', {
        message: `Line ${line.index + 1} (${line.sku}) pays ${money(context, unitPaid)} a unit${vouchers}, below ${broken.source} of ${broken.kind === 'absolute' ? money(context, perUnit) : `${formatBp(broken.bp)} of its list price (${money(context, perUnit)})`}.`,
        line: line.index,
        sku: line.sku,
        observed: unitPaid,
        limit: perUnit,
        unit: 'minor',
      });
    }
  },
};

/**
 * A SKU with absolute floors in other currencies but none in the order's: never silently unchecked. The decision
 * records an abstention, or (policy `floorCoverage: hold`) the line is held.
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
    let listCap: number | undefined;
    for (const line of totals.lines) {
      const campaign = line.campaign;
      if (campaign === undefined) continue;
      if (campaign.lineDiscountCapBp !== undefined) {
        planned += Math.min(Math.max(0, line.discount), applyBp(line.listValue, campaign.lineDiscountCapBp));
      }
      listCap = Math.max(listCap ?? policy.discountCaps.orderListBp, campaign.orderListCapBp ?? 0);
    }
    const allDiscounts = totals.lineDiscounts + totals.voucherDiscounts;
    const orderDiscount = allDiscounts - planned;
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
      return;
    }
    // Stacked on campaign prices, the order's discounts in all are also capped against the full list value:
    // campaigns relax that cap only when they say so (orderListCapBp).
    if (listCap !== undefined && exceedsRatio(allDiscounts, totals.listValue, listCap)) {
      reason(context, 'discount_cap', {
        message: `Order pays ${money(context, totals.listValue - allDiscounts)} for ${money(context, totals.listValue)} of list value: campaign prices and vouchers together take ${formatBp(ratioBp(allDiscounts, totals.listValue))} off; the cap against list is ${formatBp(listCap)}.`,
        observed: ratioBp(allDiscounts, totals.listValue),
        limit: listCap,
        unit: 'bp',
      });
    }
  },
};
