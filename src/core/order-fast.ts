// src/core/order-fast.ts
// The order parser's fast path: accepts a valid order in one pass without zod; anything else is left to the schema.

import { isKnownCurrency } from './currencies';
import { canonicalOrUndefined, IDENTIFIER_LIMITS, type IdentifierKind } from './identifiers';
import type { Order, OrderLimits, OrderLine, OrderVoucher } from './order';

/*
 * Returns exactly what the zod schema in order.ts returns for a valid order (defaults applied, identifiers
 * canonical, the storefront's spelling of a voucher code, SKU or payment method kept only where it differs), or
 * undefined for anything it does not accept, in which case the caller runs the schema for the precise problems.
 * It never accepts what the schema refuses: test/core/order-fast.test.ts holds the two to the same answers over
 * random and mutated orders.
 */

/** The fields of an order, of each of its lines and of each of its vouchers (the schema's keys, in its order). */
export const ORDER_FIELDS = [
  'orderId',
  'currency',
  'customerId',
  'customerSegments',
  'paymentMethod',
  'lines',
  'vouchers',
  'shipping',
  'shippingDiscount',
  'tax',
  'total',
] as const;
export const LINE_FIELDS = ['sku', 'quantity', 'unitPrice', 'discount', 'category'] as const;
export const VOUCHER_FIELDS = ['code', 'discount'] as const;

const ORDER_KEYS: ReadonlySet<string> = new Set(ORDER_FIELDS);
const LINE_KEYS: ReadonlySet<string> = new Set(LINE_FIELDS);
const VOUCHER_KEYS: ReadonlySet<string> = new Set(VOUCHER_FIELDS);

type Record_ = Record<string, unknown>;

function isObject(value: unknown): value is Record_ {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function onlyKnown(value: Record_, known: ReadonlySet<string>): boolean {
  for (const key of Object.keys(value)) if (!known.has(key)) return false;
  return true;
}

/** A non-negative safe integer (−0 read as 0), or −1 for anything else. */
function amount(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value + 0 : -1;
}

/** An identifier in its canonical form, or undefined when the schema must judge it. */
function identifier(
  value: unknown,
  max: number,
  kind: IdentifierKind,
  allowEmpty: boolean,
): string | undefined {
  if (typeof value !== 'string' || value.length > max) return undefined;
  const canonical = canonicalOrUndefined(value, kind);
  if (canonical === undefined || (canonical === '' && !allowEmpty)) return undefined;
  return canonical;
}

function parseLine(value: unknown, limits: OrderLimits): OrderLine | undefined {
  if (!isObject(value) || (limits.strict && !onlyKnown(value, LINE_KEYS))) return undefined;
  const sku = identifier(value.sku, IDENTIFIER_LIMITS.sku, 'name', false);
  const quantity = value.quantity;
  if (
    sku === undefined ||
    typeof quantity !== 'number' ||
    !Number.isSafeInteger(quantity) ||
    quantity < 1 ||
    quantity > limits.maxQuantity
  ) {
    return undefined;
  }
  const unitPrice = amount(value.unitPrice);
  const discount = value.discount === undefined ? 0 : amount(value.discount);
  if (unitPrice < 0 || discount < 0) return undefined;
  // The common SKU is already canonical (the same string back): only another spelling adds `skuEntered`.
  const entered = value.sku as string;
  if (value.category === undefined) {
    return sku === entered
      ? { sku, quantity, unitPrice, discount }
      : { sku, quantity, unitPrice, discount, skuEntered: entered };
  }
  const category = identifier(value.category, IDENTIFIER_LIMITS.category, 'name', false);
  if (category === undefined) return undefined;
  return sku === entered
    ? { sku, quantity, unitPrice, discount, category }
    : { sku, quantity, unitPrice, discount, category, skuEntered: entered };
}

function parseVoucher(value: unknown, limits: OrderLimits): OrderVoucher | undefined {
  if (!isObject(value) || (limits.strict && !onlyKnown(value, VOUCHER_KEYS))) return undefined;
  const entered = value.code;
  const code = identifier(entered, IDENTIFIER_LIMITS.code, 'code', false);
  const discount = value.discount === undefined ? 0 : amount(value.discount);
  if (code === undefined || discount < 0) return undefined;
  return code === entered ? { code, discount } : { code, discount, entered: entered as string };
}

/** The canonical order, or undefined when the zod schema must judge `input`. */
export function fastParseOrder(input: unknown, limits: OrderLimits): Order | undefined {
  if (!isObject(input) || (limits.strict && !onlyKnown(input, ORDER_KEYS))) return undefined;
  const orderId = identifier(input.orderId, IDENTIFIER_LIMITS.orderId, 'opaque', false);
  const currency = input.currency;
  if (orderId === undefined || typeof currency !== 'string' || !isKnownCurrency(currency)) return undefined;
  const customerId =
    input.customerId === undefined
      ? ''
      : identifier(input.customerId, IDENTIFIER_LIMITS.customerId, 'opaque', true);
  const paymentMethod =
    input.paymentMethod === undefined
      ? ''
      : identifier(input.paymentMethod, IDENTIFIER_LIMITS.paymentMethod, 'name', true);
  if (customerId === undefined || paymentMethod === undefined) return undefined;

  let customerSegments: string[] = [];
  if (input.customerSegments !== undefined) {
    const raw = input.customerSegments;
    if (!Array.isArray(raw) || raw.length > 32) return undefined;
    customerSegments = new Array(raw.length);
    for (let index = 0; index < raw.length; index++) {
      const segment = identifier(raw[index], IDENTIFIER_LIMITS.segment, 'name', false);
      if (segment === undefined) return undefined;
      customerSegments[index] = segment;
    }
  }

  const rawLines = input.lines;
  if (!Array.isArray(rawLines) || rawLines.length < 1 || rawLines.length > limits.maxLines) return undefined;
  const lines: OrderLine[] = new Array(rawLines.length);
  let sum = 0;
  for (let index = 0; index < rawLines.length; index++) {
    const line = parseLine(rawLines[index], limits);
    if (line === undefined) return undefined;
    const value = line.unitPrice * line.quantity;
    if (!Number.isSafeInteger(value)) return undefined;
    sum += value;
    lines[index] = line;
  }

  let vouchers: OrderVoucher[] = [];
  if (input.vouchers !== undefined) {
    const raw = input.vouchers;
    if (!Array.isArray(raw) || raw.length > limits.maxVouchers) return undefined;
    vouchers = new Array(raw.length);
    for (let index = 0; index < raw.length; index++) {
      const voucher = parseVoucher(raw[index], limits);
      if (voucher === undefined) return undefined;
      sum += voucher.discount;
      vouchers[index] = voucher;
    }
  }

  const shipping = input.shipping === undefined ? 0 : amount(input.shipping);
  const shippingDiscount = input.shippingDiscount === undefined ? 0 : amount(input.shippingDiscount);
  const tax = input.tax === undefined ? 0 : amount(input.tax);
  const total = amount(input.total);
  if (shipping < 0 || shippingDiscount < 0 || tax < 0 || total < 0) return undefined;
  sum += shipping + tax + total;
  if (!Number.isSafeInteger(sum)) return undefined;
  const order: Order = {
    orderId,
    currency,
    customerId,
    customerSegments,
    paymentMethod,
    lines,
    vouchers,
    shipping,
    shippingDiscount,
    tax,
    total,
  };
  // Like a SKU: the storefront's spelling of the payment method only when it is not the canonical one.
  if (input.paymentMethod !== undefined && paymentMethod !== input.paymentMethod) {
    order.paymentMethodEntered = input.paymentMethod as string;
  }
  return order;
}
