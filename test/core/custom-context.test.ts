// test/core/custom-context.test.ts
// Custom rules read a documented context: every field of order, line and voucher, each against an order built for it.

import fc from 'fast-check';
import { type Facts, historyKey, NO_FACTS, type VoucherState } from '../../src/core/facts';
import type { PolicyInput } from '../../src/core/policy';
import { line, order } from '../helpers/orders';
import { NOW, run } from './rules-fixtures';

/** The ids of the custom rules that fired on `input`, with their lines. */
function fired(
  when: string,
  input: unknown,
  options: { scope?: 'order' | 'line'; policy?: PolicyInput; facts?: Facts } = {},
) {
  const policy: PolicyInput = {
    ...options.policy,
    customRules: [{ id: 'probe', scope: options.scope ?? 'order', when, message: 'probe' }],
  };
  const { decision } = run(input, policy, options.facts ?? NO_FACTS);
  const abstention = decision.abstentions.find((item) => item.rule === 'probe');
  if (abstention !== undefined) throw new Error(abstention.message);
  return decision.reasons.filter((reason) => reason.rule === 'probe').map((reason) => reason.line ?? 'order');
}

/** True when `expression == expected` holds for the order and is refuted for another value. */
function expectOrderValue(expression: string, expected: string, input: unknown, options = {}) {
  expect(fired(`${expression} == ${expected}`, input, options)).toEqual(['order']);
  expect(fired(`${expression} != ${expected}`, input, options)).toEqual([]);
}

const SHOP_ORDER = order({
  orderId: ' ord-77 ',
  customerId: 'Cus_9',
  customerSegments: ['new', ' vip '],
  paymentMethod: ' cod ',
  lines: [line('phone-x', 4_700_000, 200_000, 2, 'Phones'), line('case-1', 150_000, 0, 3)],
  vouchers: [
    { code: ' hemat 50 ', discount: 50_000 },
    { code: 'ongkir', discount: 20_000 },
  ],
  shipping: 25_000,
  shippingDiscount: 25_000,
  tax: 11_000,
});

describe('the order a custom rule reads', () => {
  it.each([
    ['order.orderId', '"ord-77"'],
    ['order.currency', '"IDR"'],
    ['order.customerId', '"Cus_9"'],
    ['order.segments', '["NEW", "VIP"]'],
    ['order.paymentMethod', '"COD"'],
    ['order.codes', '["HEMAT50", "ONGKIR"]'],
    ['order.vouchers.map(v, v.code)', '["HEMAT50", "ONGKIR"]'],
    ['order.vouchers.map(v, v.discount)', '[50000, 20000]'],
    ['order.lines.map(l, l.sku)', '["PHONE-X", "CASE-1"]'],
    ['order.lineCount', '2'],
    ['order.units', '5'],
    ['order.listValue', '9850000'],
    ['order.lineDiscounts', '200000'],
    ['order.subtotal', '9650000'],
    ['order.voucherDiscounts', '70000'],
    ['order.discounts', '270000'],
    ['order.discountBp', '274'],
    ['order.shipping', '25000'],
    ['order.shippingDiscount', '25000'],
    ['order.tax', '11000'],
    ['order.total', '9591000'],
    ['order.expectedTotal', '9591000'],
  ])('%s is %s: identifiers canonical, money exact', (expression, expected) => {
    expectOrderValue(expression, expected, SHOP_ORDER);
  });

  it('gives a guest an empty customer id and an order without a payment method an empty one', () => {
    const guest = order({ lines: [line('A', 100)] });
    expectOrderValue('order.customerId', '""', guest);
    expectOrderValue('order.paymentMethod', '""', guest);
    expectOrderValue('order.segments', '[]', guest);
    expectOrderValue('order.codes', '[]', guest);
  });

  it('reads a total that does not add up as sent, beside the total it should be', () => {
    const tampered = order({ lines: [line('A', 10_000)], total: 1 });
    expectOrderValue('order.total', '1', tampered);
    expectOrderValue('order.expectedTotal', '10000', tampered);
  });

  it('reads `now` as the time of the check', () => {
    expectOrderValue('now', 'timestamp("2026-11-11T03:00:00Z")', SHOP_ORDER);
  });

  it('keeps amounts exact near the largest safe integer', () => {
    const big = 2 ** 51 + 1;
    const input = order({ lines: [line('A', big)], total: big });
    expectOrderValue('order.total', `${big}`, input);
    expect(fired(`order.total * 2 == ${2 * big}`, input)).toEqual(['order']);
    expect(fired(`order.total * 2 == ${2 * big - 1}`, input)).toEqual([]);
  });
});

