// src/review/queue-api.ts
// The review API's queue inputs (canonical identifiers, rule ids, incidents, list orders, cursors, groups) and money
// shown to people.

import { z } from 'zod';
import { isKnownCurrency } from '../core/currencies';
import { canonicalCode, canonicalName, IDENTIFIER_LIMITS, identifierProblem } from '../core/identifiers';
import { formatMoney } from '../core/money';
import { RULE_ID_SHAPE } from '../core/policy/fields';
import { RULE_IDS } from '../core/types';
import {
  GROUP_KINDS,
  HOLD_ORDERS,
  type HoldGroup,
  type Incident,
  type MoneyAtStake,
  type TrippedVoucher,
} from '../ports/store';
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
/** A payment method, canonical (as the order parser stores it). */
export const paymentMethodName = identifier(IDENTIFIER_LIMITS.paymentMethod, canonicalName);

/**
 * An incident id, `<kind>:<key>` (`voucher:TMRW100`, `sku:MJ-TOTE`, `rule:total_mismatch`), with its key in the
 * canonical form of its kind: `voucher:tmrw100` finds `voucher:TMRW100`.
 */
export const incidentIdSchema = z
  .string({ error: 'must be an incident id such as "voucher:TMRW100" or "rule:total_mismatch"' })
  .max(200, { error: 'must be at most 200 characters' })
  .transform((value, context) => {
    const colon = value.indexOf(':');
    const kind = colon < 0 ? value : value.slice(0, colon);
    const key = colon < 0 ? '' : value.slice(colon + 1);
    const fail = (message: string) => {
      context.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (!(GROUP_KINDS as readonly string[]).includes(kind)) {
      return fail(
        'must be "voucher:<code>", "sku:<SKU>" or "rule:<rule id>" (an incident id from /api/incidents)',
      );
    }
    if (kind === 'rule') {
      return RULE_ID_SHAPE.test(key) ? `rule:${key}` : fail('must name a rule id after "rule:"');
    }
    const checked = (kind === 'voucher' ? voucherCode : skuName).safeParse(key);
    if (!checked.success) return fail(`${kind} ${checked.error.issues[0]?.message ?? 'is not valid'}`);
    return `${kind}:${checked.data}`;
  });

/**
 * A rule id: a built-in one or a custom rule's. Any id of that shape is accepted, a custom rule's included even
 * after the policy dropped it (its holds are still in the queue); an id no hold names lists nothing.
 */
export const ruleName = z.string({ error: 'must be a string' }).regex(RULE_ID_SHAPE, {
  error: `must be a rule id: one of ${RULE_IDS.join(', ')}, or a custom rule's id (lower case letters, digits and underscores)`,
});

/** The fields that narrow a list or a bulk action. */
const narrowing = {
  incident: incidentIdSchema.optional(),
  rule: ruleName.optional(),
  sku: skuName.optional(),
  voucher: voucherCode.optional(),
  paymentMethod: paymentMethodName.optional(),
  from: instant.optional(),
  to: instant.optional(),
};

/**
 * The filter of a bulk action. It must name an incident, a voucher, a SKU or a rule: a time range (or a payment
 * method) alone would take every pending order held in it, which is never one incident.
 */
export const bulkFilter = z
  .strictObject(narrowing)
  .refine(
    (filter) =>
      filter.incident !== undefined ||
      filter.voucher !== undefined ||
      filter.sku !== undefined ||
      filter.rule !== undefined,
    {
      error:
        'must name at least one of incident, voucher, sku or rule (a time range or a payment method alone would take every pending order in it)',
    },
  );

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

/** A currency a query ranks by. */
const rankingCurrency = z
  .string()
  .refine(isKnownCurrency, { error: 'must be a known ISO 4217 currency code such as "IDR" or "USD"' })
  .optional();

/** How many of the top a query asks for: 1 to `max`. */
function topLimit(max: number) {
  return z
    .string()
    .regex(/^\d+$/, { error: 'must be a whole number' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, { error: `must be 1 to ${max}` })
    .optional();
}

/** The query of `GET /api/incidents`. */
export const incidentQuery = z.strictObject({
  by: z.enum(['exposure', 'count'], { error: 'must be exposure or count' }).optional(),
  currency: rankingCurrency,
  limit: topLimit(500),
});

/** The query of `GET /api/vouchers`. */
export const voucherQuery = z.strictObject({
  state: z.enum(['tripped'], { error: 'must be tripped (the only state listed)' }).optional(),
});

/** The query of `GET /api/groups`. */
export const groupQuery = z.strictObject({
  kind: z.enum(GROUP_KINDS, { error: `must be one of ${GROUP_KINDS.join(', ')}` }).optional(),
  by: z.enum(['count', 'money'], { error: 'must be count or money' }).optional(),
  currency: rankingCurrency,
  limit: topLimit(100),
});

/** Money per currency formatted for people (`IDR 4,700,000`): list value, discount, total, exposure, overcharge. */
export function displayMoney(money: Record<string, MoneyAtStake> | undefined) {
  const out: Record<
    string,
    { listValue: string; discount: string; total: string; exposure: string; overcharge: string }
  > = {};
  for (const [currency, value] of Object.entries(money ?? {})) {
    out[currency] = {
      listValue: formatMoney(value.listValue, currency),
      discount: formatMoney(value.discount, currency),
      total: formatMoney(value.total, currency),
      exposure: formatMoney(value.exposure, currency),
      overcharge: formatMoney(value.overcharge, currency),
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

/** A voucher trip as the API returns it: times as epoch ms (`until` null when only on-call can end it). */
export function presentTrip(trip: TrippedVoucher) {
  return { ...trip, until: trip.until ?? null };
}

/**
 * An incident as the API returns it: the bulk filter that takes exactly its orders, its money formatted, and, for
 * a voucher incident, the code's trip (null when the code is not tripped).
 */
export function presentIncident(incident: Incident, trips: ReadonlyMap<string, TrippedVoucher>) {
  return {
    ...incident,
    filter: { incident: incident.id },
    ...(incident.cause.kind === 'voucher'
      ? {
          trip: trips.has(incident.cause.key) ? presentTrip(trips.get(incident.cause.key)!) : null,
        }
      : {}),
    display: { exposure: displayMoney(incident.exposure) },
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
