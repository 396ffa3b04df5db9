// src/review/responses.ts
// What the review API reads and answers: request bodies, held orders formatted for people, refusals with reasons.

import type { Response } from 'express';
import { z } from 'zod';
import { formatBp, formatMoney } from '../core/money';
import { toProblems } from '../core/problems';
import type { HeldOrder, TransitionFailure } from '../ports/store';
import { bulkFilter } from './queue-api';

export const noteSchema = z
  .string({ error: 'must be a string' })
  .max(2_000, { error: 'must be at most 2000 characters' });

export const decisionBody = z.strictObject({
  note: noteSchema.optional(),
  expectedVersion: z.number({ error: 'must be the version number you saw' }).int().min(1).optional(),
});

export const bulkBody = z.strictObject({
  action: z.enum(['approve', 'reject'], { error: 'must be "approve" or "reject"' }),
  filter: bulkFilter,
  note: noteSchema.optional(),
  dryRun: z.boolean().optional(),
});

const FAILURE_STATUS: Record<TransitionFailure, number> = {
  not_found: 404,
  already_decided: 409,
  version_conflict: 409,
};

export const FAILURE_MESSAGE: Record<TransitionFailure, string> = {
  not_found: 'No held order has this id.',
  already_decided: 'This order was already decided; decisions are final.',
  version_conflict: 'This order changed since you loaded it; reload and decide again.',
};

function formatValue(
  value: number | undefined,
  unit: string | undefined,
  currency: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (unit === 'minor') return formatMoney(value, currency);
  if (unit === 'bp') return formatBp(value);
  return String(value);
}

/** An identifier as the storefront or shopper spelled it, on one line: `canonical` when it kept no other spelling. */
function spelled(entered: string | undefined, canonical: string): string {
  const shown = entered?.replace(/\s+/gu, ' ').trim();
  return shown === undefined || shown === '' ? canonical : shown;
}

/** Each identifier of the order spelled otherwise than its canonical form: canonical → the spelling to show. */
function spellings(held: HeldOrder): Map<string, string> {
  const { order } = held;
  const found = new Map<string, string>();
  const add = (canonical: string, entered: string | undefined) => {
    const shown = spelled(entered, canonical);
    if (canonical !== '' && shown !== canonical && !found.has(canonical)) found.set(canonical, shown);
  };
  for (const voucher of order.vouchers) add(voucher.code, voucher.entered);
  add(order.paymentMethod, order.paymentMethodEntered);
  for (const orderLine of order.lines) add(orderLine.sku, orderLine.skuEntered);
  return found;
}

/**
 * Rewrites a reason's message with each voucher code, the payment method and each SKU of the order written as the
 * shopper or storefront spelled it (the canonical forms stay in `reason.voucher` and `reason.sku`, for filters):
 * "Voucher tmrw100 is only for payment by CARD:BNI*; this order pays by ewallet:ovo.", not "… TMRW100 …
 * EWALLET:OVO.". Whole identifiers only: one stands after the start, a space, a quote or an opening bracket, and
 * before the end or a space (closing punctuation between), so an identifier inside a longer one, or a policy's
 * pattern such as CARD:BNI*, is never rewritten.
 */
function asTyped(found: Map<string, string>): (message: string) => string {
  if (found.size === 0) return (message) => message;
  const alternatives = [...found.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(
    `(?<=^|[\\s"'“‘(\\[])(?:${alternatives.join('|')})(?=[)\\]"'”’.,;:!?]*(?:\\s|$))`,
    'gu',
  );
  return (message) => message.replace(pattern, (canonical) => found.get(canonical) ?? canonical);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A held order with the numbers formatted for people (`display`), as the API returns it. */
export function presentHold(held: HeldOrder) {
  const { currency } = held;
  const { order } = held;
  const found = spellings(held);
  const typed = asTyped(found);
  let lineDiscounts = 0;
  for (const orderLine of order.lines) lineDiscounts += orderLine.discount;
  return {
    ...held,
    display: {
      total: formatMoney(order.total, currency),
      listValue: formatMoney(held.listValue, currency),
      discount: formatMoney(held.discount, currency),
      lineDiscounts: formatMoney(lineDiscounts, currency),
      voucherDiscounts: formatMoney(held.discount - lineDiscounts, currency),
      exposure: formatMoney(held.exposure, currency),
      /** What the claimed total falls short of the recomputed one (the unexplained part of the exposure). */
      shortfall: formatMoney(held.exposure - held.discount, currency),
      overcharge: formatMoney(held.overcharge, currency),
      shipping: formatMoney(order.shipping, currency),
      shippingDiscount: formatMoney(order.shippingDiscount, currency),
      tax: formatMoney(order.tax, currency),
      /** The total recomputed from the parts: list value − discounts + shipping − shipping discount + tax. */
      recomputedTotal: formatMoney(
        held.listValue - held.discount + order.shipping - order.shippingDiscount + order.tax,
        currency,
      ),
      /** The payment method as the storefront spelled it (`order.paymentMethod` is the canonical form). */
      paymentMethod: spelled(order.paymentMethodEntered, order.paymentMethod),
      lines: held.order.lines.map((orderLine) => ({
        /** The SKU as the storefront spelled it (`sku` on the line is the canonical form). */
        sku: spelled(orderLine.skuEntered, orderLine.sku),
        unitPrice: formatMoney(orderLine.unitPrice, currency),
        discount: formatMoney(orderLine.discount, currency),
      })),
      vouchers: held.order.vouchers.map((voucher) => ({
        /** The code as the shopper typed it (`code` on the voucher is the canonical form). */
        code: spelled(voucher.entered, voucher.code),
        discount: formatMoney(voucher.discount, currency),
      })),
      reasons: held.decision.reasons.map((reason) => ({
        message: typed(reason.message),
        /** The reason's SKU as the order spells it, when it names one. */
        sku: reason.sku === undefined ? undefined : (found.get(reason.sku) ?? reason.sku),
        observed: formatValue(reason.observed, reason.unit, currency),
        limit: formatValue(reason.limit, reason.unit, currency),
      })),
    },
  };
}

/** A matched order in a bulk answer: who and how it paid, why it was held, and its money, formatted too. */
export function presentSample(held: HeldOrder) {
  const { currency } = held;
  return {
    orderId: held.orderId,
    heldAt: held.heldAt,
    customerId: held.order.customerId,
    paymentMethod: held.order.paymentMethod,
    rules: held.rules,
    currency,
    total: held.order.total,
    exposure: held.exposure,
    display: {
      total: formatMoney(held.order.total, currency),
      exposure: formatMoney(held.exposure, currency),
    },
  };
}

/** Answers a claim or decision the store refused, with the order as it now is when it exists. */
export function refuse(
  res: Response,
  outcome: { reason: TransitionFailure; held?: HeldOrder | undefined },
): void {
  res.status(FAILURE_STATUS[outcome.reason]).json({
    error: outcome.reason,
    message: FAILURE_MESSAGE[outcome.reason],
    ...(outcome.held ? { held: presentHold(outcome.held) } : {}),
  });
}

export type Parsed<T> = { ok: true; data: T } | { ok: false };

export function parse<T>(schema: z.ZodType<T>, input: unknown, res: Response): Parsed<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return { ok: true, data: result.data };
  res.status(400).json({ error: 'invalid_request', problems: toProblems(result.error.issues) });
  return { ok: false };
}

export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
