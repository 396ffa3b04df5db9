// test/core/rules-history.test.ts
// below_recent_price: a price far under the SKU's recent median, and the abstentions when history is thin or missing.

import { type Facts, historyKey, type PriceAnchor } from '../../src/core/facts';
import type { PolicyInput } from '../../src/core/policy';
import { line, order } from '../helpers/orders';
import { NOW, rulesOf, run } from './rules-fixtures';

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

describe('the anchor: a price that drifted in small steps while the median followed', () => {
  const HOUR = 3_600_000;
  const drifted = (anchor: Partial<PriceAnchor> = {}): Facts => ({
    history: new Map([
      [
        historyKey('TOTE', 'IDR'),
        {
          median: 560_000, // followed the drift down from 1,000,000
          samples: 101,
          anchor: {
            price: 1_000_000,
            at: NOW - 30 * HOUR,
            source: 'learned',
            lastAbove: NOW - 5 * HOUR,
            lastBelow: NOW - 5 * HOUR,
            ...anchor,
          },
        },
      ],
    ]),
    vouchers: new Map(),
    unavailable: new Set(),
  });

  it('holds a line under half the anchor though it is within half of the median, saying how far and how long', () => {
    const reasons = run(order({ lines: [line('TOTE', 450_000)] }), {}, drifted()).decision.reasons;
    expect(reasons).toEqual([
      expect.objectContaining({ rule: 'below_recent_price', observed: 450_000, limit: 500_000, line: 0 }),
    ]);
    expect(reasons[0]!.message).toContain('drifted from IDR 1,000,000 (anchor) to IDR 450,000 over 5 hours');
    expect(reasons[0]!.message).toContain('median followed it to IDR 560,000 over 101 orders');
    expect(rulesOf(order({ lines: [line('TOTE', 500_000)] }), {}, drifted())).toEqual([]);
  });

  it('names the on-call acceptance when the anchor is an accepted price', () => {
    const facts = drifted({ source: 'accepted', at: NOW - 2 * HOUR, lastAbove: undefined });
    const [reason] = run(order({ lines: [line('TOTE', 400_000)] }), {}, facts).decision.reasons;
    expect(reason!.message).toContain('over 2 hours');
    expect(reason!.message).toContain('the price on-call accepted on');
  });

  it('holds above 3x the anchor in the other direction', () => {
    const facts = drifted({ price: 100_000 });
    const [reason] = run(order({ lines: [line('TOTE', 310_000)] }), {}, facts).decision.reasons;
    expect(reason).toMatchObject({ rule: 'above_recent_price', limit: 300_000 });
    expect(reason!.message).toContain('drifted from IDR 100,000 (anchor) to IDR 310,000');
  });

  it('lowers the anchor by a campaign cap, as it lowers the median', () => {
    const policy: PolicyInput = {
      campaigns: [
        {
          id: 'sale',
          startsAt: '2026-11-11T00:00:00+07:00',
          endsAt: '2026-11-12T00:00:00+07:00',
          skus: ['TOTE'],
          lineDiscountCapBp: 5000,
        },
      ],
    };
    // 50% cap: the anchor becomes 500,000, held under 250,000 (the median's bound is 140,000).
    const [reason] = run(order({ lines: [line('TOTE', 240_000)] }), policy, drifted()).decision.reasons;
    expect(reason).toMatchObject({ rule: 'below_recent_price', limit: 250_000 });
    expect(reason!.message).toContain('the campaign-adjusted anchor, IDR 500,000');
    expect(rulesOf(order({ lines: [line('TOTE', 260_000)] }), policy, drifted())).toEqual([]);
  });

  it('gives way to a price change declared after it was set, and follows the rule switches', () => {
    const declared: PolicyInput = {
      priceChanges: [{ sku: 'TOTE', at: new Date(NOW - HOUR).toISOString(), listPrice: { IDR: 450_000 } }],
    };
    expect(rulesOf(order({ lines: [line('TOTE', 450_000)] }), declared, drifted())).toEqual([]);
    const off: PolicyInput = { rules: { below_recent_price: { enabled: false } } };
    expect(rulesOf(order({ lines: [line('TOTE', 450_000)] }), off, drifted())).toEqual([]);
  });
});
