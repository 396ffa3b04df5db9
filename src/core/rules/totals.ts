// src/core/rules/totals.ts
// Rules on the order as a whole: a zero or near-zero total, and arithmetic that does not add up.

import { BASIS_POINTS, compareProducts, formatBp, ratioBp } from '../money';
import { money, type Rule, reason } from './context';

export const zeroTotal: Rule = {
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

export const nearZeroTotal: Rule = {
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

export const totalMismatch: Rule = {
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
