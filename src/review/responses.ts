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

/** A held order with the numbers formatted for people (`display`), as the API returns it. */
export function presentHold(held: HeldOrder) {
  const { currency } = held;
  return {
    ...held,
    display: {
      total: formatMoney(held.order.total, currency),
      listValue: formatMoney(held.listValue, currency),
      discount: formatMoney(held.discount, currency),
      lines: held.order.lines.map((orderLine) => ({
        unitPrice: formatMoney(orderLine.unitPrice, currency),
        discount: formatMoney(orderLine.discount, currency),
      })),
      vouchers: held.order.vouchers.map((voucher) => ({ discount: formatMoney(voucher.discount, currency) })),
      reasons: held.decision.reasons.map((reason) => ({
        observed: formatValue(reason.observed, reason.unit, currency),
        limit: formatValue(reason.limit, reason.unit, currency),
      })),
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
