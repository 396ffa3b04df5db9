// src/core/policy/prices.ts
// The price sections of the policy: floors (absolute and relative), discount caps, the catalog and its changes.

import { z } from 'zod';
import { basisPoints, factorBp, keyedBy, name, names, perCurrency, seconds, timestamp } from './fields';

/** Absolute floors: SKU → currency → lowest paid unit price, in minor units. */
export const floors = keyedBy('name', perCurrency);

/**
 * Relative floors: a line may not pay less than this share of its list price. The most specific level that is
 * set applies: `skus`, then `categories`, then `all`.
 */
export const floorBp = z.strictObject({
  all: basisPoints.optional(),
  categories: keyedBy('name', basisPoints).prefault({}),
  skus: keyedBy('name', basisPoints).prefault({}),
});

export const discountCaps = z.strictObject({
  lineBp: basisPoints.default(9000),
  orderBp: basisPoints.default(9000),
  /**
   * The order's discounts in all (line and voucher) against the full list value, for orders with campaign lines;
   * campaigns relax it only with their own `orderListCapBp`. Stacked discounts cannot pay a few percent of list.
   */
  orderListBp: basisPoints.default(9000),
  skus: keyedBy('name', basisPoints).prefault({}),
  categories: keyedBy('name', basisPoints).prefault({}),
});

/** Reference (expected) list prices: SKU → currency → list price, what `unitPrice` should be. */
export const catalog = keyedBy('name', perCurrency);

/** A scheduled change of a SKU's list price: the catalog price from `at` on, and the history rebased then. */
export const priceChange = z.strictObject({
  sku: name,
  at: timestamp,
  listPrice: perCurrency,
  note: z.string().max(500).optional(),
});

/** How far a line's list price may be from its declared reference, either way (20000: half to twice). */
export const referencePrice = z.strictObject({
  maxRatioBp: factorBp.default(20_000),
  categories: keyedBy('name', factorBp).prefault({}),
  skus: keyedBy('name', factorBp).prefault({}),
});

/** The history rules: what shoppers recently paid for a SKU, and how far from it a line may be. */
export const history = z.strictObject({
  minSamples: z.number().int().min(1).default(20),
  /** Below this share of the recent median a line is held (5000 = under half). */
  ratioBp: basisPoints.default(5000),
  /** Above this multiple of the recent median a line is held (30000 = over 3x). */
  aboveRatioBp: factorBp.default(30_000),
  maxSamples: z.number().int().min(3).max(1000).default(101),
  ttlSeconds: seconds.default(14 * 86_400),
  /** Samples are counted in buckets of this length: a burst cannot fill the window. */
  bucketSeconds: seconds.default(600),
  /** Most samples one bucket contributes. */
  perBucket: z.number().int().min(1).default(10),
  /**
   * How far a SKU's learned anchor may follow its median in a day, in basis points of itself (1000: 10%); 0 keeps
   * it where it was learned until on-call accepts a price or a price change is declared.
   */
  anchorFollowBp: basisPoints.default(1000),
});

/**
 * A SKU a line may list at 0: a free SKU (`free`), a bundle's component (`bundle`: free beside the bundle's line),
 * or a gift with purchase (`gift`: free beside a qualifying line or over a subtotal). Any other line listed at 0 is
 * held by `below_floor`.
 */
export const freeItem = z
  .strictObject({
    kind: z.enum(['free', 'bundle', 'gift'], { error: 'must be "free", "bundle" or "gift"' }),
    /** Free only beside a line of one of these SKUs that lists above 0 (the bundle, the qualifying purchase). */
    with: names.optional(),
    /** Free only when the order's subtotal reaches this in its currency (a gift over an amount). */
    minSubtotal: perCurrency.optional(),
    /** Most units of it free in one order. */
    maxQuantity: z.number().int().min(1, { error: 'must be at least 1' }).optional(),
    startsAt: timestamp.optional(),
    endsAt: timestamp.optional(),
    note: z.string().max(500).optional(),
  })
  .refine((value) => value.kind !== 'bundle' || value.with !== undefined, {
    error: 'a bundle component must name the bundle SKUs it comes with (`with`)',
    path: ['with'],
  })
  .refine((value) => value.kind !== 'gift' || value.with !== undefined || value.minSubtotal !== undefined, {
    error: 'a gift with purchase must say what purchase it comes with (`with` or `minSubtotal`)',
    path: ['with'],
  })
  .refine((value) => !(value.startsAt && value.endsAt) || value.endsAt > value.startsAt, {
    error: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });

/** SKU → how it may be listed at 0. */
export const freeItems = keyedBy('name', freeItem);
