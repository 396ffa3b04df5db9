// test/vendure/mapping.test.ts
// The Vendure order mapping: exact amounts in the contract's unit, discounts where they landed, and every cart it cannot represent refused by name.

import fc from 'fast-check';
import { OrderParser } from '../../src/core/order-parser';
import { parsePolicy } from '../../src/core/policy';
import { deriveTotals } from '../../src/core/totals';
import {
  toGuardOrder,
  type VendureLineSnapshot,
  VendureMappingError,
  type VendureOrderSnapshot,
} from '../../src/vendure/mapping';

/** A gross (prices include tax) line whose amounts are consistent, as Vendure computes them. */
function line(
  sku: string,
  listPrice: number,
  quantity: number,
  discounts: VendureLineSnapshot['discounts'] = [],
) {
  const linePrice = listPrice * quantity;
  const off = discounts.reduce((sum, d) => sum - d.amountWithTax, 0);
  return {
    sku,
    quantity,
    listPrice,
    listPriceIncludesTax: true,
    linePrice: Math.round(linePrice / 1.11),
    linePriceWithTax: linePrice,
    proratedLinePrice: Math.round((linePrice - off) / 1.11),
    proratedLinePriceWithTax: linePrice - off,
    discounts,
  };
}
const promo = (id: number, amount: number, type = 'PROMOTION') => ({
  adjustmentSource: `PROMOTION:${id}`,
  type,
  amount: Math.round(amount / 1.11),
  amountWithTax: amount,
});

/** The 100% glitch and the leaked code in one IDR cart, in Vendure's unit (precision 2: IDR 1 is 100). */
const GLITCH: VendureOrderSnapshot = (() => {
  const tote = line('MJ-TOTE-TIGER', 470_000_000, 1, [promo(1, -470_000_000)]);
  // The leaked code takes IDR 100,000 off the order: Vendure spreads it over the lines that still cost something.
  const card = line('MJ-CARD-CASE', 125_000_000, 1, [promo(2, -10_000_000, 'DISTRIBUTED_ORDER_PROMOTION')]);
  const shipping = {
    listPriceIncludesTax: true,
    price: 1_351_351,
    priceWithTax: 1_500_000,
    discountedPrice: 1_351_351,
    discountedPriceWithTax: 1_500_000,
  };
  return {
    code: 'VND7Q2',
    currencyCode: 'IDR',
    customer: { id: 91, groups: [{ name: 'gold' }] },
    couponCodes: ['TMRW100'],
    promotions: [{ id: 1 }, { id: 2, couponCode: 'TMRW100' }],
    lines: [tote, card],
    shippingLines: [shipping],
    surcharges: [],
    subTotal: tote.proratedLinePrice + card.proratedLinePrice,
    subTotalWithTax: tote.proratedLinePriceWithTax + card.proratedLinePriceWithTax,
    shipping: shipping.discountedPrice,
    shippingWithTax: shipping.discountedPriceWithTax,
    totalWithTax:
      tote.proratedLinePriceWithTax + card.proratedLinePriceWithTax + shipping.discountedPriceWithTax,
    payments: [
      { method: 'ewallet', state: 'Declined', amount: 1 },
      { method: 'ewallet', state: 'Authorized', amount: 116_500_000 },
    ],
  };
})();

function mappingProblems(order: VendureOrderSnapshot, options = {}) {
  try {
    toGuardOrder(order, options);
  } catch (error) {
    if (error instanceof VendureMappingError) return error.problems;
    throw error;
  }
  throw new Error('expected a VendureMappingError');
}

