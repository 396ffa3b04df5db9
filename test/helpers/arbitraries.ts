// test/helpers/arbitraries.ts
// fast-check arbitraries of order bodies: valid ones, ones with one field mutated, and hostile values.

import fc from 'fast-check';

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'];

/** Strings a hostile or careless client sends: unicode, spaces, invisible characters, prototype names. */
export const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom(...PROTOTYPE_NAMES),
  fc.constantFrom(
    ' a',
    'a ',
    'ＡＢＣ',
    'a\u200bb',
    'a\u202eb',
    'a\u0000',
    '\u00a0',
    '',
    ' ',
    'x'.repeat(129),
  ),
  fc.stringMatching(/^[A-Za-z0-9-]{1,10}$/),
);

/** Numbers at the edges of what an amount may be. */
export const number = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.constantFrom(
    -0,
    0.5,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 1,
    2 ** 53 + 2,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1e300,
    10_000,
    10_001,
  ),
);

/** Any JSON-ish value, for mutating one field. */
export const anything = fc.oneof(
  text,
  number,
  fc.constantFrom(null, true, false, undefined, [], {}),
  fc.array(text, { maxLength: 3 }),
);

const line = fc.record(
  {
    sku: fc.oneof(fc.stringMatching(/^[A-Za-z0-9-]{1,10}$/), text),
    quantity: fc.oneof(fc.integer({ min: 1, max: 3 }), number),
    unitPrice: fc.oneof(fc.integer({ min: 0, max: 5_000_000 }), number),
    discount: fc.oneof(fc.integer({ min: 0, max: 5_000_000 }), number),
    category: text,
  },
  { requiredKeys: ['sku', 'quantity', 'unitPrice'] },
);

const voucher = fc.record(
  { code: fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{1,12}$/), text), discount: number },
  { requiredKeys: ['code'] },
);

export const order = fc.record(
  {
    orderId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), text),
    currency: fc.oneof(fc.constantFrom('IDR', 'USD', 'JPY'), text),
    customerId: text,
    customerSegments: fc.array(text, { maxLength: 3 }),
    paymentMethod: text,
    lines: fc.array(line, { minLength: 0, maxLength: 4 }),
    vouchers: fc.array(voucher, { maxLength: 3 }),
    shipping: number,
    shippingDiscount: number,
    tax: number,
    total: fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), number),
    extra: anything,
  },
  { requiredKeys: ['orderId', 'currency', 'lines', 'total'] },
);

/** A valid order: every field well formed, identifiers in any spelling. */
export const validOrder = fc.record(
  {
    orderId: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
    currency: fc.constantFrom('IDR', 'USD', 'JPY'),
    customerId: fc.stringMatching(/^[A-Za-z0-9_]{0,8}$/),
    customerSegments: fc.array(fc.constantFrom('gold', 'new', ' VIP '), { maxLength: 2 }),
    paymentMethod: fc.constantFrom('card:uob-tmrw', 'ewallet:ovo', 'CARD:BNI-VISA', ' QRIS ', 'ＱＲＩＳ', ''),
    lines: fc.array(
      fc.record(
        {
          sku: fc.constantFrom('SKU-1', 'sku-2', 'ＳＫＵ３', 'constructor', '__proto__'),
          quantity: fc.integer({ min: 1, max: 10_000 }),
          unitPrice: fc.integer({ min: 0, max: 5_000_000 }),
          discount: fc.integer({ min: 0, max: 5_000_000 }),
          category: fc.constantFrom('bags', 'Shoes'),
        },
        { requiredKeys: ['sku', 'quantity', 'unitPrice'] },
      ),
      { minLength: 1, maxLength: 3 },
    ),
    vouchers: fc.array(
      fc.record({
        code: fc.constantFrom('TMRW100', ' tmrw100', 'ｔｍｒｗ１００', 'HEMAT 10'),
        discount: fc.nat(100_000),
      }),
      { maxLength: 2 },
    ),
    shipping: fc.nat(50_000),
    shippingDiscount: fc.nat(50_000),
    tax: fc.nat(50_000),
    total: fc.nat(10_000_000),
  },
  { requiredKeys: ['orderId', 'currency', 'lines', 'total'] },
);

const PATHS = [
  ['orderId'],
  ['currency'],
  ['customerId'],
  ['customerSegments'],
  ['paymentMethod'],
  ['lines'],
  ['vouchers'],
  ['shipping'],
  ['total'],
  ['lines', 0],
  ['lines', 0, 'sku'],
  ['lines', 0, 'quantity'],
  ['lines', 0, 'unitPrice'],
  ['lines', 0, 'discount'],
  ['lines', 0, 'category'],
  ['vouchers', 0],
  ['vouchers', 0, 'code'],
  ['vouchers', 0, 'discount'],
  ['unknownField'],
  ['lines', 0, 'unknownField'],
] as const;

/** A valid order with exactly one field, at any depth, replaced by an edge value. */
export const mutated = fc
  .tuple(validOrder, fc.constantFrom(...PATHS), fc.oneof(anything, number, text))
  .map(([value, path, replacement]) => {
    const copy = structuredClone(value) as Record<string | number, unknown>;
    let target: Record<string | number, unknown> | undefined = copy;
    for (const key of path.slice(0, -1)) {
      target = target?.[key] as Record<string | number, unknown> | undefined;
    }
    if (target !== undefined && target !== null && typeof target === 'object') {
      const last = path[path.length - 1]!;
      if (replacement === undefined) delete target[last];
      else target[last] = replacement;
    }
    return copy;
  });
