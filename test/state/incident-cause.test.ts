// test/state/incident-cause.test.ts
// Exposure (what a held order leaves unpaid) and the primary cause that puts each hold in exactly one incident.

import fc from 'fast-check';
import { evaluate } from '../../src/core/evaluate';
import { NO_FACTS } from '../../src/core/facts';
import type { OrderInput } from '../../src/core/order';
import { OrderParser } from '../../src/core/order-parser';
import { parsePolicy } from '../../src/core/policy';
import type { Reason } from '../../src/core/types';
import { causeOf, completeHold, exposureOf, summarizeHold } from '../../src/state/holds';
import { line, order } from '../helpers/orders';

const parser = new OrderParser();
const NOW = Date.UTC(2026, 11, 7, 17, 46);
const policy = parsePolicy({ vouchers: { LEAK: { paymentMethods: ['card:bca*'] } } });

function held(input: OrderInput) {
  const parsed = parser.parse(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return summarizeHold(parsed.order, evaluate(parsed.order, policy, NO_FACTS, NOW), NOW);
}

const reason = (rule: Reason['rule'], extra: Partial<Reason> = {}): Reason => ({
  rule,
  message: rule,
  mode: 'enforce',
  ...extra,
});

describe('exposure: what a held order leaves unpaid of its list value', () => {
  it('is the discounts, plus the shortfall of a tampered total; an overcharge is apart', () => {
    // IDR 2,586,000 of goods claimed at IDR 45,000: the whole gap is unpaid.
    expect(held(order({ orderId: 't1', lines: [line('TV', 2_586_000)], total: 45_000 }))).toMatchObject({
      discount: 0,
      exposure: 2_541_000,
      overcharge: 0,
    });
    // A line 100% off with shipping paid: the discount is unpaid, the shipping is not.
    expect(
      held(order({ orderId: 't2', lines: [line('SHOE', 900_000, 900_000)], shipping: 15_000 })),
    ).toMatchObject({ discount: 900_000, exposure: 900_000, overcharge: 0 });
    // Charged 10,000 more than its parts add up to: the shopper's harm, not money at stake.
    expect(
      held(
        order({
          orderId: 't3',
          lines: [line('TEE', 100_000)],
          vouchers: [{ code: 'LEAK', discount: 50_000 }],
          total: 60_000,
        }),
      ),
    ).toMatchObject({ discount: 50_000, exposure: 50_000, overcharge: 10_000 });
  });

  it('adds up, exactly, for any amounts: exposure − overcharge = list value − what the total pays for the goods', () => {
    const amount = fc.integer({ min: 0, max: 10_000_000_000 });
    fc.assert(
      fc.property(
        amount,
        amount,
        amount,
        amount,
        amount,
        amount,
        (list, discount, shipping, off, tax, total) => {
          const result = exposureOf({ shipping, shippingDiscount: off, tax, total }, list, discount);
          expect(Number.isSafeInteger(result.exposure) && Number.isSafeInteger(result.overcharge)).toBe(true);
          expect(result.exposure).toBeGreaterThanOrEqual(discount);
          expect(Math.min(result.exposure - discount, result.overcharge)).toBe(0);
          expect(result.exposure - result.overcharge).toBe(list - (total - shipping + off - tax));
        },
      ),
    );
  });
});

describe('primary cause: each hold in exactly one incident', () => {
  it('is the voucher a voucher rule named, even when a line of the order is also 100% off', () => {
    const leak = held(
      order({
        orderId: 'l1',
        paymentMethod: 'ewallet:ovo',
        lines: [line('SHOE', 900_000, 900_000), line('TEE', 100_000)],
        vouchers: [{ code: 'leak', discount: 50_000 }],
      }),
    );
    expect(leak.rules).toEqual(expect.arrayContaining(['discount_cap', 'voucher_ineligible']));
    expect(leak.cause).toEqual({ kind: 'voucher', key: 'LEAK' });
  });

  it('is else the SKU of the line with the most money at stake, never an innocent line beside it', () => {
    expect(
      held(order({ orderId: 's1', lines: [line('TEE', 100_000), line('SHOE', 900_000, 900_000)] })).cause,
    ).toEqual({ kind: 'sku', key: 'SHOE' });
    const lines = [line('A', 100_000, 90_000), line('B', 500_000, 100_000), line('C', 900_000)];
    const reasons = [
      reason('discount_cap', { line: 0, sku: 'A' }),
      reason('discount_cap', { line: 1, sku: 'B' }),
      reason('zero_total'),
    ];
    expect(causeOf({ lines, vouchers: [] }, { reasons })).toEqual({ kind: 'sku', key: 'B' });
    // Equal discounts: the larger line.
    const even = [line('A', 100_000, 50_000), line('B', 200_000, 50_000)];
    expect(
      causeOf(
        { lines: even, vouchers: [] },
        { reasons: [reason('discount_cap', { sku: 'A' }), reason('discount_cap', { sku: 'B' })] },
      ),
    ).toEqual({ kind: 'sku', key: 'B' });
  });

  it('is else the order-level rule: total_mismatch before the zero or near-zero total it caused', () => {
    const tampered = held(order({ orderId: 'm1', lines: [line('TV', 2_586_000)], total: 45_000 }));
    expect(tampered.rules).toEqual(['near_zero_total', 'total_mismatch']);
    expect(tampered.cause).toEqual({ kind: 'rule', key: 'total_mismatch' });
    expect(causeOf({ lines: [], vouchers: [] }, { reasons: [reason('zero_total')] })).toEqual({
      kind: 'rule',
      key: 'zero_total',
    });
  });

  it('ignores shadow reasons when an enforcing one held the order', () => {
    const reasons = [reason('voucher_velocity', { voucher: 'X', mode: 'shadow' }), reason('total_mismatch')];
    expect(causeOf({ lines: [], vouchers: [{ code: 'X', discount: 1 }] }, { reasons })).toEqual({
      kind: 'rule',
      key: 'total_mismatch',
    });
  });

  it('is derived for a hold stored before exposure was kept, as this version would have stored it', () => {
    const fresh = held(order({ orderId: 'o1', lines: [line('TV', 2_586_000)], total: 45_000 }));
    const { exposure, overcharge, cause, ...old } = fresh;
    expect(completeHold(old)).toEqual(fresh);
  });
});
