// test/core/order.test.ts
// The order contract: defaults, and a precise problem (field path + message) for every kind of bad input.

import fc from 'fast-check';
import { DEFAULT_ORDER_LIMITS } from '../../src/core/order';
import { OrderParser } from '../../src/core/order-parser';
import { LEAKED_CODE_SPELLINGS, MARC_JACOBS_ORDER } from '../helpers/orders';

const parser = new OrderParser();
const problems = (input: unknown, p = parser) => {
  const result = p.parse(input);
  return result.ok ? [] : result.problems;
};
const valid = {
  orderId: 'o1',
  currency: 'IDR',
  lines: [{ sku: 'A', quantity: 1, unitPrice: 1000 }],
  total: 1000,
};

describe('OrderParser', () => {
  it('accepts the canonical example and applies defaults to optional fields', () => {
    const result = parser.parse(valid);
    expect(result).toEqual({
      ok: true,
      order: {
        ...valid,
        customerId: '',
        customerSegments: [],
        paymentMethod: '',
        lines: [{ sku: 'A', quantity: 1, unitPrice: 1000, discount: 0 }],
        vouchers: [],
        shipping: 0,
        shippingDiscount: 0,
        tax: 0,
      },
    });
    expect(parser.parse(MARC_JACOBS_ORDER).ok).toBe(true);
  });

  it.each([
    ['a float amount', { ...valid, total: 10.5 }, 'total', 'not a fraction'],
    ['a negative amount', { ...valid, shipping: -1 }, 'shipping', 'must not be negative'],
    ['an amount given as a string', { ...valid, total: '1000' }, 'total', 'integer amount in minor units'],
    ['an unknown currency', { ...valid, currency: 'XYZ' }, 'currency', 'ISO 4217'],
    ['empty lines', { ...valid, lines: [] }, 'lines', 'at least one line'],
    ['a missing orderId', { ...valid, orderId: undefined }, 'orderId', 'is required'],
    [
      'a missing unitPrice',
      { ...valid, lines: [{ sku: 'A', quantity: 1 }] },
      'lines[0].unitPrice',
      'is required',
    ],
    [
      'a zero quantity',
      { ...valid, lines: [{ sku: 'A', quantity: 0, unitPrice: 1 }] },
      'lines[0].quantity',
      'at least 1',
    ],
    [
      'an absurd quantity',
      { ...valid, lines: [{ sku: 'A', quantity: 1e6, unitPrice: 1 }] },
      'lines[0].quantity',
      'maxQuantity',
    ],
    ['an unsafe integer', { ...valid, total: 2 ** 53 }, 'total', 'at most 9007199254740991'],
    ['a voucher without code', { ...valid, vouchers: [{ discount: 1 }] }, 'vouchers[0].code', 'is required'],
    [
      'an empty sku',
      { ...valid, lines: [{ sku: '', quantity: 1, unitPrice: 1 }] },
      'lines[0].sku',
      'must not be empty',
    ],
  ])('rejects %s with a problem at its path', (_name, input, path, message) => {
    expect(problems(input)).toEqual(
      expect.arrayContaining([{ path, message: expect.stringContaining(message) }]),
    );
  });

  it('rejects a body that is not an object', () => {
    for (const input of [null, [], 'order', 42]) {
      expect(problems(input)).toEqual([{ path: '', message: 'the order must be a JSON object' }]);
    }
  });

  it('rejects more lines than the configured maximum', () => {
    const small = new OrderParser({ ...DEFAULT_ORDER_LIMITS, maxLines: 2 });
    const lines = Array.from({ length: 3 }, () => ({ sku: 'A', quantity: 1, unitPrice: 1 }));
    expect(problems({ ...valid, lines, total: 3 }, small)).toEqual([
      { path: 'lines', message: expect.stringContaining('at most 2 lines') },
    ]);
  });

  it('ignores unknown fields by default and names each one in strict mode', () => {
    const input = {
      ...valid,
      coupon: 'X',
      lines: [{ sku: 'A', quantity: 1, unitPrice: 1000, colour: 'red' }],
    };
    expect(parser.parse(input).ok).toBe(true);
    const strict = new OrderParser({ ...DEFAULT_ORDER_LIMITS, strict: true });
    expect(problems(input, strict)).toEqual(
      expect.arrayContaining([
        { path: 'coupon', message: 'is not a known field (strict mode)' },
        { path: 'lines[0].colour', message: 'is not a known field (strict mode)' },
      ]),
    );
  });

  it('rejects a line whose value cannot be represented exactly', () => {
    const input = { ...valid, lines: [{ sku: 'A', quantity: 10_000, unitPrice: 2 ** 50 }] };
    expect(problems(input)).toEqual([
      { path: 'lines[0]', message: 'unitPrice × quantity is too large to be exact' },
    ]);
  });

  it('reports every problem at once, never throws (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const result = parser.parse(input);
        if (!result.ok) {
          expect(result.problems.length).toBeGreaterThan(0);
          for (const problem of result.problems) expect(typeof problem.message).toBe('string');
        }
      }),
    );
  });
});

