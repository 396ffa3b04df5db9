// src/core/order-digest.ts
// The digest of an order's canonical content: what an order id is bound to, so a reused id with other content shows.

import type { Order } from './order';
import { sha256 } from './sha256';

/**
 * A 128-bit digest (22 base64url characters) of the canonical order: every field, in a fixed order, with
 * identifiers in their canonical form (so `tmrw100` and `TMRW100` are the same content, and the spelling a
 * shopper used is not). Two orders have the same digest exactly when the guard would judge them alike.
 */
export function orderDigest(order: Order): string {
  const lines = order.lines.map((line) => [
    line.sku,
    line.quantity,
    line.unitPrice,
    line.discount,
    line.category ?? null,
  ]);
  const vouchers = order.vouchers.map((voucher) => [voucher.code, voucher.discount]);
  const content = JSON.stringify([
    order.orderId,
    order.currency,
    order.customerId,
    order.customerSegments,
    order.paymentMethod,
    lines,
    vouchers,
    order.shipping,
    order.shippingDiscount,
    order.tax,
    order.total,
  ]);
  return sha256(content, 'base64url').slice(0, 22);
}
