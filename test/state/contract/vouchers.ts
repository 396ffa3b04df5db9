// test/state/contract/vouchers.ts
// Voucher counters in the GuardStore contract: attempts, unknown codes, hard caps, velocity, budget, idempotent prepare.

import { NO_FACTS } from '../../../src/core/facts';
import type { GuardStore } from '../../../src/ports/store';
import { line } from '../../helpers/orders';
import { type ContractSuite, parsed, policyOf, type StoreUnderTest, submit, T0 } from './setup';

/** Registers the voucher-counter tests of the contract. */
export function vouchersContract(suite: ContractSuite): void {
  let subject: StoreUnderTest;
  let store: GuardStore;

  beforeEach(() => {
    subject = suite.subject;
    store = suite.store;
  });

  test('voucher attempts count once per order id, held orders included', async () => {
    const policy = policyOf({ vouchers: { KNOWN: {} } });
    const seen: number[] = [];
    for (let index = 0; index < 4; index++) {
      const input = parsed({
        orderId: `v${index}`,
        lines: [line('S', 1000)],
        vouchers: [{ code: 'KNOWN', discount: 10 }],
      });
      const facts = await store.prepare(input, policy, T0 + index * 1000);
      seen.push(facts.vouchers.get('KNOWN')!.windows.at(-1)!.count);
      await subject.flush();
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    const retry = parsed({
      orderId: 'v3',
      lines: [line('S', 1000)],
      vouchers: [{ code: 'KNOWN', discount: 10 }],
    });
    expect((await store.prepare(retry, policy, T0 + 5000)).vouchers.get('KNOWN')!.windows.at(-1)!.count).toBe(
      4,
    );
    await subject.flush();
    const next = parsed({
      orderId: 'v9',
      lines: [line('S', 1000)],
      vouchers: [{ code: 'KNOWN', discount: 10 }],
    });
    expect((await store.prepare(next, policy, T0 + 6000)).vouchers.get('KNOWN')!.windows.at(-1)!.count).toBe(
      5,
    );
  });

  test('unknown codes are tracked only after admitAfter attempts', async () => {
    const policy = policyOf({ unknownVouchers: { admitAfter: 3 } });
    const states = [];
    for (let index = 0; index < 4; index++) {
      const input = parsed({
        orderId: `u${index}`,
        lines: [line('S', 1000)],
        vouchers: [{ code: 'RANDOM', discount: 1 }],
      });
      states.push(
        (await store.prepare(input, policy, T0 + index))?.vouchers.get('RANDOM')?.windows.at(-1)?.count,
      );
      await subject.flush();
    }
    expect(states).toEqual([undefined, undefined, 3, 4]);
    const off = policyOf({ unknownVouchers: { track: false } });
    const input = parsed({
      orderId: 'u9',
      lines: [line('S', 1000)],
      vouchers: [{ code: 'OTHER', discount: 1 }],
    });
    expect((await store.prepare(input, off, T0)).vouchers.has('OTHER')).toBe(false);
  });

  test('hard caps reserve uses up to maxUses; a rejected order gives its use back', async () => {
    const policy = policyOf({ vouchers: { CAP2: { maxUses: 2 } } });
    const voucherOrder = (orderId: string, customerId: string) =>
      parsed({ orderId, customerId, lines: [line('S', 1000)], vouchers: [{ code: 'CAP2', discount: 10 }] });
    const a = await submit(store, policy, voucherOrder('c1', 'x'), T0);
    const b = await submit(store, policy, voucherOrder('c2', 'y'), T0 + 1);
    const c = await submit(store, policy, voucherOrder('c3', 'z'), T0 + 2);
    expect(a.facts.vouchers.get('CAP2')).toMatchObject({ uses: 1 });
    expect(b.facts.vouchers.get('CAP2')).toMatchObject({ uses: 2 });
    expect(c.facts.vouchers.get('CAP2')).toMatchObject({ uses: 2, limitReached: 'maxUses' });
    expect(c.evaluation.decision.reasons.map((reason) => reason.rule)).toContain('voucher_budget');
    expect(c.created).toBe(true);
    // Hold c2 by hand so it can be rejected: reject gives its reservation back.
    const held = await store.hold(voucherOrder('c2', 'y'), b.evaluation, policy, T0 + 3);
    expect(held.created).toBe(true);
    expect(
      (await suite.review.decide({ orderId: 'c2', to: 'rejected', actor: 'bob', note: 'leak', now: T0 + 4 }))
        .ok,
    ).toBe(true);
    const d = await submit(store, policy, voucherOrder('c4', 'w'), T0 + 5);
    expect(d.facts.vouchers.get('CAP2')).toMatchObject({ uses: 2 });
    expect(d.facts.vouchers.get('CAP2')?.limitReached).toBeUndefined();
  });

  test('maxUsesPerCustomer caps one customer, not the others', async () => {
    const policy = policyOf({ vouchers: { ONCE: { maxUsesPerCustomer: 1 } } });
    const voucherOrder = (orderId: string, customerId: string) =>
      parsed({ orderId, customerId, lines: [line('S', 1000)], vouchers: [{ code: 'ONCE', discount: 10 }] });
    expect((await store.prepare(voucherOrder('p1', 'ann'), policy, T0)).vouchers.get('ONCE')).toMatchObject({
      customerUses: 1,
    });
    const again = await store.prepare(voucherOrder('p2', 'ann'), policy, T0 + 1);
    expect(again.vouchers.get('ONCE')).toMatchObject({ customerUses: 1, limitReached: 'maxUsesPerCustomer' });
    expect(
      (await store.prepare(voucherOrder('p3', 'ben'), policy, T0 + 2)).vouchers.get('ONCE')?.limitReached,
    ).toBeUndefined();
  });

  test('a velocity trip is sticky until clearVoucher, which restarts the counters', async () => {
    const policy = policyOf({ vouchers: { LEAK: { velocity: { maxPerWindow: 2 } } } });
    const voucherOrder = (orderId: string) =>
      parsed({ orderId, lines: [line('S', 1000)], vouchers: [{ code: 'LEAK', discount: 10 }] });
    const results = [];
    for (let index = 0; index < 4; index++) {
      results.push(await submit(store, policy, voucherOrder(`l${index}`), T0 + index * 1000));
      await subject.flush();
    }
    expect(results.map((result) => result.evaluation.decision.decision)).toEqual([
      'allow',
      'allow',
      'hold',
      'hold',
    ]);
    expect(results[3]!.facts.vouchers.get('LEAK')!.trippedAt).toBe(T0 + 2000);
    expect(await suite.review.clearVoucher('NEVER-TRIPPED', 'alice', T0 + 5000)).toBe(false);
    expect(await suite.review.clearVoucher('LEAK', 'alice', T0 + 5000)).toBe(true);
    const after = await submit(store, policy, voucherOrder('l9'), T0 + 6000);
    expect(after.evaluation.decision.decision).toBe('allow');
    expect(after.facts.vouchers.get('LEAK')).toMatchObject({
      windows: expect.arrayContaining([expect.objectContaining({ count: 1 })]),
    });
    expect(after.facts.vouchers.get('LEAK')!.trippedAt).toBeUndefined();
    expect((await store.auditTrail({ limit: 1 }))[0]).toMatchObject({
      action: 'voucher_cleared',
      voucher: 'LEAK',
    });
  });

  test('budget use is the discount granted by allowed orders', async () => {
    const policy = policyOf({ vouchers: { BUDGET: { budget: { IDR: 1000 } } } });
    const voucherOrder = (orderId: string) =>
      parsed({ orderId, lines: [line('S', 10_000)], vouchers: [{ code: 'BUDGET', discount: 400 }] });
    const first = await submit(store, policy, voucherOrder('b1'), T0);
    expect(first.facts.vouchers.get('BUDGET')).toMatchObject({ budgetUsed: 0 });
    await submit(store, policy, voucherOrder('b2'), T0 + 1);
    await subject.flush();
    const third = await submit(store, policy, voucherOrder('b3'), T0 + 2);
    expect(third.facts.vouchers.get('BUDGET')).toMatchObject({ budgetUsed: 800 });
    expect(third.evaluation.decision.decision).toBe('hold');
  });

  test('prepare of the same order id twice returns the same facts (idempotent resubmission)', async () => {
    const policy = policyOf({ vouchers: { CAP: { maxUses: 5 } } });
    const input = parsed({
      orderId: 'same',
      lines: [line('S', 1000)],
      vouchers: [{ code: 'CAP', discount: 1 }],
    });
    const first = await store.prepare(input, policy, T0);
    await subject.flush();
    const second = await store.prepare(input, policy, T0 + 1);
    expect(second.vouchers.get('CAP')).toEqual(first.vouchers.get('CAP'));
    expect(second.vouchers.get('CAP')).toMatchObject({
      uses: 1,
      windows: expect.arrayContaining([expect.objectContaining({ count: 1 })]),
    });
    expect(NO_FACTS.unavailable.size).toBe(0);
  });

  describe('a trip scoped to the surge', () => {
    const policy = policyOf({ vouchers: { DAILY: {}, EXTRA: {} } });
    const MINUTE = 60_000;
    let sequence = 0;
    const use = async (at: number, codes: string[], judged = policy) => {
      sequence += 1;
      const input = parsed({
        orderId: `sc${sequence}`,
        lines: [line('S', 100_000)],
        vouchers: codes.map((code) => ({ code, discount: 1000 })),
      });
      const result = await submit(store, judged, input, at);
      await subject.flush();
      return result;
    };
    /** Six hours of the code's normal use: alone, every ten minutes, ending an hour before T0. */
    const normalDay = async () => {
      for (let minute = -7 * 60; minute < -60; minute += 10) await use(T0 + minute * MINUTE, ['DAILY']);
    };

    test('holds the uses stacked with the other code and lets the code used alone through, naming the segment', async () => {
      await normalDay();
      const stacked = [];
      for (let index = 0; index < 12; index++) {
        stacked.push(await use(T0 + index * 5000, ['DAILY', 'EXTRA']));
        if (index % 3 === 2) {
          const alone = await use(T0 + index * 5000 + 1000, ['DAILY']);
          expect(alone.evaluation.decision.reasons).toEqual([]);
        }
      }
      const tripped = stacked.findIndex((result) => result.evaluation.decision.decision === 'hold');
      expect(tripped).toBeGreaterThan(0);
      expect(stacked.slice(tripped).every((result) => result.evaluation.decision.decision === 'hold')).toBe(
        true,
      );
      const reason = stacked.at(-1)!.evaluation.decision.reasons.find((one) => one.voucher === 'DAILY');
      expect(reason?.message).toContain('stacked with EXTRA');
      const later = await use(T0 + 2 * MINUTE, ['DAILY']);
      expect(later.evaluation.decision.decision).toBe('allow');
      expect(later.facts.vouchers.get('DAILY')).toMatchObject({
        trippedAt: expect.any(Number),
        scope: { trait: 'stacked', normal: [''], surge: ['EXTRA'] },
      });
      const trip = await store.voucherTrip?.('DAILY', T0 + 3 * MINUTE);
      expect(trip).toMatchObject({ voucher: 'DAILY', scope: { trait: 'stacked', normal: [''] } });
      expect(trip?.segment).toContain('stacked with EXTRA');
      // The trip panel's list says which uses it holds.
      const listed = (await store.listTrips(T0 + 3 * MINUTE)).find((one) => one.code === 'DAILY');
      expect(listed).toMatchObject({ code: 'DAILY', segment: trip?.segment });
      expect(listed?.reason).toContain('stacked with EXTRA');
    });

    test('widens to every use once the uses outside the segment surge too (abusers dressed as normal use)', async () => {
      await normalDay();
      for (let index = 0; index < 12; index++) await use(T0 + index * 5000, ['DAILY', 'EXTRA']);
      const dressed = [];
      for (let index = 0; index < 30; index++) dressed.push(await use(T0 + MINUTE + index * 2000, ['DAILY']));
      const first = dressed.findIndex((result) => result.evaluation.decision.decision === 'hold');
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(20);
      expect(dressed[first]!.evaluation.decision.reasons[0]?.message).toContain('normal use is surging too');
      const after = await use(T0 + 3 * MINUTE, ['DAILY']);
      expect(after.evaluation.decision.decision).toBe('hold');
      expect(after.facts.vouchers.get('DAILY')).toMatchObject({ widenedAt: expect.any(Number) });
      expect(after.facts.vouchers.get('DAILY')!.scope).toBeUndefined();
      const listed = (await store.listTrips(T0 + 3 * MINUTE)).find((one) => one.code === 'DAILY');
      expect(listed).toMatchObject({ widenedAt: expect.any(Number) });
      expect(listed?.segment).toBeUndefined();
    });

    test('widens to every use at the next use once the policy says scoped: false', async () => {
      await normalDay();
      for (let index = 0; index < 12; index++) await use(T0 + index * 5000, ['DAILY', 'EXTRA']);
      expect((await store.voucherTrip?.('DAILY', T0 + MINUTE))?.scope).toBeDefined();
      const whole = policyOf({ vouchers: { DAILY: { velocity: { scoped: false } }, EXTRA: {} } });
      const alone = await use(T0 + MINUTE, ['DAILY'], whole);
      expect(alone.evaluation.decision.decision).toBe('hold');
      const trip = await store.voucherTrip?.('DAILY', T0 + 2 * MINUTE);
      expect(trip).toMatchObject({ voucher: 'DAILY', widenedAt: T0 + MINUTE });
      expect(trip?.scope).toBeUndefined();
      const listed = (await store.listTrips(T0 + 2 * MINUTE)).find((one) => one.code === 'DAILY');
      expect(listed).toMatchObject({ widenedAt: T0 + MINUTE });
      expect(listed?.segment).toBeUndefined();
      // Held under the policy that scoped it too: the trip in force holds every use now.
      expect((await use(T0 + 2 * MINUTE, ['DAILY'])).evaluation.decision.decision).toBe('hold');
    });

    test('holds every use when nothing sets the surge apart (a young code, no normal use to spare)', async () => {
      const results = [];
      for (let index = 0; index < 12; index++) results.push(await use(T0 + index * 5000, ['DAILY', 'EXTRA']));
      const later = await use(T0 + MINUTE, ['DAILY']);
      expect(later.evaluation.decision.decision).toBe('hold');
      expect(later.facts.vouchers.get('DAILY')!.scope).toBeUndefined();
    });
  });
}