describe('toGuardOrder', () => {
  it('maps the glitch cart: whole rupiah, the 100% line discount on its line, the code as a voucher', () => {
    expect(toGuardOrder(GLITCH)).toEqual({
      orderId: 'VND7Q2',
      currency: 'IDR',
      customerId: '91',
      customerSegments: ['gold'],
      paymentMethod: 'ewallet',
      lines: [
        { sku: 'MJ-TOTE-TIGER', quantity: 1, unitPrice: 4_700_000, discount: 4_700_000 },
        { sku: 'MJ-CARD-CASE', quantity: 1, unitPrice: 1_250_000, discount: 0 },
      ],
      vouchers: [{ code: 'TMRW100', discount: 100_000 }],
      shipping: 15_000,
      shippingDiscount: 0,
      tax: 0,
      total: 1_165_000,
    });
  });

  it('keeps an automatic order-level promotion on the lines it was spread over', () => {
    const tote = line('TOTE', 100_000, 2, [promo(7, -20_000, 'DISTRIBUTED_ORDER_PROMOTION')]);
    const order = {
      ...GLITCH,
      couponCodes: [],
      promotions: [{ id: 7 }],
      lines: [tote],
      shippingLines: [],
      subTotalWithTax: tote.proratedLinePriceWithTax,
      shippingWithTax: 0,
      totalWithTax: tote.proratedLinePriceWithTax,
    };
    const mapped = toGuardOrder(order);
    expect(mapped.lines).toEqual([{ sku: 'TOTE', quantity: 2, unitPrice: 1_000, discount: 200 }]);
    expect(mapped.vouchers).toEqual([]);
    expect(mapped.total).toBe(1_800);
  });

  it('prices excluding tax: unit prices without tax and the tax Vendure added as `tax`', () => {
    const order: VendureOrderSnapshot = {
      code: 'US1',
      currencyCode: 'USD',
      customer: null,
      couponCodes: ['FREESHIP'],
      promotions: [{ id: 4, couponCode: 'FREESHIP' }],
      lines: [
        {
          sku: 'MUG',
          quantity: 3,
          listPrice: 1_234,
          listPriceIncludesTax: false,
          linePrice: 3_702,
          linePriceWithTax: 4_443,
          proratedLinePrice: 3_332,
          proratedLinePriceWithTax: 3_998,
          discounts: [
            { adjustmentSource: 'PROMOTION:9', type: 'PROMOTION', amount: -370, amountWithTax: -444 },
          ],
        },
      ],
      shippingLines: [
        {
          listPriceIncludesTax: false,
          price: 500,
          priceWithTax: 600,
          discountedPrice: 0,
          discountedPriceWithTax: 0,
        },
      ],
      subTotal: 3_332,
      subTotalWithTax: 3_998,
      shipping: 0,
      shippingWithTax: 0,
      totalWithTax: 3_998,
      payments: [],
    };
    expect(toGuardOrder(order)).toMatchObject({
      currency: 'USD',
      customerId: '',
      paymentMethod: '',
      lines: [{ sku: 'MUG', quantity: 3, unitPrice: 1_234, discount: 370 }],
      vouchers: [{ code: 'FREESHIP', discount: 0 }],
      shipping: 500,
      shippingDiscount: 500,
      tax: 666,
      total: 3_998,
    });
  });

  it('converts into a currency with more decimals than Vendure stores (BHD has 3)', () => {
    const order = { ...GLITCH, currencyCode: 'BHD' };
    const mapped = toGuardOrder(order);
    expect(mapped.lines[0]?.unitPrice).toBe(4_700_000_000);
    expect(mapped.total).toBe(1_165_000_000);
  });

  it('uses the exponents it is given (a shop that prices IDR in sen)', () => {
    expect(toGuardOrder(GLITCH, { exponents: { IDR: 2 } }).total).toBe(116_500_000);
  });

  it('refuses a fraction of a rupiah instead of rounding it, naming the field', () => {
    const tote = line('TOTE', 470_000_050, 1);
    const order = {
      ...GLITCH,
      couponCodes: [],
      lines: [tote],
      shippingLines: [],
      subTotalWithTax: tote.proratedLinePriceWithTax,
      shippingWithTax: 0,
      totalWithTax: tote.proratedLinePriceWithTax,
    };
    const problems = mappingProblems(order);
    expect(problems.map((p) => p.path)).toContain('lines[0].listPrice');
    expect(problems[0]?.message).toMatch(/not a whole number of IDR's contract unit \(0 decimals\)/);
  });

  it.each<[string, (order: VendureOrderSnapshot) => VendureOrderSnapshot, string, RegExp]>([
    [
      'a surcharge',
      (o) => ({ ...o, surcharges: [{ description: 'COD fee', price: 500, priceWithTax: 500 }] }),
      'surcharges[0]',
      /no field in the order contract/,
    ],
    [
      'two payment methods',
      (o) => ({
        ...o,
        payments: [
          { method: 'giftcard', state: 'Settled', amount: 1 },
          { method: 'card', state: 'Authorized', amount: 2 },
        ],
      }),
      'payments',
      /2 methods \(giftcard, card\)/,
    ],
    [
      'an adjustment that is not a promotion',
      (o) => ({
        ...o,
        lines: [{ ...o.lines[0]!, discounts: [{ ...promo(1, -470_000_000), type: 'OTHER' }] }, o.lines[1]!],
      }),
      'lines[0].discounts[0]',
      /type OTHER/,
    ],
    [
      'a promotion that raises the price',
      (o) => ({ ...o, lines: [{ ...o.lines[0]!, discounts: [promo(1, 500)] }, o.lines[1]!] }),
      'lines[0].discounts[0]',
      /a price increase/,
    ],
    [
      'a subtotal that is not the sum of its lines',
      (o) => ({ ...o, subTotalWithTax: o.subTotalWithTax + 1, totalWithTax: o.totalWithTax + 1 }),
      'subTotalWithTax',
      /the lines' prorated prices add up to/,
    ],
    [
      'a line price that is not unit price × quantity',
      (o) => ({ ...o, lines: [{ ...o.lines[0]!, quantity: 2 }, o.lines[1]!] }),
      'lines[0]',
      /is not its unit price/,
    ],
    [
      'a variant without a SKU',
      (o) => ({ ...o, lines: [{ ...o.lines[0]!, sku: ' ' }, o.lines[1]!] }),
      'lines[0].sku',
      /no SKU/,
    ],
    [
      'lines priced on different tax bases',
      (o) => ({ ...o, lines: [o.lines[0]!, { ...o.lines[1]!, listPriceIncludesTax: false }] }),
      'lines[1].listPriceIncludesTax',
      /excluding tax while the order is priced including tax/,
    ],
    [
      'a fractional amount',
      (o) => ({ ...o, shippingWithTax: 1_500_000.5 }),
      'shippingWithTax',
      /non-negative integer/,
    ],
  ])('refuses %s, naming the field', (_name, change, path, message) => {
    const problems = mappingProblems(change(GLITCH));
    const problem = problems.find((p) => p.path === path);
    expect(problem?.message).toMatch(message);
  });

  it('refuses a currency without a known exponent, and says how to give one', () => {
    expect(mappingProblems({ ...GLITCH, currencyCode: 'XTS' })).toEqual([
      { path: 'currencyCode', message: expect.stringMatching(/give it in the "exponents" option/) },
    ]);
  });

  it('says which order and every field in its message', () => {
    expect(() => toGuardOrder({ ...GLITCH, surcharges: [{ price: 1, priceWithTax: 1 }] })).toThrow(
      /order VND7Q2 cannot be mapped .*surcharges\[0\]/,
    );
  });
});

/** A random order whose amounts are consistent the way Vendure makes them, with what each discount was. */
const vendureOrder = fc
  .record({
    currency: fc.constantFrom(
      { code: 'IDR', exponent: 0 },
      { code: 'USD', exponent: 2 },
      { code: 'JPY', exponent: 0 },
      { code: 'BHD', exponent: 3 },
    ),
    gross: fc.boolean(),
    lines: fc.array(
      fc.record({
        price: fc.integer({ min: 1, max: 5_000_000 }),
        quantity: fc.integer({ min: 1, max: 5 }),
        own: fc.double({ min: 0, max: 1, noNaN: true }),
        auto: fc.double({ min: 0, max: 1, noNaN: true }),
        coupon: fc.double({ min: 0, max: 1, noNaN: true }),
        code: fc.constantFrom('LEAK', 'WELCOME'),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    shipping: fc.array(
      fc.record({
        price: fc.integer({ min: 0, max: 50_000 }),
        off: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      {
        maxLength: 2,
      },
    ),
    tax: fc.integer({ min: 0, max: 1_000_000 }),
  })
  .map(({ currency: { code: currency, exponent }, gross, lines, shipping, tax }) => {
    const unit = 10 ** Math.max(0, 2 - exponent); // Vendure's amounts of a whole contract unit
    const part = (whole: number, share: number) => Math.floor((whole / unit) * share) * unit;
    let discounts = 0;
    const snapshotLines = lines.map((l, index) => {
      const listPrice = l.price * unit;
      const linePrice = listPrice * l.quantity;
      const own = part(linePrice, l.own);
      const auto = part(linePrice - own, l.auto);
      const coupon = part(linePrice - own - auto, l.coupon);
      discounts += own + auto + coupon;
      const d = (source: number, type: string, amount: number) =>
        amount === 0
          ? []
          : [{ adjustmentSource: `PROMOTION:${source}`, type, amount: -amount, amountWithTax: -amount }];
      const paid = linePrice - own - auto - coupon;
      return {
        sku: `SKU-${index}`,
        quantity: l.quantity,
        listPrice,
        listPriceIncludesTax: gross,
        linePrice,
        linePriceWithTax: linePrice,
        proratedLinePrice: paid,
        proratedLinePriceWithTax: paid,
        discounts: [
          ...d(1, 'PROMOTION', own),
          ...d(2, 'DISTRIBUTED_ORDER_PROMOTION', auto),
          ...d(l.code === 'LEAK' ? 3 : 4, 'DISTRIBUTED_ORDER_PROMOTION', coupon),
        ],
      };
    });
    const shippingLines = shipping.map((s) => {
      const price = s.price * unit;
      const paid = price - part(price, s.off);
      return {
        listPriceIncludesTax: gross,
        price,
        priceWithTax: price,
        discountedPrice: paid,
        discountedPriceWithTax: paid,
      };
    });
    const subTotal = snapshotLines.reduce((sum, l) => sum + l.proratedLinePrice, 0);
    const shippingPaid = shippingLines.reduce((sum, l) => sum + l.discountedPrice, 0);
    const addedTax = gross ? 0 : tax * unit;
    const order: VendureOrderSnapshot = {
      code: 'P1',
      currencyCode: currency,
      customer: { id: 'c1' },
      couponCodes: ['LEAK', 'WELCOME'],
      promotions: [{ id: 1 }, { id: 2 }, { id: 3, couponCode: 'LEAK' }, { id: 4, couponCode: 'WELCOME' }],
      lines: snapshotLines,
      shippingLines,
      surcharges: [],
      subTotal,
      subTotalWithTax: subTotal + addedTax,
      shipping: shippingPaid,
      shippingWithTax: shippingPaid,
      totalWithTax: subTotal + shippingPaid + addedTax,
      payments: [{ method: 'card', state: 'Authorized', amount: 1 }],
    };
    const contract = (amount: number) => (exponent >= 2 ? amount * 10 ** (exponent - 2) : amount / unit);
    return { order, contract, discounts, addedTax };
  });

describe('toGuardOrder on any consistent Vendure order', () => {
  const parser = new OrderParser();
  const policy = parsePolicy({});

  it('gives a valid order whose arithmetic reconciles and whose discounts add up to Vendure’s', () => {
    fc.assert(
      fc.property(vendureOrder, ({ order, contract, discounts, addedTax }) => {
        const mapped = toGuardOrder(order);
        const parsed = parser.parse(mapped);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
        const totals = deriveTotals(parsed.order, policy, 0);
        expect(totals.expectedTotal).toBe(parsed.order.total);
        expect(parsed.order.total).toBe(contract(order.totalWithTax));
        expect(parsed.order.tax).toBe(contract(addedTax));
        expect(totals.lineDiscounts + totals.voucherDiscounts).toBe(contract(discounts));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses the order once any total is off by one of Vendure’s units', () => {
    fc.assert(
      fc.property(
        vendureOrder,
        fc.constantFrom('subTotal', 'shipping', 'totalWithTax'),
        fc.constantFrom(-1, 1),
        ({ order }, field, delta) => {
          const gross = order.lines[0]!.listPriceIncludesTax;
          const key = gross && field !== 'totalWithTax' ? (`${field}WithTax` as const) : field;
          if (order[key] + delta < 0) return;
          const broken = { ...order, [key]: order[key] + delta };
          expect(() => toGuardOrder(broken)).toThrow(VendureMappingError);
        },
      ),
      { numRuns: 300 },
    );
  });
});
