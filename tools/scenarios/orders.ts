// tools/scenarios/orders.ts
// What one generated line of a replay file is, and how an order is assembled so that its total adds up exactly.

import type { OrderInput } from '../../src/core/order';

/** One line of a replay file: the canonical order plus when it came in and, for backtests, what it was. */
export type ScenarioOrder = OrderInput & {
  /** ISO 8601 time the order was submitted. */
  timestamp: string;
  /** Ground truth: `glitch` orders should be held, `legit` ones should not. */
  label: 'glitch' | 'legit';
  /** The incident (or legitimate hard case) the order belongs to, if any. */
  incident?: string;
};

/** One order line before assembly. */
export interface LineDraft {
  sku: string;
  quantity: number;
  unitPrice: number;
  discount: number;
  category: string;
}

/** Who orders and how they pay. */
export interface Shopper {
  customerId: string;
  customerSegments: string[];
  paymentMethod: string;
}

/** A voucher as an order carries it. */
export interface VoucherDraft {
  code: string;
  discount: number;
}

/** `value` rounded down to a multiple of `step`. */
export const roundDown = (value: number, step: number) => Math.floor(value / step) * step;

/** What the lines add up to after their own discounts (before vouchers and shipping). */
export function subtotalOf(
  lines: ReadonlyArray<{ unitPrice: number; quantity: number; discount?: number }>,
): number {
  let subtotal = 0;
  for (const line of lines) subtotal += line.unitPrice * line.quantity - (line.discount ?? 0);
  return subtotal;
}

/** What the lines list at (unit price times quantity, before any discount). */
export function listValueOf(lines: ReadonlyArray<{ unitPrice: number; quantity: number }>): number {
  let value = 0;
  for (const line of lines) value += line.unitPrice * line.quantity;
  return value;
}

/** Builds a consistent order: the total is exactly lines − discounts − vouchers + shipping − shipping discount. */
export function assemble(
  orderId: string,
  at: number,
  shopper: Shopper,
  lines: LineDraft[],
  vouchers: VoucherDraft[],
  shipping: number,
  shippingDiscount: number,
  label: 'glitch' | 'legit',
  incident?: string,
): ScenarioOrder {
  const subtotal = subtotalOf(lines);
  let voucherTotal = 0;
  for (const voucher of vouchers) voucherTotal += voucher.discount;
  const total = subtotal - voucherTotal + shipping - shippingDiscount;
  return {
    orderId,
    currency: 'IDR',
    customerId: shopper.customerId,
    customerSegments: shopper.customerSegments,
    paymentMethod: shopper.paymentMethod,
    lines: lines.map((line) => ({ ...line })),
    vouchers,
    shipping,
    shippingDiscount,
    total,
    timestamp: new Date(at).toISOString(),
    label,
    ...(incident === undefined ? {} : { incident }),
  };
}

/** The same order with new lines and vouchers (and label and incident), its total recomputed. */
export function reassemble(
  order: ScenarioOrder,
  lines: LineDraft[],
  vouchers: VoucherDraft[],
  label: 'glitch' | 'legit',
  incident?: string,
): ScenarioOrder {
  return assemble(
    order.orderId,
    Date.parse(order.timestamp),
    order as Shopper,
    lines,
    vouchers,
    order.shipping ?? 0,
    order.shippingDiscount ?? 0,
    label,
    incident,
  );
}

/** Time order; ties by order id, so a merge is deterministic. */
export function byTime(a: ScenarioOrder, b: ScenarioOrder): number {
  return Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.orderId < b.orderId ? -1 : 1);
}

/** `base` and `extra` merged in time order. */
export function merge(base: readonly ScenarioOrder[], extra: readonly ScenarioOrder[]): ScenarioOrder[] {
  return [...base, ...extra].sort(byTime);
}

/**
 * The label and incident an order gets when a kind claims it: the last kind that changed the order names it, except
 * that a glitch stays the glitch of the incident that made it one (an order wrong for two reasons counts where it
 * was first wrong).
 */
export function claim(
  order: ScenarioOrder,
  label: 'glitch' | 'legit',
  incident: string,
): { label: 'glitch' | 'legit'; incident: string | undefined } {
  if (order.label === 'glitch' && order.incident !== undefined)
    return { label: order.label, incident: order.incident };
  return { label, incident };
}
