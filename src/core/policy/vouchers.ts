// src/core/policy/vouchers.ts
// Voucher sections of the policy: each code's terms (eligibility, caps, discount, window, stacking) and velocity.

import { z } from 'zod';
import { basisPoints, codes, count, list, names, opaque, perCurrency, seconds, timestamp } from './fields';

/** The voucher velocity detector: a Poisson significance test over several windows, against the code's baseline. */
export const velocity = z.strictObject({
  /** Windows the redemptions are counted over, in seconds (each is tested). Defaults to 1, 5, 15 and 30 minutes. */
  windows: z
    .array(
      z
        .number()
        .int({ error: 'must be a whole number of seconds' })
        .min(60, { error: 'must be at least 60' })
        .max(3600, { error: 'must be at most 3600' }),
    )
    .min(1)
    .max(5)
    .optional(),
  /** The window `maxPerWindow` is counted over, in seconds (whole minutes). Defaults to 600. */
  windowSeconds: seconds.optional(),
  /** The period the normal rate is measured over, in seconds. Defaults to 86,400. */
  baselineSeconds: seconds.optional(),
  /** Fewest redemptions in a window that can trip the code. Defaults to 5. */
  minRedemptions: count.optional(),
  /** Least multiple of the expected count that can trip the code. Defaults to 5. */
  surgeMultiplier: z.number().int().min(1, { error: 'must be at least 1' }).optional(),
  /** A count whose chance under the normal rate is below 1 in this many trips the code. Defaults to 1,000,000. */
  oneIn: z.number().int().min(10, { error: 'must be at least 10' }).optional(),
  /** The rate assumed for a code before it has a history, per hour. Defaults to 12. */
  priorPerHour: count.optional(),
  /** An absolute limit of redemptions per `windowSeconds`. Defaults to none. */
  maxPerWindow: count.optional(),
  /** The declared normal rate, per hour (a public code expected at thousands an hour says so). Defaults to none. */
  expectedPerHour: count.optional(),
  /** A tripped code resumes once its rate has been normal this long, in seconds. Defaults to 1,800. */
  resumeAfterSeconds: seconds.optional(),
  /** A tripped code stays tripped until on-call clears it. Defaults to false. */
  sticky: z.boolean().optional(),
  /**
   * A trip holds only the surge's segment when one sets it apart from the code's normal use; false holds every use
   * of a tripped code. Defaults to true.
   */
  scoped: z.boolean().optional(),
});

/** The discount a voucher gives: a fixed amount, or a percentage with a maximum. */
export const voucherDiscount = z.union(
  [
    z.strictObject({ amount: perCurrency }),
    z.strictObject({ percentBp: basisPoints, max: perCurrency.optional() }),
  ],
  { error: 'must be { amount: { IDR: ... } } or { percentBp: 1000, max: { IDR: ... } }' },
);

/** The terms of one voucher code. */
export const voucher = z
  .strictObject({
    paymentMethods: names.optional(),
    customerSegments: names.optional(),
    customerIds: list(opaque).optional(),
    minSubtotal: perCurrency.optional(),
    maxUses: count.optional(),
    maxUsesPerCustomer: count.optional(),
    budget: perCurrency.optional(),
    budgetWindowSeconds: seconds.optional(),
    velocity: velocity.optional(),
    /** What the code takes off: an order taking more than this is held (`voucher_terms`). */
    discount: voucherDiscount.optional(),
    /** When the code may be used (`voucher_window`). */
    startsAt: timestamp.optional(),
    endsAt: timestamp.optional(),
    /** With other codes: true (any), false (none) or the codes it may go with (`voucher_stacking`). */
    stackable: z.union([z.boolean(), codes], { error: 'must be true, false or a list of codes' }).optional(),
    /** On lines at campaign prices (`voucher_stacking`). Defaults to true. */
    withCampaigns: z.boolean().optional(),
    note: z.string().max(500).optional(),
  })
  .refine((value) => !(value.startsAt && value.endsAt) || value.endsAt > value.startsAt, {
    error: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });

/** Codes the policy does not name: tracked only once seen a few times, and only so many. */
export const unknownVouchers = z.strictObject({
  track: z.boolean().default(true),
  admitAfter: z.number().int().min(1).default(3),
  maxTracked: z.number().int().min(1).default(10_000),
});
