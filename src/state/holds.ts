// src/state/holds.ts
// Held orders as the queue keeps them: the summaries a hold is searched by, and filter matching. Shared by both stores.

import type { Evaluation } from '../core/evaluate';
import type { Order } from '../core/order';
import type { HeldOrder, HoldFilter } from './types';

/** Summaries a held order is searched by, derived from the evaluation. */
export function summarizeHold(order: Order, evaluation: Evaluation, now: number): HeldOrder {
  const { decision, totals } = evaluation;
  return {
    orderId: order.orderId,
    status: 'pending',
    version: 1,
    order,
    decision,
    heldAt: now,
    updatedAt: now,
    currency: order.currency,
    listValue: totals.listValue,
    discount: totals.lineDiscounts + totals.voucherDiscounts,
    rules: [...new Set(decision.reasons.map((reason) => reason.rule))],
    skus: [...new Set(order.lines.map((line) => line.sku))],
    vouchers: [...new Set(order.vouchers.map((voucher) => voucher.code))],
  };
}

/** True when a held order matches a filter. */
export function matchesFilter(held: HeldOrder, filter: HoldFilter): boolean {
  return (
    (filter.status === undefined || held.status === filter.status) &&
    (filter.rule === undefined || held.rules.includes(filter.rule)) &&
    (filter.sku === undefined || held.skus.includes(filter.sku)) &&
    (filter.voucher === undefined || held.vouchers.includes(filter.voucher)) &&
    (filter.from === undefined || held.heldAt >= filter.from) &&
    (filter.to === undefined || held.heldAt < filter.to)
  );
}
