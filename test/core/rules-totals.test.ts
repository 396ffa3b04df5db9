// test/core/rules-totals.test.ts
// The rules on what an order pays: zero and near-zero totals, totals that do not add up, discount caps and floors.

import fc from 'fast-check';
import type { PolicyInput } from '../../src/core/policy';
import { line, order } from '../helpers/orders';
import { rulesOf, run } from './rules-fixtures';

describe('zero_total', () => {
  it('holds an order that pays nothing for goods that list at something', () => {
    const { decision } = run(order({ lines: [line('TOTE', 4_700_000, 4_700_000)] }));
    expect(decision.decision).toBe('hold');
    const reason = decision.reasons.find((r) => r.rule === 'zero_total');
    expect(reason).toMatchObject({ observed: 0, limit: 4_700_000, unit: 'minor' });
    expect(reason?.message).toContain('IDR 4,700,000');
  });

  it('does not fire for a free item that lists at zero (a declared one passes every rule)', () => {
    expect(rulesOf(order({ lines: [line('SAMPLE', 0)] }))).not.toContain('zero_total');
    expect(
      rulesOf(order({ lines: [line('SAMPLE', 0)] }), { freeItems: { SAMPLE: { kind: 'free' } } }),
    ).toEqual([]);
  });
});

describe('near_zero_total', () => {
  it('holds an order paying under 5% of list by default', () => {
    const input = order({ lines: [line('TV', 10_000_000, 9_600_000)] }); // pays 4%
    expect(rulesOf(input)).toContain('near_zero_total');
  });

  it('allows 5% exactly (the floor is exclusive)', () => {
    const input = order({ lines: [line('TV', 10_000_000, 9_500_000)] });
    expect(rulesOf(input, { discountCaps: { lineBp: 10_000, orderBp: 10_000 } })).toEqual([]);
  });

  it('holds below an absolute per-currency minimum', () => {
    const input = order({ lines: [line('PEN', 20_000, 0)], shipping: 0 });
    const reasons = run(input, { nearZeroTotal: { minTotal: { IDR: 25_000 } } }).decision.reasons;
    expect(reasons).toEqual([
      expect.objectContaining({ rule: 'near_zero_total', observed: 20_000, limit: 25_000 }),
    ]);
  });

  it('catches a voucher that makes the total near zero (shipping only)', () => {
    const input = order({
      lines: [line('BAG', 150_000)],
      vouchers: [{ code: 'LEAK', discount: 150_000 }],
      shipping: 5_000,
    });
    expect(rulesOf(input)).toEqual(expect.arrayContaining(['near_zero_total', 'discount_cap']));
  });
});

describe('total_mismatch', () => {
  it('holds a total that does not add up, naming both numbers', () => {
    const input = order({ lines: [line('A', 100_000)], total: 10_000 });
    const reason = run(input).decision.reasons.find((r) => r.rule === 'total_mismatch');
    expect(reason).toMatchObject({ observed: 10_000, limit: 100_000 });
  });

  it('respects the tolerance for rounding', () => {
    const input = order({ lines: [line('A', 100_000)], total: 99_999 });
    expect(rulesOf(input, { totalMismatch: { tolerance: 1 } })).toEqual([]);
    expect(rulesOf(input)).toEqual(['total_mismatch']);
  });

  it('holds a line discount larger than the line', () => {
    const input = order({ lines: [line('A', 100_000, 150_000), line('B', 500_000)] });
    const reasons = run(input).decision.reasons.filter((r) => r.rule === 'total_mismatch');
    expect(reasons[0]).toMatchObject({ line: 0, sku: 'A', observed: 150_000, limit: 100_000 });
  });

  it('holds vouchers worth more than the subtotal and shipping discounts above the fee', () => {
    const input = order({
      lines: [line('A', 100_000)],
      vouchers: [{ code: 'BIG', discount: 120_000 }],
      shipping: 10_000,
      shippingDiscount: 20_000,
      total: 0,
    });
    const messages = run(input)
      .decision.reasons.filter((r) => r.rule === 'total_mismatch')
      .map((r) => r.message);
    expect(messages.some((m) => m.includes('Vouchers take'))).toBe(true);
    expect(messages.some((m) => m.includes('Shipping discount'))).toBe(true);
  });

  it('is silent whenever the arithmetic adds up (property)', () => {
    const lineArb = fc.record({
      sku: fc.constantFrom('A', 'B', 'C'),
      quantity: fc.integer({ min: 1, max: 5 }),
      unitPrice: fc.integer({ min: 1, max: 10_000_000 }),
      discountShare: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 50_000 }),
        (lines, shipping) => {
          const input = order({
            lines: lines.map((l) =>
              line(
                l.sku,
                l.unitPrice,
                Math.floor((l.unitPrice * l.quantity * l.discountShare) / 100),
                l.quantity,
              ),
            ),
            shipping,
          });
          expect(rulesOf(input)).not.toContain('total_mismatch');
        },
      ),
    );
  });
});

