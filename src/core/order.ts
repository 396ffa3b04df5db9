// src/core/order.ts
// The canonical order contract: the zod schema, the inferred types, and parsing into canonical orders or problems.

import { z } from 'zod';
import { isKnownCurrency } from './currencies';
import {
  canonicalIdentifier,
  IDENTIFIER_LIMITS,
  type IdentifierKind,
  identifierProblem,
} from './identifiers';

/** Defaults for the order limits; each can be changed through the `limits` option. */
export const DEFAULT_ORDER_LIMITS: OrderLimits = Object.freeze({
  maxLines: 500,
  maxQuantity: 10_000,
  maxVouchers: 20,
  strict: false,
});

/** Bounds that protect the guard (and the shop) from absurd orders. */
export interface OrderLimits {
  /** Most lines an order may have. Defaults to 500. */
  maxLines: number;
  /** Largest quantity on one line. Defaults to 10,000. */
  maxQuantity: number;
  /** Most vouchers on one order. Defaults to 20. */
  maxVouchers: number;
  /** Reject unknown fields instead of ignoring them. Defaults to false. */
  strict: boolean;
}

/** A zod error callback that says "is required" for a missing field and `message` otherwise. */
const typeError = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : message;

/**
 * An identifier as the storefront spelled it and in its canonical form: a string without invisible characters,
 * put in its canonical form (src/core/identifiers.ts), then checked not to be empty. `allowEmpty` keeps the empty
 * string (customerId and paymentMethod default to it).
 */
const spelledIdentifier = (what: string, max: number, kind: IdentifierKind, allowEmpty = false) =>
  z
    .string({ error: typeError(`must be a string (${what})`) })
    .max(max, { error: `must be at most ${max} characters (${what})` })
    .superRefine((value, context) => {
      const problem = identifierProblem(value, kind);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, input: value });
    })
    .transform((value) => ({ canonical: canonicalIdentifier(value, kind), entered: value }))
    .refine((value) => allowEmpty || value.canonical !== '', {
      error: `must not be empty (${what})`,
      abort: true,
    });

/** An identifier in its canonical form (see `spelledIdentifier`). */
const identifier = (what: string, max: number, kind: IdentifierKind, allowEmpty = false) =>
  spelledIdentifier(what, max, kind, allowEmpty).transform((value) => value.canonical);

/** A non-negative integer amount in the currency's minor units (-0 is read as 0). */
const amount = () =>
  z
    .number({
      error: typeError(
        'must be an integer amount in minor units (IDR 4,700,000 is 4700000; USD 12.34 is 1234)',
      ),
    })
    .int({
      error: (issue) =>
        Number.isInteger(issue.input)
          ? `must be at most ${Number.MAX_SAFE_INTEGER} minor units`
          : 'must be an integer amount in minor units, not a fraction (USD 12.34 is 1234)',
    })
    .min(0, { error: 'must not be negative' })
    .transform((value) => value + 0);

export function buildSchemas(limits: OrderLimits) {
  const object = limits.strict ? z.strictObject : z.object;
  const line = object({
    sku: spelledIdentifier('the SKU', IDENTIFIER_LIMITS.sku, 'name'),
    quantity: z
      .number({ error: typeError('must be a whole number of units') })
      .int({ error: 'must be a whole number of units' })
      .min(1, { error: 'must be at least 1' })
      .max(limits.maxQuantity, { error: `must be at most ${limits.maxQuantity} (the maxQuantity limit)` }),
    unitPrice: amount(),
    discount: amount().default(0),
    category: identifier('the category', IDENTIFIER_LIMITS.category, 'name').optional(),
  }).transform(({ sku, ...rest }) => {
    // The storefront's spelling is kept only when it differs from the canonical SKU (for the review page).
    const canonicalLine: { sku: string; skuEntered?: string } & typeof rest = { sku: sku.canonical, ...rest };
    if (sku.entered !== sku.canonical) canonicalLine.skuEntered = sku.entered;
    return canonicalLine;
  });
  const voucher = object({
    code: z.string({ error: typeError('must be a string (the voucher code)') }),
    discount: amount().default(0),
  }).transform((value, context) => {
    const code = identifier('the voucher code', IDENTIFIER_LIMITS.code, 'code').safeParse(value.code);
    if (!code.success) {
      for (const issue of code.error.issues) {
        context.addIssue({ code: 'custom', message: issue.message, path: ['code'], input: value.code });
      }
      return z.NEVER;
    }
    return code.data === value.code
      ? { code: code.data, discount: value.discount }
      : { code: code.data, discount: value.discount, entered: value.code };
  });
  const order = object({
    orderId: identifier('the order id', IDENTIFIER_LIMITS.orderId, 'opaque'),
    currency: z
      .string({ error: typeError('must be an ISO 4217 currency code such as "IDR" or "USD"') })
      .refine(isKnownCurrency, { error: 'must be a known ISO 4217 currency code such as "IDR" or "USD"' }),
    customerId: identifier('the customer id', IDENTIFIER_LIMITS.customerId, 'opaque', true).default(''),
    customerSegments: z
      .array(identifier('a segment', IDENTIFIER_LIMITS.segment, 'name'), {
        error: 'must be a list of segment names',
      })
      .max(32, { error: 'must have at most 32 segments' })
      .default([]),
    paymentMethod: spelledIdentifier(
      'the payment method',
      IDENTIFIER_LIMITS.paymentMethod,
      'name',
      true,
    ).default({ canonical: '', entered: '' }),
    lines: z
      .array(line, { error: typeError('must be a list of order lines') })
      .min(1, { error: 'must have at least one line' })
      .max(limits.maxLines, { error: `must have at most ${limits.maxLines} lines (the maxLines limit)` }),
    vouchers: z
      .array(voucher, { error: 'must be a list of vouchers' })
      .max(limits.maxVouchers, {
        error: `must have at most ${limits.maxVouchers} vouchers (the maxVouchers limit)`,
      })
      .default([]),
    shipping: amount().default(0),
    shippingDiscount: amount().default(0),
    tax: amount().default(0),
    total: amount(),
  }).transform((value) => {
    // Like a line's SKU: the storefront's spelling of the payment method only when it differs (in its place).
    const { canonical, entered } = value.paymentMethod;
    const canonicalOrder: Omit<typeof value, 'paymentMethod'> & {
      paymentMethod: string;
      paymentMethodEntered?: string;
    } = { ...value, paymentMethod: canonical };
    if (entered !== canonical) canonicalOrder.paymentMethodEntered = entered;
    return canonicalOrder;
  });
  return { line, voucher, order };
}

const referenceSchemas = buildSchemas(DEFAULT_ORDER_LIMITS);

/**
 * An order after validation, with every default applied and every identifier in its canonical form: voucher
 * codes, SKUs, categories, payment methods and segments compared case-insensitively (see identifiers.ts).
 * `paymentMethodEntered` is the storefront's spelling of the payment method when it differs from the canonical
 * one: shown on the review page, never compared.
 */
export type Order = z.output<typeof referenceSchemas.order>;
/** One line of an order: `sku` canonical, `skuEntered` the storefront's spelling when it differs. */
export type OrderLine = z.output<typeof referenceSchemas.line>;
/** One voucher applied to an order: `code` canonical, `entered` the spelling the shopper used when it differs. */
export type OrderVoucher = z.output<typeof referenceSchemas.voucher>;
/** What a storefront may send: optional fields may be left out. */
export type OrderInput = z.input<typeof referenceSchemas.order>;
