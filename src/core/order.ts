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
import { fastParseOrder } from './order-fast';
import { type Problem, toProblems } from './problems';

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
 * An identifier: a string without invisible characters, put in its canonical form (src/core/identifiers.ts),
 * then checked not to be empty. `allowEmpty` keeps the empty string (customerId and paymentMethod default to it).
 */
const identifier = (what: string, max: number, kind: IdentifierKind, allowEmpty = false) =>
  z
    .string({ error: typeError(`must be a string (${what})`) })
    .max(max, { error: `must be at most ${max} characters (${what})` })
    .superRefine((value, context) => {
      const problem = identifierProblem(value, kind);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, input: value });
    })
    .transform((value) => canonicalIdentifier(value, kind))
    .refine((value) => allowEmpty || value !== '', {
      error: `must not be empty (${what})`,
      abort: true,
    });

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

function buildSchemas(limits: OrderLimits) {
  const object = limits.strict ? z.strictObject : z.object;
  const line = object({
    sku: identifier('the SKU', IDENTIFIER_LIMITS.sku, 'name'),
    quantity: z
      .number({ error: typeError('must be a whole number of units') })
      .int({ error: 'must be a whole number of units' })
      .min(1, { error: 'must be at least 1' })
      .max(limits.maxQuantity, { error: `must be at most ${limits.maxQuantity} (the maxQuantity limit)` }),
    unitPrice: amount(),
    discount: amount().default(0),
    category: identifier('the category', IDENTIFIER_LIMITS.category, 'name').optional(),
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
    paymentMethod: identifier('the payment method', IDENTIFIER_LIMITS.paymentMethod, 'name', true).default(
      '',
    ),
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
  });
  return { line, voucher, order };
}

const referenceSchemas = buildSchemas(DEFAULT_ORDER_LIMITS);

/**
 * An order after validation, with every default applied and every identifier in its canonical form: voucher
 * codes, SKUs, categories, payment methods and segments compared case-insensitively (see identifiers.ts).
 */
export type Order = z.output<typeof referenceSchemas.order>;
/** One line of an order. */
export type OrderLine = z.output<typeof referenceSchemas.line>;
/** One voucher applied to an order: `code` canonical, `entered` the spelling the shopper used when it differs. */
export type OrderVoucher = z.output<typeof referenceSchemas.voucher>;
/** What a storefront may send: optional fields may be left out. */
export type OrderInput = z.input<typeof referenceSchemas.order>;

/** The result of parsing: the order, or every problem found. */
export type ParseResult = { ok: true; order: Order } | { ok: false; problems: Problem[] };

/** Sums that must stay exact: a line's list value and the order's totals. */
function overflowProblems(order: Order): Problem[] {
  const problems: Problem[] = [];
  let sum = 0;
  order.lines.forEach((line, index) => {
    const value = line.unitPrice * line.quantity;
    if (!Number.isSafeInteger(value)) {
      problems.push({ path: `lines[${index}]`, message: 'unitPrice × quantity is too large to be exact' });
    }
    sum += value;
  });
  for (const voucher of order.vouchers) sum += voucher.discount;
  sum += order.shipping + order.tax + order.total;
  if (problems.length === 0 && !Number.isSafeInteger(sum)) {
    problems.push({ path: '', message: 'the order amounts add up to more than can be represented exactly' });
  }
  return problems;
}

/**
 * Parses and validates orders against one set of limits; build one at start-up and reuse it. A hand-written fast
 * path accepts a valid order without zod (it is the hot path of every checkout); anything it does not accept goes
 * through the zod schema, which names every problem. A property test holds the two to the same answers.
 */
export class OrderParser {
  private readonly schema: ReturnType<typeof buildSchemas>['order'];

  constructor(readonly limits: OrderLimits = DEFAULT_ORDER_LIMITS) {
    this.schema = buildSchemas(limits).order;
  }

  /** Validates `input`; never throws. */
  parse(input: unknown): ParseResult {
    const fast = fastParseOrder(input, this.limits);
    if (fast !== undefined) return { ok: true, order: fast };
    return this.parseWithSchema(input);
  }

  /** The zod path alone: precise problems for a bad order. Exposed for the property test of the fast path. */
  parseWithSchema(input: unknown): ParseResult {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, problems: [{ path: '', message: 'the order must be a JSON object' }] };
    }
    const result = this.schema.safeParse(input);
    if (!result.success) {
      const options = { schema: this.schema, unknownKey: 'is not a known field (strict mode)' };
      return { ok: false, problems: toProblems(result.error.issues, options) };
    }
    const problems = overflowProblems(result.data);
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, order: result.data };
  }
}
