// src/core/totals.ts
// An order's derived amounts (line values, discounts, voucher shares, subtotal, expected total), campaign and reference of each line.

import { add, allocate, formatMoney, multiply } from './money';
import type { Order } from './order';
import { type Campaign, type Policy, referenceListPrice } from './policy';

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
  /** The line's share of the order's voucher discounts, allocated pro rata to what the lines pay (exact). */
  voucherShare: number;
  /** paid − voucherShare: what the line really pays once the order's vouchers are spread over it. */
  netPaid: number;
  /** The active campaign covering this line, if any. */
  campaign: Campaign | undefined;
  /** The declared list price of the SKU at the order's time (catalog or scheduled change), if any. */
  reference: number | undefined;
  /**
   * For a line listed at 0 only: whether the policy's `freeItems` let it be (`allowed`), and if not, why (its SKU
   * is not declared free, or this order does not meet the declaration). Undefined for a line listed above 0.
   */
  free: { allowed: true; kind: string } | { allowed: false; why: string } | undefined;
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

export function isActive(
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
    const paid = value - line.discount;
    lines.push({
      index,
      sku: line.sku,
      category: line.category,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      listValue: value,
      discount: line.discount,
      paid,
      voucherShare: 0,
      netPaid: paid,
      campaign: policy.campaigns.length === 0 ? undefined : campaignFor(policy, line.sku, line.category, now),
      reference: referenceListPrice(policy, line.sku, order.currency, now),
      free: undefined,
    });
    listValue = add(listValue, value);
    lineDiscounts = add(lineDiscounts, line.discount);
  }
  let voucherDiscounts = 0;
  for (const voucher of order.vouchers) voucherDiscounts = add(voucherDiscounts, voucher.discount);
  const subtotal = listValue - lineDiscounts;
  if (voucherDiscounts > 0) {
    // What vouchers take off beyond what the lines pay is a total_mismatch; only the rest is spread over lines.
    const weights = lines.map((line) => Math.max(0, line.paid));
    const spread = Math.min(
      voucherDiscounts,
      weights.reduce((a, b) => a + b, 0),
    );
    allocate(spread, weights).forEach((share, index) => {
      const line = lines[index]!;
      line.voucherShare = share;
      line.netPaid = line.paid - share;
    });
  }
  const expectedTotal = subtotal - voucherDiscounts + order.shipping - order.shippingDiscount + order.tax;
  for (const line of lines) {
    if (line.unitPrice === 0) line.free = freeVerdict(policy, order, lines, subtotal, line, now);
  }
  return { lines, listValue, lineDiscounts, voucherDiscounts, subtotal, expectedTotal };
}

/** Whether a line listed at 0 is one the policy's `freeItems` declares, in this order; and why not. */
function freeVerdict(
  policy: Policy,
  order: Order,
  lines: readonly LineView[],
  subtotal: number,
  line: LineView,
  now: number,
): NonNullable<LineView['free']> {
  const item = policy.freeItems[line.sku];
  if (item === undefined) return { allowed: false, why: `${line.sku} is not declared free (\`freeItems\`)` };
  const kind =
    item.kind === 'free'
      ? 'a free SKU'
      : item.kind === 'bundle'
        ? "a bundle's component"
        : 'a gift with purchase';
  if (!isActive(item, now))
    return { allowed: false, why: `${line.sku} is declared ${kind} outside this order's time` };
  if (item.with !== undefined) {
    const withs = item.with;
    if (!lines.some((other) => other.unitPrice > 0 && withs.includes(other.sku))) {
      return {
        allowed: false,
        why: `${line.sku} is declared ${kind} only beside ${withs.join(', ')}, which this order does not list`,
      };
    }
  }
  const minimum = item.minSubtotal?.[order.currency];
  if (item.minSubtotal !== undefined && (minimum === undefined || subtotal < minimum)) {
    return {
      allowed: false,
      why: `${line.sku} is declared ${kind} only from a subtotal of ${minimum === undefined ? `a minimum in ${Object.keys(item.minSubtotal).join(', ')}` : formatMoney(minimum, order.currency)}`,
    };
  }
  if (item.maxQuantity !== undefined) {
    const units = lines.reduce(
      (sum, other) => (other.sku === line.sku && other.unitPrice === 0 ? sum + other.quantity : sum),
      0,
    );
    if (units > item.maxQuantity) {
      return {
        allowed: false,
        why: `${line.sku} is declared ${kind}, at most ${item.maxQuantity} an order; this order lists ${units} at 0`,
      };
    }
  }
  return { allowed: true, kind };
}