describe('below_floor', () => {
  const policy: PolicyInput = { floors: { 'MJ-TOTE-TIGER': { IDR: 2_000_000 } } };

  it('holds a line paid below its SKU floor, per unit', () => {
    const input = order({ lines: [line('MJ-TOTE-TIGER', 4_700_000, 6_000_000, 2)] }); // 1,700,000 a unit
    const reason = run(input, policy).decision.reasons.find((r) => r.rule === 'below_floor');
    expect(reason).toMatchObject({ line: 0, sku: 'MJ-TOTE-TIGER', observed: 1_700_000, limit: 2_000_000 });
  });

  it('allows a line paid exactly at the floor, and floors of another currency do not apply', () => {
    expect(rulesOf(order({ lines: [line('MJ-TOTE-TIGER', 4_700_000, 2_700_000)] }), policy)).toEqual([]);
    expect(
      rulesOf(order({ currency: 'USD', lines: [line('MJ-TOTE-TIGER', 30_000, 29_000)] }), policy),
    ).not.toContain('below_floor');
  });
});

describe('discount_cap', () => {
  it('holds a line discounted past the global default of 90%', () => {
    const reasons = run(order({ lines: [line('A', 1_000_000, 950_000), line('B', 1_000_000)] })).decision
      .reasons;
    expect(reasons).toEqual([
      expect.objectContaining({ rule: 'discount_cap', line: 0, observed: 9500, limit: 9000, unit: 'bp' }),
    ]);
  });

  it('prefers the SKU cap over the category cap over the default', () => {
    const policy: PolicyInput = { discountCaps: { skus: { A: 1000 }, categories: { shoes: 2000 } } };
    expect(rulesOf(order({ lines: [line('A', 100_000, 15_000, 1, 'shoes')] }), policy)).toEqual([
      'discount_cap',
    ]);
    expect(rulesOf(order({ lines: [line('B', 100_000, 15_000, 1, 'shoes')] }), policy)).toEqual([]);
    expect(rulesOf(order({ lines: [line('B', 100_000, 25_000, 1, 'shoes')] }), policy)).toEqual([
      'discount_cap',
    ]);
  });

  it('holds an order whose discounts in all pass the order cap', () => {
    const input = order({
      lines: [line('A', 1_000_000, 800_000)],
      vouchers: [{ code: 'X', discount: 150_000 }],
    });
    const reason = run(input).decision.reasons.find((r) => r.rule === 'discount_cap');
    expect(reason).toMatchObject({ observed: 9500, limit: 9000 });
    expect(reason?.line).toBeUndefined();
  });
});

describe('floors in another currency', () => {
  const policy: PolicyInput = { floors: { TOTE: { IDR: 2_000_000 } } };
  const usd = { currency: 'USD', lines: [line('TOTE', 100)], total: 100 };

  it('records that a SKU with floors only in other currencies was not checked', () => {
    const { decision } = run(order(usd), policy);
    expect(decision.decision).toBe('allow');
    expect(decision.abstentions.filter((abstention) => abstention.rule === 'below_floor')).toEqual([
      expect.objectContaining({
        rule: 'below_floor',
        sku: 'TOTE',
        message: expect.stringContaining('none in USD'),
      }),
    ]);
  });

  it('holds such a line when the policy asks to', () => {
    const strict: PolicyInput = { floors: { TOTE: { IDR: 2_000_000 } }, floorCoverage: 'hold' };
    expect(rulesOf(order(usd), strict)).toEqual(['below_floor']);
  });

  it('says nothing for a SKU without any floor', () => {
    const { abstentions } = run(order({ ...usd, lines: [line('BAG', 100)] }), policy).decision;
    expect(abstentions.filter((abstention) => abstention.rule === 'below_floor')).toEqual([]);
  });
});
