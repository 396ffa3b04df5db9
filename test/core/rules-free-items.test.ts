// test/core/rules-free-items.test.ts
// A line listed at 0 is held unless the shop declared it free (a free SKU, a bundle's component, a gift with
// purchase) or excepted it; a declared one passes the price rules that would otherwise hold it.

import { type Facts, historyKey } from '../../src/core/facts';
import { type PolicyInput, parsePolicy } from '../../src/core/policy';
import { line, order } from '../helpers/orders';
import { rulesOf, run } from './rules-fixtures';

const declared: PolicyInput = {
  catalog: { POUCH: { IDR: 150_000 } },
  freeItems: {
    SAMPLE: { kind: 'free', maxQuantity: 2, note: 'serum sample' },
    STRAP: { kind: 'bundle', with: ['CAM-KIT'] },
    POUCH: { kind: 'gift', with: ['TOTE'], minSubtotal: { IDR: 1_000_000 } },
  },
};

describe('lines listed at 0', () => {
  it('holds a line listed at 0 whose SKU has no floor, catalog price or history, naming the line', () => {
    const { decision } = run(order({ lines: [line('TOTE', 1_200_000), line('MYSTERY', 0)] }));
    expect(decision.decision).toBe('hold');
    expect(decision.reasons).toEqual([
      expect.objectContaining({ rule: 'below_floor', line: 1, sku: 'MYSTERY', observed: 0, limit: 1 }),
    ]);
    expect(decision.reasons[0]!.message).toContain('MYSTERY is not declared free');
  });

  it('lets declared free items through when the order meets the declaration, past reference and history', () => {
    const history: Facts = {
      history: new Map([[historyKey('POUCH', 'IDR'), { median: 150_000, samples: 50 }]]),
      vouchers: new Map(),
      unavailable: new Set(),
    };
    const lines = [line('TOTE', 1_200_000), line('POUCH', 0), line('SAMPLE', 0, 0, 2)];
    expect(rulesOf(order({ lines }), declared, history)).toEqual([]);
    expect(rulesOf(order({ lines: [line('CAM-KIT', 2_000_000), line('STRAP', 0)] }), declared)).toEqual([]);
  });

  it('holds a declared item when the order does not meet its declaration, saying which term', () => {
    const cases: Array<[ReturnType<typeof line>[], string]> = [
      [[line('CAM', 2_000_000), line('STRAP', 0)], 'only beside CAM-KIT'],
      [[line('TOTE', 500_000), line('POUCH', 0)], 'only from a subtotal of IDR 1,000,000'],
      [[line('TOTE', 1_200_000), line('SAMPLE', 0, 0, 3)], 'at most 2 an order'],
      [[line('CAM-KIT', 0), line('STRAP', 0)], 'CAM-KIT is not declared free'],
    ];
    for (const [lines, words] of cases) {
      const { decision } = run(order({ lines }), declared);
      expect(
        decision.reasons.some((reason) => reason.rule === 'below_floor' && reason.message.includes(words)),
      ).toBe(true);
    }
  });

  it('is let through by an exception for below_floor on the SKU, and refuses a bundle without its bundle', () => {
    const excepted: PolicyInput = {
      exceptions: [
        { id: 'launch-gift', note: 'free pins at the launch', rules: ['below_floor'], skus: ['PIN'] },
      ],
    };
    expect(rulesOf(order({ lines: [line('TOTE', 1_200_000), line('PIN', 0)] }), excepted)).toEqual([]);
    expect(() => parsePolicy({ freeItems: { STRAP: { kind: 'bundle' } } })).toThrow(/freeItems.STRAP.with/);
    expect(() => parsePolicy({ freeItems: { POUCH: { kind: 'gift' } } })).toThrow(/gift with purchase/);
  });
});
