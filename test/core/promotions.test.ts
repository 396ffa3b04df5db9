// test/core/promotions.test.ts
// Promotions as merchants write them: relative and campaign floors, voucher terms, stacking, the declared catalog.

import { evaluate } from '../../src/core/evaluate';
import { NO_FACTS } from '../../src/core/facts';
import { OrderParser } from '../../src/core/order-parser';
import { type PolicyInput, parsePolicy } from '../../src/core/policy';
import type { RuleName } from '../../src/core/types';
import { line, order } from '../helpers/orders';

const parser = new OrderParser();
const NOW = Date.parse('2026-11-11T12:00:00+07:00');
const FLASH = { id: 'flash', startsAt: '2026-11-11T00:00:00+07:00', endsAt: '2026-11-12T00:00:00+07:00' };

function run(input: unknown, policy: PolicyInput = {}, now = NOW) {
  const parsed = parser.parse(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return evaluate(parsed.order, parsePolicy(policy), NO_FACTS, now);
}
const rulesOf = (input: unknown, policy: PolicyInput = {}, now = NOW): RuleName[] =>
  [...new Set(run(input, policy, now).decision.reasons.map((reason) => reason.rule))].sort();

describe('floors: absolute and relative, regular and campaign', () => {
  const tote = (discount: number) => order({ lines: [line('TOTE', 1_000_000, discount)] });

  it('holds a line under a relative floor at the most specific level that is set', () => {
    const levels: PolicyInput = { floorBp: { all: 2000, categories: { BAGS: 4000 }, skus: { TOTE: 6000 } } };
    expect(rulesOf(tote(500_000), levels)).toEqual(['below_floor']); // pays 50%, its own floor is 60%
    expect(rulesOf(tote(300_000), levels)).toEqual([]);
    const byCategory = order({ lines: [line('SHOE', 1_000_000, 700_000, 1, 'bags')] });
    expect(rulesOf(byCategory, levels)).toEqual(['below_floor']); // 30% < 40% of BAGS
    const global = order({ lines: [line('CUP', 1_000_000, 850_000)] });
    expect(rulesOf(global, levels)).toEqual(['below_floor']); // 15% < 20% everywhere
    const reason = run(tote(500_000), levels).decision.reasons[0];
    expect(reason).toMatchObject({ rule: 'below_floor', observed: 500_000, limit: 600_000, unit: 'minor' });
    expect(reason?.message).toContain('below its floor of 60% of its list price (IDR 600,000)');
  });

  it('lets a flash sale go below the everyday floor with a relative campaign floor, and still holds 99% off', () => {
    const policy: PolicyInput = {
      floors: { TOTE: { IDR: 600_000 } },
      floorBp: { all: 4000 },
      campaigns: [{ ...FLASH, skus: ['TOTE'], lineDiscountCapBp: 9500, floorBp: 1000 }],
    };
    expect(rulesOf(tote(800_000), policy)).toEqual([]); // 20% of list: fine in the sale, under every everyday floor
    expect(rulesOf(tote(990_000), policy)).toEqual(['below_floor', 'discount_cap', 'near_zero_total']); // 1% of list
    // Outside the window the everyday floors apply again.
    expect(rulesOf(tote(800_000), policy, Date.parse('2026-11-12T12:00:00+07:00'))).toContain('below_floor');
  });

  it('keeps the regular floors too when the campaign says so', () => {
    const policy: PolicyInput = {
      floors: { TOTE: { IDR: 600_000 } },
      campaigns: [
        { ...FLASH, skus: ['TOTE'], lineDiscountCapBp: 9500, floorBp: 1000, regularFloors: 'keep' },
      ],
    };
    expect(rulesOf(tote(800_000), policy)).toEqual(['below_floor']);
  });

  it('checks what a line pays after its share of the order vouchers', () => {
    const policy: PolicyInput = { floors: { TOTE: { IDR: 600_000 } } };
    const input = order({
      lines: [line('TOTE', 1_000_000, 300_000), line('CUP', 100_000)],
      vouchers: [{ code: 'BIG', discount: 200_000 }],
    });
    // The voucher is spread pro rata: 7/8 of it (175,000) on the tote, which then pays 525,000 < 600,000.
    const reason = run(input, policy).decision.reasons.find((r) => r.rule === 'below_floor');
    expect(reason).toMatchObject({ sku: 'TOTE', observed: 525_000, limit: 600_000 });
    expect(reason?.message).toContain("after its IDR 175,000 share of the order's vouchers");
  });
});

describe('voucher terms', () => {
  const withCode = (discount: number, subtotalDiscount = 0, code = 'HEMAT10') =>
    order({ lines: [line('BAG', 600_000, subtotalDiscount)], vouchers: [{ code, discount }] });

  it('holds a voucher that takes more off than its terms say, naming the term', () => {
    const policy: PolicyInput = {
      vouchers: { HEMAT10: { discount: { percentBp: 1000, max: { IDR: 50_000 } } } },
    };
    expect(rulesOf(withCode(50_000), policy)).toEqual([]);
    const reason = run(withCode(60_000), policy).decision.reasons[0];
    expect(reason).toMatchObject({
      rule: 'voucher_terms',
      voucher: 'HEMAT10',
      observed: 60_000,
      limit: 50_000,
    });
    expect(reason?.message).toContain('its maximum');
    // 10% of a 300,000 subtotal is 30,000: 40,000 is past it.
    expect(rulesOf(withCode(40_000, 300_000), policy)).toEqual(['voucher_terms']);
    const fixed: PolicyInput = { vouchers: { BANK: { discount: { amount: { IDR: 100_000 } } } } };
    expect(rulesOf(withCode(100_000, 0, 'BANK'), fixed)).toEqual([]);
    expect(rulesOf(withCode(150_000, 0, 'BANK'), fixed)).toEqual(['voucher_terms']);
  });

  it('holds a code used outside its validity window', () => {
    const policy: PolicyInput = {
      vouchers: { HEMAT10: { startsAt: '2026-11-01T00:00:00+07:00', endsAt: '2026-11-11T00:00:00+07:00' } },
    };
    const reason = run(withCode(10_000), policy).decision.reasons[0];
    expect(reason).toMatchObject({ rule: 'voucher_window', voucher: 'HEMAT10' });
    expect(reason?.message).toContain('is valid from 2026-10-31T17:00:00.000Z to 2026-11-10T17:00:00.000Z');
    expect(rulesOf(withCode(10_000), policy, Date.parse('2026-11-05T00:00:00+07:00'))).toEqual([]);
  });

  it('holds codes stacked where their terms forbid it, naming the other code', () => {
    const two = order({
      lines: [line('BAG', 600_000)],
      vouchers: [
        { code: 'HEMAT10', discount: 10_000 },
        { code: 'BANK', discount: 20_000 },
      ],
    });
    expect(rulesOf(two, { vouchers: { HEMAT10: { stackable: false } } })).toEqual(['voucher_stacking']);
    expect(run(two, { vouchers: { HEMAT10: { stackable: false } } }).decision.reasons[0]?.message).toContain(
      'may not be combined with BANK',
    );
    expect(rulesOf(two, { vouchers: { HEMAT10: { stackable: ['bank'] } } })).toEqual([]);
    expect(rulesOf(two, { vouchers: { HEMAT10: { stackable: ['OTHER'] } } })).toEqual(['voucher_stacking']);
  });

  it('holds a code used on campaign prices when its terms forbid it', () => {
    const policy: PolicyInput = {
      campaigns: [{ ...FLASH, skus: ['BAG'], lineDiscountCapBp: 5000 }],
      vouchers: { HEMAT10: { withCampaigns: false } },
    };
    expect(rulesOf(withCode(10_000, 300_000), policy)).toEqual(['voucher_stacking']);
    expect(rulesOf(withCode(10_000, 0), policy)).toEqual([]); // no campaign price on the line
  });
});

describe('the declared catalog', () => {
  const policy: PolicyInput = { catalog: { 'NEW-SKU': { IDR: 4_700_000 } } };

  it('holds a new SKU launched at 1/100 of its declared price, and one at 10 times it', () => {
    const cheap = run(order({ lines: [line('NEW-SKU', 47_000)] }), policy).decision.reasons;
    expect(cheap.map((reason) => reason.rule).sort()).toEqual(['below_recent_price', 'reference_price']);
    expect(cheap.find((reason) => reason.rule === 'reference_price')?.message).toContain(
      'under the declared list price of IDR 4,700,000',
    );
    const dear = rulesOf(order({ lines: [line('NEW-SKU', 47_000_000)] }), policy);
    expect(dear).toEqual(['above_recent_price', 'reference_price']);
    expect(rulesOf(order({ lines: [line('NEW-SKU', 4_500_000)] }), policy)).toEqual([]);
  });

  it('follows a scheduled price change from its time on', () => {
    const changing: PolicyInput = {
      ...policy,
      priceChanges: [{ sku: 'new-sku', at: '2026-11-11T10:00:00+07:00', listPrice: { IDR: 1_500_000 } }],
    };
    const marked = order({ lines: [line('NEW-SKU', 1_500_000)] });
    expect(rulesOf(marked, changing)).toEqual([]);
    expect(rulesOf(marked, changing, Date.parse('2026-11-11T09:00:00+07:00'))).toEqual([
      'below_recent_price',
      'reference_price',
    ]);
  });

  it('records that nothing could be compared for a SKU without history, floor or declared price', () => {
    const { abstentions } = run(order({ lines: [line('MYSTERY', 10)] })).decision;
    expect(abstentions).toEqual([
      expect.objectContaining({
        rule: 'below_recent_price',
        sku: 'MYSTERY',
        message: expect.stringContaining('nothing to compare'),
      }),
    ]);
  });
});