describe('the line a line-scope rule reads', () => {
  const input = order({
    lines: [line('phone-x', 4_700_000, 200_000, 3, 'phones'), line('case-1', 150_000)],
    vouchers: [{ code: 'A', discount: 100_000 }],
  });

  it.each([
    ['line.index', '0'],
    ['line.number', '1'],
    ['line.sku', '"PHONE-X"'],
    ['line.category', '"PHONES"'],
    ['line.quantity', '3'],
    ['line.unitPrice', '4700000'],
    ['line.listValue', '14100000'],
    ['line.discount', '200000'],
    ['line.voucherShare', '98932'],
    ['line.paid', '13801068'],
    ['line.paidUnitPrice', '4600356'],
    ['line.discountBp', '212'],
  ])('%s of the first line is %s', (expression, expected) => {
    expect(fired(`${expression} == ${expected}`, input, { scope: 'line' })).toEqual([0]);
  });

  it('gives a line without a category an empty one, and numbers lines from 0', () => {
    expect(fired('line.category == ""', input, { scope: 'line' })).toEqual([1]);
    expect(fired('line.index == 1 && line.sku == "CASE-1"', input, { scope: 'line' })).toEqual([1]);
  });

  it('spreads the vouchers over the lines exactly: the shares add up to the vouchers', () => {
    expect(
      fired('order.lines.map(l, l.voucherShare)[0] + order.lines.map(l, l.voucherShare)[1] == 100000', input),
    ).toEqual(['order']);
  });

  it('gives the same lines to order.lines as to line scope', () => {
    expect(
      fired('order.lines[line.index].paid == line.paid && order.lines[line.index].sku == line.sku', input, {
        scope: 'line',
      }),
    ).toEqual([0, 1]);
  });

  it('agrees with exact integer arithmetic on every order: line.paid * 10000 < line.listValue * bp', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            unitPrice: fc.integer({ min: 1, max: 50_000_000 }),
            quantity: fc.integer({ min: 1, max: 50 }),
            discountBp: fc.integer({ min: 0, max: 10_000 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.integer({ min: 0, max: 10_000 }),
        (lines, bp) => {
          const built = lines.map((item, index) =>
            line(
              `S${index}`,
              item.unitPrice,
              Math.floor((item.unitPrice * item.quantity * item.discountBp) / 10_000),
              item.quantity,
            ),
          );
          const expected = built.flatMap((item, index) =>
            BigInt(item.unitPrice * item.quantity - item.discount) * 10_000n <
            BigInt(item.unitPrice * item.quantity) * BigInt(bp)
              ? [index]
              : [],
          );
          const got = fired(`line.paid * 10000 < line.listValue * ${bp}`, order({ lines: built }), {
            scope: 'line',
          });
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the facts a custom rule reads where the guard knows them', () => {
  const one = (sku = 'TV-1', category = 'electronics') =>
    order({ lines: [line(sku, 1_000_000, 0, 1, category)] });

  it('line.declaredPrice: the catalog, or a scheduled price change in force; absent without either', () => {
    const catalog: PolicyInput = { catalog: { 'tv-1': { IDR: 5_000_000 } } };
    expect(fired('line.declaredPrice == 5000000', one(), { scope: 'line', policy: catalog })).toEqual([0]);
    const changed: PolicyInput = {
      ...catalog,
      priceChanges: [{ sku: 'TV-1', at: '2026-11-01T00:00:00Z', listPrice: { IDR: 4_000_000 } }],
    };
    expect(fired('line.declaredPrice == 4000000', one(), { scope: 'line', policy: changed })).toEqual([0]);
    expect(fired('has(line.declaredPrice)', one(), { scope: 'line' })).toEqual([]);
  });

  it('line.recentMedian and line.recentSamples: the history the store has, absent when it has none', () => {
    const facts: Facts = {
      ...NO_FACTS,
      history: new Map([[historyKey('TV-1', 'IDR'), { median: 4_900_000, samples: 37 }]]),
    };
    expect(
      fired('line.recentMedian == 4900000 && line.recentSamples == 37', one(), { scope: 'line', facts }),
    ).toEqual([0]);
    expect(fired('!has(line.recentMedian) && line.recentSamples == 0', one(), { scope: 'line' })).toEqual([
      0,
    ]);
    const down: Facts = { ...facts, unavailable: new Set(['history']) };
    expect(
      fired('!has(line.recentMedian) && !has(line.recentSamples)', one(), { scope: 'line', facts: down }),
    ).toEqual([0]);
  });

  it('line.floor: the stricter of the absolute and relative floors that apply; absent without one', () => {
    expect(
      fired('line.floor == 700000', one(), {
        scope: 'line',
        policy: { floors: { 'TV-1': { IDR: 600_000 } }, floorBp: { categories: { ELECTRONICS: 7000 } } },
      }),
    ).toEqual([0]);
    expect(
      fired('line.floor == 800000', one(), {
        scope: 'line',
        policy: { floors: { 'TV-1': { IDR: 800_000 } } },
      }),
    ).toEqual([0]);
    expect(
      fired('line.floor == 800000', one(), {
        scope: 'line',
        policy: { floors: { 'TV-1': { USD: 80_00, IDR: 800_000 } } },
      }),
    ).toEqual([0]);
    expect(
      fired('has(line.floor)', one(), { scope: 'line', policy: { floors: { 'TV-1': { USD: 80_00 } } } }),
    ).toEqual([]);
  });

  it('line.campaign: the id of the active campaign covering the line', () => {
    const sale = (startsAt: string): PolicyInput => ({
      campaigns: [
        { id: '11.11', startsAt, endsAt: '2026-11-12T00:00:00+07:00', categories: ['ELECTRONICS'] },
      ],
    });
    expect(
      fired('line.campaign == "11.11"', one(), { scope: 'line', policy: sale('2026-11-11T00:00:00+07:00') }),
    ).toEqual([0]);
    expect(
      fired('has(line.campaign)', one(), { scope: 'line', policy: sale('2026-11-11T12:00:00+07:00') }),
    ).toEqual([]);
  });

  it('the voucher state: declared, tripped, recent uses, reserved uses and budget used', () => {
    const state: VoucherState = {
      windows: [{ seconds: 60, count: 14 }],
      baselineCount: 3,
      baselineSeconds: 86_400,
      trippedAt: NOW - 60_000,
      uses: 8,
      budgetUsed: 1_250_000,
    };
    const facts: Facts = { ...NO_FACTS, vouchers: new Map([['LEAK50', state]]) };
    const input = order({ lines: [line('A', 500_000)], vouchers: [{ code: 'leak50', discount: 50_000 }] });
    const policy: PolicyInput = { vouchers: { LEAK50: {} } };
    const each = (test: string) => `order.vouchers.all(v, ${test})`;
    expect(
      fired(
        each('v.declared && v.tripped && v.recentUses == 14 && v.uses == 8 && v.budgetUsed == 1250000'),
        input,
        { facts, policy },
      ),
    ).toEqual(['order']);
    expect(
      fired(
        each('!v.declared && !v.tripped && !has(v.recentUses) && !has(v.uses) && !has(v.budgetUsed)'),
        input,
      ),
    ).toEqual(['order']);
    const down: Facts = { ...facts, unavailable: new Set(['vouchers']) };
    expect(fired(each('!has(v.tripped) && !has(v.recentUses)'), input, { facts: down })).toEqual(['order']);
  });
});
