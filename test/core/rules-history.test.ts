// test/core/rules-history.test.ts
// below_recent_price: a price far under the SKU's recent median, and the abstentions when history is thin or missing.

import { type Facts, historyKey } from '../../src/core/facts';
import type { PolicyInput } from '../../src/core/policy';
import { line, order } from '../helpers/orders';
import { rulesOf, run } from './rules-fixtures';

describe('below_recent_price', () => {
  const history = (median: number, samples: number): Facts => ({
    history: new Map([[historyKey('TOTE', 'IDR'), { median, samples }]]),
    vouchers: new Map(),
    unavailable: new Set(),
  });

  it('catches a fat-finger price (4,700 for 4,700,000) once the SKU has history', () => {
    const input = order({ lines: [line('TOTE', 4_700)] });
    const reason = run(input, {}, history(4_700_000, 40)).decision.reasons[0];
    expect(reason).toMatchObject({ rule: 'below_recent_price', observed: 4_700, limit: 2_350_000 });
  });

  it('abstains, and says so, below the minimum number of samples', () => {
    const { decision } = run(order({ lines: [line('TOTE', 4_700)] }), {}, history(4_700_000, 5));
    expect(decision.decision).toBe('allow');
    expect(decision.abstentions).toEqual([
      expect.objectContaining({ rule: 'below_recent_price', sku: 'TOTE' }),
    ]);
    expect(decision.abstentions[0]?.message).toContain('5 recent IDR price samples');
  });

  it('lowers the reference by a campaign cap inside the campaign window', () => {
    const policy: PolicyInput = {
      campaigns: [
        {
          id: 'sale',
          startsAt: '2026-11-11T00:00:00+07:00',
          endsAt: '2026-11-12T00:00:00+07:00',
          skus: ['TOTE'],
          lineDiscountCapBp: 7000,
        },
      ],
    };
    const sale = order({ lines: [line('TOTE', 4_700_000, 3_290_000)] }); // 70% off: 1,410,000
    expect(rulesOf(sale, policy, history(4_700_000, 40))).toEqual([]);
    expect(rulesOf(order({ lines: [line('TOTE', 4_700)] }), policy, history(4_700_000, 40))).toContain(
      'below_recent_price',
    );
  });

  it('abstains when the store could not provide history', () => {
    const facts: Facts = {
      history: new Map(),
      vouchers: new Map(),
      unavailable: new Set(['history', 'vouchers']),
    };
    const { decision } = run(order({ lines: [line('TOTE', 0)], vouchers: [] }), {}, facts);
    expect(decision.abstentions.map((a) => a.rule)).toContain('below_recent_price');
  });
});