describe('canonical identifiers', () => {
  const withVoucher = (code: string) => ({ ...valid, vouchers: [{ code, discount: 100 }] });

  it('reads a voucher code in any case, spacing or width as one code, and keeps the spelling used', () => {
    const spellings = LEAKED_CODE_SPELLINGS;
    expect(new Set(spellings).size).toBe(20);
    for (const spelling of spellings) {
      const result = parser.parse(withVoucher(spelling));
      if (!result.ok) throw new Error(`${JSON.stringify(spelling)}: ${JSON.stringify(result.problems)}`);
      expect(result.order.vouchers[0]!.code).toBe('TMRW100PEKR6X50');
      expect(result.order.vouchers[0]!.entered).toBe(spelling === 'TMRW100PEKR6X50' ? undefined : spelling);
    }
  });

  it('compares SKUs, categories, payment methods and segments case-insensitively, ids as given', () => {
    const result = parser.parse({
      ...valid,
      orderId: ' Ord-9 ',
      customerId: 'Cus_Ab',
      customerSegments: ['Gold'],
      paymentMethod: 'Card:UOB-TMRW',
      lines: [{ sku: ' mj-tote-tiger ', quantity: 1, unitPrice: 1000, category: 'Bags' }],
    });
    expect(result).toMatchObject({
      ok: true,
      order: {
        orderId: 'Ord-9',
        customerId: 'Cus_Ab',
        customerSegments: ['GOLD'],
        paymentMethod: 'CARD:UOB-TMRW',
        lines: [{ sku: 'MJ-TOTE-TIGER', category: 'BAGS' }],
      },
    });
  });

  it('keeps the storefront’s spelling of the payment method and of a SKU only where it differs, in both parsers', () => {
    const input = {
      ...valid,
      paymentMethod: 'Card:BNI-Visa',
      lines: [
        { sku: ' mj-tote-tiger ', quantity: 1, unitPrice: 1000 },
        { sku: 'MJ-TOTE', quantity: 1, unitPrice: 1000 },
      ],
      total: 2000,
    };
    for (const result of [parser.parse(input), parser.parseWithSchema(input)]) {
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      expect(result.order.paymentMethod).toBe('CARD:BNI-VISA');
      expect(result.order.paymentMethodEntered).toBe('Card:BNI-Visa');
      expect(result.order.lines[0]).toMatchObject({ sku: 'MJ-TOTE-TIGER', skuEntered: ' mj-tote-tiger ' });
      expect(result.order.lines[1]).toEqual({ sku: 'MJ-TOTE', quantity: 1, unitPrice: 1000, discount: 0 });
    }
    const canonical = parser.parseWithSchema({ ...input, paymentMethod: 'CARD:BNI-VISA' });
    expect(canonical.ok && 'paymentMethodEntered' in canonical.order).toBe(false);
  });

  it.each([
    [
      'a right-to-left override in a SKU',
      { lines: [{ sku: 'TOTE\u202eGIB', quantity: 1, unitPrice: 1 }] },
      'lines[0].sku',
    ],
    ['a NUL in the order id', { orderId: 'o\u00001' }, 'orderId'],
    ['an ESC in the customer id', { customerId: '\u001b[31mcus' }, 'customerId'],
    ['a zero-width space in a voucher code', { vouchers: [{ code: 'TMRW\u200b100' }] }, 'vouchers[0].code'],
    ['a BOM inside a payment method', { paymentMethod: 'card:\ufeffx' }, 'paymentMethod'],
    [
      'a bidi isolate in a category',
      { lines: [{ sku: 'A', quantity: 1, unitPrice: 1, category: 'a\u2066b' }] },
      'lines[0].category',
    ],
    ['a line separator inside a segment', { customerSegments: ['go\u2028ld'] }, 'customerSegments[0]'],
    // White space is dropped from codes, but these three are invisible or break lines: refused, not cleaned.
    ['a BOM inside a voucher code', { vouchers: [{ code: 'BANK\ufeffX100K' }] }, 'vouchers[0].code'],
    ['a BOM before a voucher code', { vouchers: [{ code: '\ufeffBANKX100K' }] }, 'vouchers[0].code'],
    ['a line separator in a voucher code', { vouchers: [{ code: 'BANKX\u2028100K' }] }, 'vouchers[0].code'],
    ['a paragraph separator after a code', { vouchers: [{ code: 'BANKX100K\u2029' }] }, 'vouchers[0].code'],
    ['a BOM around a SKU', { lines: [{ sku: '\ufeffTOTE', quantity: 1, unitPrice: 1 }] }, 'lines[0].sku'],
    ['a line separator after an order id', { orderId: 'o-1\u2028' }, 'orderId'],
  ])('refuses %s with a 400-style problem naming the field', (_name, patch, path) => {
    expect(problems({ ...valid, ...patch })).toEqual(
      expect.arrayContaining([{ path, message: expect.stringContaining('invisible characters') }]),
    );
  });

  it('refuses a voucher code or SKU that is only white space', () => {
    expect(problems(withVoucher('  '))).toEqual([
      { path: 'vouchers[0].code', message: expect.stringContaining('must not be empty') },
    ]);
    expect(problems({ ...valid, lines: [{ sku: ' \u3000 ', quantity: 1, unitPrice: 1 }] })).toEqual([
      { path: 'lines[0].sku', message: expect.stringContaining('must not be empty') },
    ]);
  });
});
