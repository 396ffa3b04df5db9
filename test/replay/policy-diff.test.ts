// test/replay/policy-diff.test.ts
// The replay's policy diff against a baseline: the orders a new policy decides differently.

import { parsePolicy } from '../../src/core/policy';
import { formatReport, replay } from '../../src/replay/replay';
import { line, order } from '../helpers/orders';
import { at, ndjson } from './fixtures';

describe('policy diff', () => {
  it('reports the orders the new policy decides differently, by rule, label and money, with the first examples', async () => {
    const baseline = parsePolicy({ vouchers: { BANKX: {} } });
    const policy = parsePolicy({
      vouchers: { BANKX: { paymentMethods: ['card:bank-x*'] } },
      campaigns: [
        {
          id: 'clearance',
          startsAt: '2026-11-10T00:00:00+07:00',
          endsAt: '2026-11-11T00:00:00+07:00',
          skus: ['DEEP'],
          lineDiscountCapBp: 9500,
          orderListCapBp: 9500,
        },
      ],
    });
    const voucher = (id: string, minute: number, paymentMethod: string, label: string) => ({
      ...order({
        orderId: id,
        paymentMethod,
        lines: [line('S1', 200_000)],
        vouchers: [{ code: 'BANKX', discount: 50_000 }],
      }),
      timestamp: at(minute),
      label,
    });
    const rows = [
      voucher('ok', 0, 'card:bank-x-visa', 'legit'),
      voucher('other-card', 1, 'ewallet:ovo', 'glitch'),
      voucher('other-card-2', 2, 'qris', 'glitch'),
      {
        ...order({ orderId: 'deep', lines: [line('DEEP', 100_000, 93_000)] }),
        timestamp: at(3),
        label: 'legit',
      },
      {
        ...order({ orderId: 'free', lines: [line('S2', 100_000, 100_000)] }),
        timestamp: at(4),
        label: 'glitch',
      },
    ];
    const report = await replay(ndjson(rows), {
      policy,
      baseline: { policy: baseline, name: 'current.yaml' },
      diffExamples: 1,
    });
    const diff = report.diff!;
    expect(diff).toMatchObject({ baseline: 'current.yaml', orders: 5, heldByBaseline: 2, heldByPolicy: 3 });
    expect(diff.allowToHold).toMatchObject({
      orders: 2,
      byRule: { voucher_ineligible: 2 },
      byLabel: { glitch: 2 },
      money: { IDR: { orders: 2, listValue: 400_000, discount: 100_000, total: 300_000 } },
    });
    expect(diff.allowToHold.examples).toEqual([
      expect.objectContaining({
        orderId: 'other-card',
        line: 2,
        label: 'glitch',
        rules: ['voucher_ineligible'],
      }),
    ]);
    expect(diff.holdToAllow).toMatchObject({
      orders: 1,
      byRule: { discount_cap: 1 },
      byLabel: { legit: 1 },
      money: { IDR: { orders: 1, listValue: 100_000, discount: 93_000, total: 7_000 } },
    });
    expect(diff.heldForOtherRules).toBe(0);
    const text = formatReport(report);
    expect(text).toContain('Policy diff against current.yaml (5 orders judged by both)');
    expect(text).toMatch(/allow -> hold: 2 orders \(glitch 2\)\n {4}by rule: voucher_ineligible 2/);
    expect(text).toMatch(/hold -> allow: 1 orders \(legit 1\)/);
  });
});
