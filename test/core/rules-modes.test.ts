// test/core/rules-modes.test.ts
// Exceptions, shadow mode and rule switches, shopper-controlled keys, and properties that hold for every order.

import fc from 'fast-check';
import type { PolicyInput } from '../../src/core/policy';
import { line, order } from '../helpers/orders';
import { rulesOf, run } from './rules-fixtures';

describe('exceptions, modes and switches', () => {
  const free = order({ lines: [line('GIFT', 250_000, 250_000)], vouchers: [{ code: 'STAFF', discount: 0 }] });

  it('lets an allow-listed order through the rules the exception names, and records it', () => {
    const policy: PolicyInput = {
      exceptions: [
        {
          id: 'staff-gift',
          note: 'Staff gift vouchers',
          rules: ['zero_total', 'discount_cap'],
          vouchers: ['STAFF'],
        },
      ],
    };
    const { decision } = run(free, policy);
    expect(decision.decision).toBe('allow');
    expect(decision.exceptions).toEqual([
      expect.objectContaining({
        id: 'staff-gift',
        suppressed: expect.arrayContaining([expect.objectContaining({ rule: 'zero_total' })]),
      }),
    ]);
  });

  it('does not cover rules it does not name, nor orders it does not match', () => {
    const policy: PolicyInput = {
      exceptions: [
        { id: 'staff-gift', note: 'Staff gift vouchers', rules: ['zero_total'], vouchers: ['STAFF'] },
      ],
    };
    expect(run(free, policy).decision.reasons.map((r) => r.rule)).toEqual(['discount_cap', 'discount_cap']);
    const other = { ...free, vouchers: [{ code: 'OTHER', discount: 0 }] };
    expect(run(other, policy).decision.exceptions).toEqual([]);
  });

  it('shadow mode always allows but records what it would have done', () => {
    const { decision } = run(free, { mode: 'shadow' });
    expect(decision).toMatchObject({ decision: 'allow', wouldDecide: 'hold', mode: 'shadow' });
    expect(decision.reasons.every((r) => r.mode === 'shadow')).toBe(true);
  });

  it('a rule switched off never fires; a rule in shadow records without holding', () => {
    expect(
      rulesOf(free, { rules: { zero_total: { enabled: false }, discount_cap: { enabled: false } } }),
    ).toEqual([]);
    const { decision } = run(free, {
      rules: { zero_total: { mode: 'shadow' }, discount_cap: { mode: 'shadow' } },
    });
    expect(decision.decision).toBe('allow');
    expect(decision.wouldDecide).toBe('hold');
  });
});

describe('shopper-controlled keys', () => {
  it('a SKU or voucher named like an Object.prototype member finds no policy entry', () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const input = order({
        lines: [line(name, 100_000, 10_000)],
        vouchers: [{ code: name, discount: 1_000 }],
      });
      expect(run(input, { floors: { OTHER: { IDR: 1 } } }).decision.reasons).toEqual([]);
    }
  });
});

describe('properties of the core', () => {
  const orderArb = fc
    .record({
      lines: fc.array(
        fc.record({
          sku: fc.string({ minLength: 1, maxLength: 8 }).filter((sku) => sku.trim() !== ''),
          quantity: fc.integer({ min: 1, max: 20 }),
          unitPrice: fc.integer({ min: 0, max: 50_000_000 }),
          discount: fc.integer({ min: 0, max: 60_000_000 }),
        }),
        { minLength: 1, maxLength: 10 },
      ),
      shipping: fc.integer({ min: 0, max: 100_000 }),
      total: fc.integer({ min: 0, max: 500_000_000 }),
    })
    .map((o) => ({ orderId: 'p', currency: 'IDR', ...o }));

  it('is deterministic and every reason carries a known rule and a message', () => {
    fc.assert(
      fc.property(orderArb, (input) => {
        const a = run(input);
        const b = run(input);
        expect(a.decision).toEqual(b.decision);
        for (const reason of a.decision.reasons) expect(reason.message.length).toBeGreaterThan(10);
        expect(a.decision.decision === 'hold').toBe(a.decision.reasons.some((r) => r.mode === 'enforce'));
      }),
    );
  });

  it('never allows an order with a zero total whose lines list at something', () => {
    fc.assert(
      fc.property(orderArb, (input) => {
        const zero = { ...input, total: 0 };
        const listValue = zero.lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);
        if (listValue > 0) expect(run(zero).decision.decision).toBe('hold');
      }),
    );
  });

  it('shadow mode never holds', () => {
    fc.assert(
      fc.property(orderArb, (input) =>
        expect(run(input, { mode: 'shadow' }).decision.decision).toBe('allow'),
      ),
    );
  });
});
