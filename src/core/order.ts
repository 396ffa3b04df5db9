// src/core/order.ts
// The canonical order contract: zod schemas, the inferred types, and parsing into a list of precise problems.

import { z } from 'zod';
import { isKnownCurrency } from './currencies';

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

/** One problem with an input: the dotted path of the field and what is wrong with it. */
export interface Problem {
  /** Where the problem is, e.g. `lines[0].unitPrice`; empty for the whole document. */
  path: string;
  /** What is wrong, in words that name the expected value. */
  message: string;
}

/** A zod error callback that says "is required" for a missing field and `message` otherwise. */
const typeError = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : message;

const identifier = (what: string, max: number) =>
  z
    .string({ error: typeError(`must be a string (${what})`) })
    .min(1, { error: `must not be empty (${what})` })
    .max(max, { error: `must be at most ${max} characters (${what})` });

/** A non-negative integer amount in the currency's minor units. */
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
    .min(0, { error: 'must not be negative' });

function buildSchemas(limits: OrderLimits) {
  const object = limits.strict ? z.strictObject : z.object;
  const line = object({
    sku: identifier('the SKU', 128),
    quantity: z
      .number({ error: typeError('must be a whole number of units') })
      .int({ error: 'must be a whole number of units' })
      .min(1, { error: 'must be at least 1' })
      .max(limits.maxQuantity, { error: `must be at most ${limits.maxQuantity} (the maxQuantity limit)` }),
    unitPrice: amount(),
    discount: amount().default(0),
    category: identifier('the category', 128).optional(),
  });
  const voucher = object({
    code: identifier('the voucher code', 64),
    discount: amount().default(0),
  });
  const order = object({
    orderId: identifier('the order id', 128),
    currency: z
      .string({ error: typeError('must be an ISO 4217 currency code such as "IDR" or "USD"') })
      .refine(isKnownCurrency, { error: 'must be a known ISO 4217 currency code such as "IDR" or "USD"' }),
    customerId: z
      .string({ error: 'must be a string' })
      .max(128, { error: 'must be at most 128 characters' })
      .default(''),
    customerSegments: z
      .array(identifier('a segment', 64), { error: 'must be a list of segment names' })
      .max(32, { error: 'must have at most 32 segments' })
      .default([]),
    paymentMethod: z
      .string({ error: 'must be a string' })
      .max(128, { error: 'must be at most 128 characters' })
      .default(''),
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

/** An order after validation, with every default applied. */
export type Order = z.output<typeof referenceSchemas.order>;
/** One line of an order. */
export type OrderLine = z.output<typeof referenceSchemas.line>;
/** One voucher applied to an order. */
export type OrderVoucher = z.output<typeof referenceSchemas.voucher>;
/** What a storefront may send: optional fields may be left out. */
export type OrderInput = z.input<typeof referenceSchemas.order>;

/** The result of parsing: the order, or every problem found. */
export type ParseResult = { ok: true; order: Order } | { ok: false; problems: Problem[] };

/** Formats a zod path as `lines[0].unitPrice`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Turns zod issues into problems, naming unknown keys one by one. */
export function toProblems(issues: ReadonlyArray<z.core.$ZodIssue>): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({
          path: formatPath([...issue.path, key]),
          message: 'is not a known field (strict mode)',
        });
      }
    } else {
      problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return problems;
}

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

/** Parses and validates orders against one set of limits; build one at start-up and reuse it. */
export class OrderParser {
  private readonly schema: ReturnType<typeof buildSchemas>['order'];

  constructor(readonly limits: OrderLimits = DEFAULT_ORDER_LIMITS) {
    this.schema = buildSchemas(limits).order;
  }

  /** Validates `input`; never throws. */
  parse(input: unknown): ParseResult {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, problems: [{ path: '', message: 'the order must be a JSON object' }] };
    }
    const result = this.schema.safeParse(input);
    if (!result.success) return { ok: false, problems: toProblems(result.error.issues) };
    const problems = overflowProblems(result.data);
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, order: result.data };
  }
}
