// test/core/rules-incidents.test.ts
// The incident shapes of INCIDENTS.md: the 100% discount line, a flash sale in and out of its window, a leaked bank code.

import { NO_FACTS } from '../../src/core/facts';
import type { PolicyInput } from '../../src/core/policy';
import { line, MARC_JACOBS_ORDER, order } from '../helpers/orders';
import { NOW, rulesOf, run } from './rules-fixtures';

describe('the incidents', () => {
  it('holds the Marc Jacobs 100% discount order even though its total is not near zero', () => {
    const { decision } = run(MARC_JACOBS_ORDER);
    expect(decision.decision).toBe('hold');
    expect(decision.reasons).toEqual([
      expect.objectContaining({
        rule: 'discount_cap',
        line: 0,
        sku: 'MJ-TOTE-TIGER',
        observed: 10_000,
        limit: 9000,
      }),
    ]);
  });

  const flashSale: PolicyInput = {
    discountCaps: { skus: { 'SHOE-1': 3000 } },
    campaigns: [
      {
        id: 'harbolnas-1111',
        startsAt: '2026-11-11T00:00:00+07:00',
        endsAt: '2026-11-12T00:00:00+07:00',
        skus: ['SHOE-1'],
        lineDiscountCapBp: 7000,
      },
    ],
  };
  const saleOrder = order({ lines: [line('SHOE-1', 1_000_000, 700_000)] });

  it('allows a planned 70% flash-sale line inside its window', () => {
    expect(run(saleOrder, flashSale, NO_FACTS, NOW).decision.decision).toBe('allow');
  });

  it('holds the same line outside the window', () => {
    const after = Date.parse('2026-11-12T00:00:00+07:00'); // the window's end is exclusive
    const { decision } = run(saleOrder, flashSale, NO_FACTS, after);
    expect(decision.decision).toBe('hold');
    expect(decision.reasons[0]).toMatchObject({ rule: 'discount_cap', observed: 7000, limit: 3000 });
  });

  it('judges the order cap on top of campaign prices, and the discounts in all against list', () => {
    const campaign = (orderListCapBp?: number): PolicyInput => ({
      campaigns: [
        {
          id: 'flash',
          startsAt: '2026-11-11T00:00:00+07:00',
          endsAt: '2026-11-12T00:00:00+07:00',
          skus: ['TV'],
          lineDiscountCapBp: 8000,
          ...(orderListCapBp === undefined ? {} : { orderListCapBp }),
        },
      ],
    });
    // 80% planned, then a voucher: 92% off list in all.
    const sale = order({
      lines: [line('TV', 1_000_000, 800_000)],
      vouchers: [{ code: 'NEWUSER', discount: 120_000 }],
    });
    // The campaign price is planned, but stacking a voucher on it past 90% of list is not, unless it says so.
    const stacked = run(sale, campaign()).decision.reasons;
    expect(stacked).toEqual([expect.objectContaining({ rule: 'discount_cap', observed: 9200, limit: 9000 })]);
    expect(stacked[0]?.message).toContain('campaign prices and vouchers together take 92% off');
    expect(rulesOf(sale, campaign(9500))).toEqual([]);
    expect(rulesOf(sale, {}, NO_FACTS)).toContain('discount_cap'); // without the campaign: 92% off in all
    const free = order({
      lines: [line('TV', 1_000_000, 800_000)],
      vouchers: [{ code: 'NEWUSER', discount: 195_000 }],
    });
    const reason = run(free, campaign(9500)).decision.reasons.find((r) => r.rule === 'discount_cap');
    expect(reason).toMatchObject({ observed: 9750, limit: 9000 });
    expect(reason?.message).toContain('at campaign prices');
  });

  it('holds a leaked bank-only voucher used with another payment method', () => {
    const policy: PolicyInput = {
      vouchers: { BANKX100: { paymentMethods: ['card:bank-x*'], minSubtotal: { IDR: 150_000 } } },
    };
    const leaked = order({
      paymentMethod: 'ewallet:ovo',
      lines: [line('A', 160_000)],
      vouchers: [{ code: 'BANKX100', discount: 100_000 }],
    });
    const reasons = run(leaked, policy).decision.reasons;
    expect(reasons).toEqual([expect.objectContaining({ rule: 'voucher_ineligible', voucher: 'BANKX100' })]);
    expect(reasons[0]?.message).toContain('CARD:BANK-X*');
    const proper = { ...leaked, paymentMethod: 'card:bank-x-platinum' };
    expect(rulesOf(proper, policy)).toEqual([]);
  });
});
