// test/core/rules.test.ts
// Every rule on its own, the incident shapes of INCIDENTS.md, exceptions, modes, and properties of the core.

import fc from 'fast-check';
import { evaluate } from '../../src/core/evaluate';
import { type Facts, historyKey, NO_FACTS, type VoucherState } from '../../src/core/facts';
import { type Order, OrderParser } from '../../src/core/order';
import { type PolicyInput, parsePolicy } from '../../src/core/policy';
import { poissonTail } from '../../src/core/rules/velocity';
import type { RuleId } from '../../src/core/types';
import { line, MARC_JACOBS_ORDER, order } from '../helpers/orders';

const parser = new OrderParser();
const NOW = Date.parse('2026-11-11T10:00:00+07:00');

function parsed(input: unknown): Order {
  const result = parser.parse(input);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.order;
}

function run(input: unknown, policy: PolicyInput = {}, facts: Facts = NO_FACTS, now = NOW) {
  return evaluate(parsed(input), parsePolicy(policy), facts, now);
}

const rulesOf = (input: unknown, policy: PolicyInput = {}, facts: Facts = NO_FACTS, now = NOW): RuleId[] =>
  run(input, policy, facts, now).decision.reasons.map((reason) => reason.rule);

describe('zero_total', () => {
  it('holds an order that pays nothing for goods that list at something', () => {
    const { decision } = run(order({ lines: [line('TOTE', 4_700_000, 4_700_000)] }));
    expect(decision.decision).toBe('hold');
    const reason = decision.reasons.find((r) => r.rule === 'zero_total');
    expect(reason).toMatchObject({ observed: 0, limit: 4_700_000, unit: 'minor' });
    expect(reason?.message).toContain('IDR 4,700,000');
  });

  it('does not fire for a free item that lists at zero', () => {
    expect(rulesOf(order({ lines: [line('SAMPLE', 0)] }))).toEqual([]);
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

describe('voucher_velocity', () => {
  const facts = (state: VoucherState): Facts => ({
    history: new Map(),
    vouchers: new Map([['CODE', state]]),
    unavailable: new Set(),
  });
  const withVoucher = order({ lines: [line('A', 500_000)], vouchers: [{ code: 'CODE', discount: 50_000 }] });
  /** Counts in the default windows (1, 5, 15 and 30 minutes); the 15-minute one between 5 and 30 unless given. */
  const counts = (
    one: number,
    five: number,
    thirty: number,
    fifteen = Math.min(thirty, Math.max(five, Math.round((five + thirty) / 2))),
  ) => [
    { seconds: 60, count: one },
    { seconds: 300, count: five },
    { seconds: 900, count: fifteen },
    { seconds: 1800, count: thirty },
  ];
  const day = 23.5 * 3600;

  it('trips on a burst far above the code baseline, saying how unlikely it was', () => {
    // 2 uses an hour for a day, then 40 in five minutes.
    const evaluation = run(
      withVoucher,
      {},
      facts({ windows: counts(9, 40, 41), baselineCount: 47, baselineSeconds: day }),
    );
    expect(evaluation.decision.reasons[0]).toMatchObject({
      rule: 'voucher_velocity',
      voucher: 'CODE',
      observed: 40,
    });
    expect(evaluation.decision.reasons[0]?.message).toMatch(
      /redeemed 40 times in 5 min where about 0\.2 are expected; chance under 1 in a (million|billion|trillion)/,
    );
    expect(evaluation.effects.tripVouchers).toEqual(['CODE']);
    expect(evaluation.effects.anomalousVouchers).toEqual(['CODE']);
  });

  it('does not trip on steady use, however high', () => {
    // 600 an hour all day: 300 in 30 minutes is normal for this code.
    const evaluation = run(
      withVoucher,
      {},
      facts({ windows: counts(12, 55, 310), baselineCount: 600 * 23.5, baselineSeconds: day }),
    );
    expect(evaluation.decision.reasons).toEqual([]);
    expect(evaluation.effects.tripVouchers).toEqual([]);
  });

  it('lets a declared public code have its launch spike', () => {
    const policy: PolicyInput = { vouchers: { CODE: { velocity: { expectedPerHour: 3000 } } } };
    // A brand-new code: 150 in the first minute is three times its declared rate, not five.
    const launch = facts({ windows: counts(150, 400, 400), baselineCount: 0, baselineSeconds: 0 });
    expect(rulesOf(withVoucher, policy, launch)).toEqual([]);
    // Ten times its declared rate does trip it.
    const leak = facts({ windows: counts(600, 2600, 2600), baselineCount: 0, baselineSeconds: 0 });
    expect(rulesOf(withVoucher, policy, leak)).toEqual(['voucher_velocity']);
  });

  it('catches a code within minutes of running ten times its normal rate, once it has 15 uses (property)', () => {
    // Normal: 6 to 60 uses an hour for a day. Leaking at ten times that, it trips by the time the leak has made a
    // 15 uses (and 3 minutes at least): 3 minutes for a code used once a minute, 15 for one used every ten minutes.
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 60 }), (perHour) => {
        const leakPerMinute = (perHour * 10) / 60;
        const minutes = Math.min(30, Math.max(3, Math.ceil(15 / leakPerMinute)));
        const usesIn = (window: number) => Math.round(leakPerMinute * Math.min(window, minutes));
        const state = facts({
          windows: counts(usesIn(1), usesIn(5), usesIn(30), usesIn(15)),
          baselineCount: perHour * 23.5,
          baselineSeconds: day,
        });
        expect(rulesOf(withVoucher, {}, state)).toContain('voucher_velocity');
      }),
    );
  });

  it('never trips on counts its normal rate makes likely (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), (perHour) => {
        // Exactly the expected counts in every window.
        const expected = (seconds: number) => Math.round((perHour * seconds) / 3600);
        const state = facts({
          windows: counts(expected(60), expected(300), expected(1800), expected(900)),
          baselineCount: perHour * 23.5,
          baselineSeconds: day,
        });
        expect(rulesOf(withVoucher, {}, state)).toEqual([]);
      }),
    );
  });

  it('holds the new uses of a tripped code while its rate stays anomalous', () => {
    const tripped = facts({
      windows: counts(1, 2, 3),
      baselineCount: 0,
      baselineSeconds: 0,
      trippedAt: NOW - 60_000,
    });
    const { decision, effects } = run(withVoucher, {}, tripped);
    expect(decision.decision).toBe('hold');
    expect(decision.reasons[0]?.message).toContain('until its rate has been normal for 30 min');
    expect(effects.resumeVouchers).toEqual([]);
  });

  it('resumes a tripped code once its rate has been normal for resumeAfterSeconds', () => {
    const calm = facts({
      windows: counts(0, 1, 2),
      baselineCount: 47,
      baselineSeconds: day,
      trippedAt: NOW - 3 * 3600_000,
      anomalousAt: NOW - 31 * 60_000,
    });
    const { decision, effects } = run(withVoucher, {}, calm);
    expect(decision.reasons).toEqual([]);
    expect(effects.resumeVouchers).toEqual(['CODE']);
    // A sticky code, or one on-call extended, does not.
    expect(
      run(withVoucher, { vouchers: { CODE: { velocity: { sticky: true } } } }, calm).decision.reasons[0]
        ?.message,
    ).toContain('until on-call clears it');
    const extended = facts({
      windows: counts(0, 1, 2),
      baselineCount: 47,
      baselineSeconds: day,
      trippedAt: NOW - 3 * 3600_000,
      anomalousAt: NOW - 31 * 60_000,
      stickyUntil: NOW + 3600_000,
    });
    expect(run(withVoucher, {}, extended).effects.resumeVouchers).toEqual([]);
  });

  it('exempts a planned campaign code from surge detection but not from its hard limit', () => {
    const policy: PolicyInput = {
      campaigns: [
        {
          id: 'c',
          startsAt: '2026-11-11T00:00:00+07:00',
          endsAt: '2026-11-12T00:00:00+07:00',
          vouchers: ['CODE'],
        },
      ],
    };
    const surge = facts({ windows: counts(100, 500, 500), baselineCount: 0, baselineSeconds: 0 });
    expect(rulesOf(withVoucher, policy, surge)).toEqual([]);
    const limited = { ...policy, vouchers: { CODE: { velocity: { maxPerWindow: 400 } } } };
    expect(rulesOf(withVoucher, limited, surge)).toEqual(['voucher_velocity']);
  });
});

