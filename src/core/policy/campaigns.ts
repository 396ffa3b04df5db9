// src/core/policy/campaigns.ts
// Planned deep discounts (campaigns) and explicit allow-lists (exceptions), each scoped to a window.

import { z } from 'zod';
import { basisPoints, codes, keyedBy, list, names, opaque, perCurrency, ruleName, timestamp } from './fields';

/** A planned campaign: its window, what it covers, and the prices it makes normal. */
export const campaign = z
  .strictObject({
    id: opaque,
    note: z.string().max(500).default(''),
    startsAt: timestamp,
    endsAt: timestamp,
    skus: names.optional(),
    categories: names.optional(),
    /** Codes planned for mass use: exempt from the surge test (hard limits still apply). */
    vouchers: codes.optional(),
    /** Line discounts up to this share are the campaign price. */
    lineDiscountCapBp: basisPoints.optional(),
    /** The campaign's absolute floors for the SKUs it covers. */
    floors: keyedBy('name', perCurrency).optional(),
    /** The campaign's relative floor: no covered line below this share of its list price. */
    floorBp: basisPoints.optional(),
    /**
     * Where the campaign sets a floor of its own for a line: `replace` the regular floors (the default: a flash
     * sale may go below the everyday floor), or `keep` them too (the stricter wins).
     */
    regularFloors: z.enum(['replace', 'keep'], { error: 'must be "replace" or "keep"' }).default('replace'),
    /** Relaxes `discountCaps.orderListBp` for orders with lines of this campaign. */
    orderListCapBp: basisPoints.optional(),
  })
  .refine((value) => value.endsAt > value.startsAt, {
    error: 'endsAt must be after startsAt',
    path: ['endsAt'],
  })
  .refine((value) => value.skus || value.categories || value.vouchers, {
    error: 'a campaign must name the skus, categories or vouchers it covers',
    path: ['skus'],
  });

/** An explicit exception: orders matching it are let through the rules it names; the decision records it. */
export const exception = z
  .strictObject({
    id: opaque,
    note: z.string().min(1, { error: 'must say why the exception exists' }).max(500),
    /** Built-in rule ids, or ids of the policy's custom rules. */
    rules: z.array(ruleName).min(1, { error: 'must name the rules the exception lets orders through' }),
    vouchers: codes.optional(),
    customerIds: list(opaque).optional(),
    paymentMethods: names.optional(),
    skus: names.optional(),
    startsAt: timestamp.optional(),
    endsAt: timestamp.optional(),
  })
  .refine((value) => value.vouchers || value.customerIds || value.paymentMethods || value.skus, {
    error: 'an exception must match on vouchers, customerIds, paymentMethods or skus',
    path: ['vouchers'],
  })
  .refine((value) => !(value.startsAt && value.endsAt) || value.endsAt > value.startsAt, {
    error: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });
