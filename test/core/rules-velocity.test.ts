// test/core/rules-velocity.test.ts
// voucher_velocity: a code redeemed far above its baseline trips and resumes; poissonTail, the chance it rests on.

import fc from 'fast-check';
import type { Facts, VoucherState } from '../../src/core/facts';
import type { PolicyInput } from '../../src/core/policy';
import { poissonTail } from '../../src/core/rules/velocity';
import { line, order } from '../helpers/orders';
import { NOW, rulesOf, run } from './rules-fixtures';

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
    // Tripped 3 h ago; its rate has been normal for the last 31 min.
    const calmState = {
      windows: counts(0, 1, 2),
      baselineCount: 47,
      baselineSeconds: day,
      trippedAt: NOW - 3 * 3600_000,
      anomalousAt: NOW - 31 * 60_000,
    };
    const calm = facts(calmState);
    const { decision, effects } = run(withVoucher, {}, calm);
    expect(decision.reasons).toEqual([]);
    expect(effects.resumeVouchers).toEqual(['CODE']);
    // A sticky code, or one on-call extended, does not.
    expect(
      run(withVoucher, { vouchers: { CODE: { velocity: { sticky: true } } } }, calm).decision.reasons[0]
        ?.message,
    ).toContain('until on-call clears it');
    const extended = facts({ ...calmState, stickyUntil: NOW + 3600_000 });
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

describe('voucher_velocity: a trip of the surge’s segment, or of every use (velocity.scoped)', () => {
  const day = 23.5 * 3600;
  const counts = (one: number, five: number, thirty: number) => [
    { seconds: 60, count: one },
    { seconds: 300, count: five },
    { seconds: 900, count: thirty },
    { seconds: 1800, count: thirty },
  ];
  const facts = (state: VoucherState): Facts => ({
    history: new Map(),
    vouchers: new Map([['CODE', state]]),
    unavailable: new Set(),
  });
  /** Used alone twice an hour for a day; then 38 uses stacked with EXTRA in five minutes beside 2 alone. */
  const surging = (extra: Partial<VoucherState> = {}): Facts =>
    facts({
      windows: counts(9, 40, 41),
      baselineCount: 47,
      baselineSeconds: day,
      traits: [
        { trait: 'stacked', value: '', windows: counts(1, 2, 3), baselineCount: 47 },
        { trait: 'stacked', value: 'EXTRA', windows: counts(8, 38, 38), baselineCount: 0 },
      ],
      ...extra,
    });
  const scope = { trait: 'stacked' as const, normal: [''], surge: ['EXTRA'] };
  const alone = order({ lines: [line('A', 500_000)], vouchers: [{ code: 'CODE', discount: 50_000 }] });
  const stacked = order({
    lines: [line('A', 500_000)],
    vouchers: [
      { code: 'CODE', discount: 50_000 },
      { code: 'EXTRA', discount: 10_000 },
    ],
  });
  const holdOf = (evaluation: ReturnType<typeof run>) =>
    evaluation.decision.reasons.find(
      (reason) => reason.rule === 'voucher_velocity' && reason.voucher === 'CODE',
    );
  const whole = { velocity: { scoped: false } };

  it('trips for the surge’s segment and lets the code’s normal use through, by default', () => {
    const trip = run(stacked, {}, surging());
    expect(trip.effects.tripVouchers).toEqual(['CODE']);
    expect(trip.effects.tripScopes).toEqual([{ code: 'CODE', scope }]);
    expect(holdOf(trip)?.message).toContain('Its new uses stacked with EXTRA');
    const normal = run(alone, {}, surging());
    expect(normal.effects.tripVouchers).toEqual(['CODE']);
    expect(holdOf(normal)).toBeUndefined();
  });

  it('trips for every use when the policy says scoped: false, for every code or for one', () => {
    for (const policy of [whole, { vouchers: { CODE: whole } }]) {
      const trip = run(alone, policy, surging());
      expect(trip.effects.tripVouchers).toEqual(['CODE']);
      expect(trip.effects.tripScopes).toBeUndefined();
      expect(holdOf(trip)?.message).toContain('Its new uses are held while the surge lasts.');
      expect(holdOf(trip)?.message).not.toContain('normal use');
    }
  });

  it('widens a scoped trip in force to every use once the policy says scoped: false', () => {
    const tripped = { trippedAt: NOW - 60_000, anomalousAt: NOW - 60_000, scope };
    // Scoped: the normal use goes on.
    expect(holdOf(run(alone, {}, surging(tripped)))).toBeUndefined();
    // Not scoped: held, and the trip widens, while the surge lasts and after it.
    const surge = run(alone, whole, surging(tripped));
    expect(holdOf(surge)?.message).not.toContain('stacked with');
    expect(surge.effects.widenVouchers).toEqual(['CODE']);
    const calm = surging({ ...tripped, windows: counts(0, 1, 2), traits: undefined });
    const after = run(alone, whole, calm);
    expect(holdOf(after)?.message).toContain('are held until its rate has been normal');
    expect(after.effects.widenVouchers).toEqual(['CODE']);
    // A trip that resumes does not widen first.
    const resumed = run(
      alone,
      whole,
      surging({
        ...tripped,
        windows: counts(0, 1, 2),
        trippedAt: NOW - 3 * 3600_000,
        anomalousAt: NOW - 31 * 60_000,
      }),
    );
    expect(resumed.effects.resumeVouchers).toEqual(['CODE']);
    expect(resumed.effects.widenVouchers).toBeUndefined();
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