describe('poissonTail', () => {
  it('is 1 at zero, falls with k and matches known values', () => {
    expect(poissonTail(0, 3)).toBe(1);
    expect(poissonTail(1, 1)).toBeCloseTo(1 - Math.exp(-1), 12);
    expect(poissonTail(10, 1)).toBeCloseTo(1.1142e-7, 10);
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 2000, noNaN: true }),
        fc.integer({ min: 0, max: 3000 }),
        (lambda, k) => {
          const here = poissonTail(k, lambda);
          expect(here).toBeGreaterThanOrEqual(0);
          expect(here).toBeLessThanOrEqual(1);
          expect(poissonTail(k + 1, lambda)).toBeLessThanOrEqual(here + 1e-12);
        },
      ),
    );
  });
});

describe('voucher_budget', () => {
  const withVoucher = order({ lines: [line('A', 500_000)], vouchers: [{ code: 'CODE', discount: 50_000 }] });
  const state = (extra: Partial<VoucherState>): Facts => ({
    history: new Map(),
    vouchers: new Map([
      ['CODE', { windows: [{ seconds: 60, count: 1 }], baselineCount: 0, baselineSeconds: 0, ...extra }],
    ]),
    unavailable: new Set(),
  });

  it('holds an order that would pass the code budget', () => {
    const policy: PolicyInput = { vouchers: { CODE: { budget: { IDR: 1_000_000 } } } };
    expect(rulesOf(withVoucher, policy, state({ budgetUsed: 960_000 }))).toEqual(['voucher_budget']);
    expect(rulesOf(withVoucher, policy, state({ budgetUsed: 950_000 }))).toEqual([]);
  });

  it('fails closed for a hard-capped code when the store cannot reserve a use', () => {
    const policy: PolicyInput = { vouchers: { CODE: { maxUses: 10 } } };
    const down: Facts = {
      history: new Map(),
      vouchers: new Map(),
      unavailable: new Set(['history', 'vouchers']),
    };
    expect(rulesOf(withVoucher, policy, down)).toEqual(['voucher_budget']);
    expect(rulesOf(withVoucher, {}, down)).toEqual([]); // an uncapped code has nothing to reserve
  });

  it('holds an order the store could not reserve a use for', () => {
    const policy: PolicyInput = { vouchers: { CODE: { maxUses: 10 } } };
    const reasons = run(withVoucher, policy, state({ limitReached: 'maxUses', uses: 10 })).decision.reasons;
    expect(reasons).toEqual([expect.objectContaining({ rule: 'voucher_budget', limit: 10, observed: 11 })]);
  });
});

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
