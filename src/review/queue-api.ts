// src/review/queue-api.ts
// The review API's queue inputs (canonical identifiers, list orders, cursors, groups) and money shown to people.

import { z } from 'zod';
import { isKnownCurrency } from '../core/currencies';
import { canonicalCode, canonicalName, IDENTIFIER_LIMITS, identifierProblem } from '../core/identifiers';
import { formatMoney } from '../core/money';
import { RULE_ID_SHAPE } from '../core/policy/fields';
import { RULE_IDS } from '../core/types';
import { GROUP_KINDS, HOLD_ORDERS, type HoldGroup, type MoneyAtStake } from '../ports/store';
import { cursorProblem } from '../state/holds';

/** An instant: epoch milliseconds (number or digits) or an ISO 8601 date-time. */
const instant = z.union([z.number(), z.string()]).transform((value, context) => {
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    context.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO 8601 date-time' });
    return z.NEVER;
  }
  return ms;
});

/**
 * A voucher code or SKU as a reviewer types it, compared in the canonical form the order parser stores
 * (src/core/identifiers.ts): `tmrw100pekr6x50` finds `TMRW100PEKR6X50`. Control, bidi-override and zero-width
 * characters are refused, so a filter can never look like one thing and match another.
 */
function identifier(max: number, canonical: (value: string) => string) {
  return z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .superRefine((value, context) => {
      const problem = identifierProblem(value);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, input: value });
    })
    .transform(canonical)
    .refine((value) => value !== '', { error: 'must not be empty', abort: true });
}

/** A voucher code, canonical. */
export const voucherCode = identifier(IDENTIFIER_LIMITS.code, canonicalCode);
/** A SKU, canonical. */
export const skuName = identifier(IDENTIFIER_LIMITS.sku, canonicalName);

/**
 * A rule id: a built-in one or a custom rule's. Any id of that shape is accepted, a custom rule's included even
 * after the policy dropped it (its holds are still in the queue); an id no hold names lists nothing.
 */
export const ruleName = z.string({ error: 'must be a string' }).regex(RULE_ID_SHAPE, {
  error: `must be a rule id: one of ${RULE_IDS.join(', ')}, or a custom rule's id (lower case letters, digits and underscores)`,
});

/** The fields that narrow a list or a bulk action. */
const narrowing = {
  rule: ruleName.optional(),
  sku: skuName.optional(),
  voucher: voucherCode.optional(),
  from: instant.optional(),
  to: instant.optional(),
};

/**
 * The filter of a bulk action. It must name a voucher, a SKU or a rule: a time range alone would take every
 * pending order held in it, which is never one incident.
 */
export const bulkFilter = z
  .strictObject(narrowing)
  .refine((filter) => filter.voucher !== undefined || filter.sku !== undefined || filter.rule !== undefined, {
    error:
      'must name at least one of voucher, sku or rule (a time range alone would take every pending order in it)',
  });

/** The query of `GET /api/holds`; `maxPageSize` bounds `limit`. */
export function listQuery(maxPageSize: number) {
  return z
    .strictObject({
      status: z
        .enum(['pending', 'approved', 'rejected', 'any'], {
          error: 'must be pending, approved, rejected or any',
        })
        .optional(),
      ...narrowing,
      order: z.enum(HOLD_ORDERS, { error: `must be one of ${HOLD_ORDERS.join(', ')}` }).optional(),
      limit: z
        .string()
        .regex(/^\d+$/, { error: 'must be a whole number' })
        .transform(Number)
        .refine((n) => n >= 1 && n <= maxPageSize, { error: `must be 1 to ${maxPageSize}` })
        .optional(),
      cursor: z.string().max(512, { error: 'is not a cursor this API returned' }).optional(),
    })
    .superRefine((query, context) => {
      // Checked here, not by the store: a malformed cursor is the client's mistake, never a store failure.
      if (query.cursor === undefined) return;
      const problem = cursorProblem(query.cursor, query.order ?? 'newest');
      if (problem !== undefined) context.addIssue({ code: 'custom', path: ['cursor'], message: problem });
    });
}

/** The query of `GET /api/groups`. */
export const groupQuery = z.strictObject({
  kind: z.enum(GROUP_KINDS, { error: `must be one of ${GROUP_KINDS.join(', ')}` }).optional(),
  by: z.enum(['count', 'money'], { error: 'must be count or money' }).optional(),
  currency: z
    .string()
    .refine(isKnownCurrency, { error: 'must be a known ISO 4217 currency code such as "IDR" or "USD"' })
    .optional(),
  limit: z
    .string()
    .regex(/^\d+$/, { error: 'must be a whole number' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100, { error: 'must be 1 to 100' })
    .optional(),
});

/** Money per currency formatted for people (`IDR 4,700,000`): list value, discount and total. */
export function displayMoney(money: Record<string, MoneyAtStake> | undefined) {
  const out: Record<string, { listValue: string; discount: string; total: string }> = {};
  for (const [currency, value] of Object.entries(money ?? {})) {
    out[currency] = {
      listValue: formatMoney(value.listValue, currency),
      discount: formatMoney(value.discount, currency),
      total: formatMoney(value.total, currency),
    };
  }
  return out;
}

/** The currency with the most pending orders (the queue's main one), or undefined when nothing is pending. */
export function mainCurrency(money: Record<string, MoneyAtStake> | undefined): string | undefined {
  let best: [string, number] | undefined;
  for (const [currency, value] of Object.entries(money ?? {})) {
    if (best === undefined || value.orders > best[1]) best = [currency, value.orders];
  }
  return best?.[0];
}

/** A group as the API returns it: the filter that selects its orders, and its money formatted. */
export function presentGroup(group: HoldGroup) {
  return {
    ...group,
    filter: { [group.kind]: group.key },
    display: { money: displayMoney(group.money) },
  };
}

/** A path parameter that names a voucher code or SKU: its canonical form, or the problem naming `field`. */
export function pathIdentifier(
  value: string,
  kind: 'code' | 'sku',
): { ok: true; value: string } | { ok: false; message: string } {
  const max = kind === 'code' ? IDENTIFIER_LIMITS.code : IDENTIFIER_LIMITS.sku;
  const problem =
    identifierProblem(value) ?? (value.length > max ? `must be at most ${max} characters` : undefined);
  if (problem !== undefined) return { ok: false, message: problem };
  const canonical = kind === 'code' ? canonicalCode(value) : canonicalName(value);
  return canonical === '' ? { ok: false, message: 'must not be empty' } : { ok: true, value: canonical };
}
