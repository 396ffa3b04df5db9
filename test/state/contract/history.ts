// test/state/contract/history.ts
// Price history in the GuardStore contract: built by allowed orders only, capped, per currency, reset; the anchor a drift cannot walk.

import type { GuardStore } from '../../../src/ports/store';
import { line } from '../../helpers/orders';
import { type ContractSuite, parsed, policyOf, type StoreUnderTest, submit, T0 } from './setup';

/** Registers the price-history tests of the contract. */
export function historyContract(suite: ContractSuite): void {
  let subject: StoreUnderTest;
  let store: GuardStore;

  beforeEach(() => {
    subject = suite.subject;
    store = suite.store;
  });

  test('an unknown SKU has no history; allowed orders build it, held orders do not', async () => {
    const policy = policyOf({ history: { minSamples: 3 } });
    const first = await store.prepare(parsed({ lines: [line('SKU-A', 1000)] }), policy, T0);
    expect(first.history.size).toBe(0);
    expect(first.unavailable.size).toBe(0);
    for (const [index, price] of [1000, 1200, 900].entries()) {
      await submit(
        store,
        policy,
        parsed({ orderId: `a${index}`, lines: [line('SKU-A', price)] }),
        T0 + index,
      );
    }
    // A held order (zero total) must not poison the history.
    const zero = await submit(
      store,
      policy,
      parsed({ orderId: 'z', lines: [line('SKU-A', 5)], total: 0 }),
      T0 + 5,
    );
    expect(zero.evaluation.decision.decision).toBe('hold');
    await subject.flush();
    const facts = await store.prepare(
      parsed({ orderId: 'probe', lines: [line('SKU-A', 1000)] }),
      policy,
      T0 + 10,
    );
    expect(facts.history.get('IDR:SKU-A')).toMatchObject({ samples: 3, median: 1000 });
  });

  test('history is capped at maxSamples, per currency, and resetHistory forgets every currency', async () => {
    const policy = policyOf({ history: { minSamples: 3, maxSamples: 5 } });
    for (let index = 0; index < 8; index++) {
      await submit(
        store,
        policy,
        parsed({ orderId: `i${index}`, lines: [line('SKU-B', 100 + index)] }),
        T0 + index,
      );
    }
    await submit(
      store,
      policy,
      parsed({ orderId: 'usd', currency: 'USD', lines: [line('SKU-B', 7)] }),
      T0 + 9,
    );
    await subject.flush();
    const facts = await store.prepare(parsed({ orderId: 'p', lines: [line('SKU-B', 1)] }), policy, T0 + 10);
    expect(facts.history.get('IDR:SKU-B')).toMatchObject({ samples: 5, median: 105 });
    await suite.review.resetHistory('SKU-B', 'alice', T0 + 11);
    const idr = await store.prepare(parsed({ orderId: 'q', lines: [line('SKU-B', 1)] }), policy, T0 + 12);
    const usd = await store.prepare(
      parsed({ orderId: 'r', currency: 'USD', lines: [line('SKU-B', 1)] }),
      policy,
      T0 + 12,
    );
    expect(idr.history.size).toBe(0);
    expect(usd.history.size).toBe(0);
    expect((await store.auditTrail({ limit: 1 }))[0]).toMatchObject({
      action: 'history_reset',
      sku: 'SKU-B',
    });
  });

  describe('the anchor: a drift in small steps cannot walk it', () => {
    const MINUTE = 60_000;
    // A short window that follows fast, so a few orders per step move the median.
    const policy = policyOf({ history: { minSamples: 5, maxSamples: 9, bucketSeconds: 60, perBucket: 100 } });
    let sequence = 0;
    /** `count` allowed-or-held orders of SKU-D at `price`, one a second from `at`, then a flush. */
    const sell = async (price: number, at: number, count = 6, sku = 'SKU-D', use = policy) => {
      const results = [];
      for (let index = 0; index < count; index++) {
        sequence += 1;
        const input = parsed({ orderId: `d${sequence}`, lines: [line(sku, price)] });
        results.push(await submit(store, use, input, at + index * 1000));
      }
      await subject.flush();
      return results;
    };
    const probe = async (sku: string, at: number, use = policy) => {
      sequence += 1;
      const facts = await store.prepare(parsed({ orderId: `p${sequence}`, lines: [line(sku, 1)] }), use, at);
      return facts.history.get(`IDR:${sku}`);
    };

    test('is learned from the median once there are minSamples samples, and is not moved by a drift within a day', async () => {
      await sell(1000, T0);
      expect((await probe('SKU-D', T0 + MINUTE))?.anchor).toMatchObject({ price: 1000, source: 'learned' });
      // Down 5% a step, every ten minutes: the median follows (9 samples), the anchor stays.
      let price = 1000;
      let at = T0 + 10 * MINUTE;
      const held: Array<{ price: number; reason: string }> = [];
      while (price > 300) {
        price = Math.floor(price * 0.95);
        for (const { evaluation } of await sell(price, at, 6)) {
          const reason = evaluation.decision.reasons[0];
          if (reason) held.push({ price, reason: reason.message });
        }
        at += 10 * MINUTE;
      }
      // Every order under half the anchor is held, and none above it.
      expect(held.length).toBeGreaterThan(0);
      expect(Math.max(...held.map((one) => one.price))).toBeLessThan(500);
      expect(held[0]!.reason).toMatch(/drifted from IDR 1,000 \(anchor\) to IDR 4\d\d over \d+ hours/);
      const history = await probe('SKU-D', at);
      expect(history?.anchor?.price).toBe(1000);
      expect(history?.median).toBeGreaterThan(500);
    });

    test('holds a rise in small steps past 3x the anchor too', async () => {
      await sell(1000, T0);
      let price = 1000;
      let at = T0 + 10 * MINUTE;
      let firstHeld: number | undefined;
      while (price < 4000 && firstHeld === undefined) {
        price = Math.ceil(price * 1.08);
        const results = await sell(price, at, 6);
        const reason = results.find((result) => result.evaluation.decision.reasons.length > 0);
        if (reason) {
          firstHeld = price;
          expect(reason.evaluation.decision.reasons[0]).toMatchObject({
            rule: 'above_recent_price',
            limit: 3000,
            message: expect.stringContaining('drifted from IDR 1,000 (anchor)'),
          });
        }
        at += 10 * MINUTE;
      }
      expect(firstHeld).toBeGreaterThan(3000);
    });

    test('accept-price moves it at once; so does approving a hold the drift raised', async () => {
      await sell(1000, T0);
      let price = 1000;
      let at = T0 + 10 * MINUTE;
      while (price >= 500) {
        price = Math.floor(price * 0.93);
        await sell(price, at, 6);
        at += 10 * MINUTE;
      }
      const [held] = await sell(price, at, 1);
      expect(held!.evaluation.decision.decision).toBe('hold');
      // Approving it: a person confirmed that price, so the anchor moves to the median it makes.
      const decided = await suite.review.decide({
        orderId: held!.held!.orderId,
        to: 'approved',
        actor: 'ana',
        note: 'repricing confirmed',
        now: at + MINUTE,
      });
      expect(decided.ok).toBe(true);
      await subject.flush();
      const approved = await probe('SKU-D', at + 2 * MINUTE);
      expect(approved?.anchor).toMatchObject({ source: 'accepted' });
      expect(approved!.anchor!.price).toBeLessThan(1000);
      const [after] = await sell(price, at + 3 * MINUTE, 1);
      expect(after!.evaluation.decision.decision).toBe('allow');
      // accept-price sets it outright.
      await suite.review.acceptPrice('SKU-D', 'IDR', 2000, 'ana', at + 4 * MINUTE);
      expect((await probe('SKU-D', at + 5 * MINUTE))?.anchor).toMatchObject({
        price: 2000,
        source: 'accepted',
      });
    });

    test('a declared price change supersedes it: the declared price rules, then a new anchor is learned', async () => {
      await sell(1000, T0, 6, 'SKU-E');
      const declared = policyOf({
        history: { minSamples: 5, maxSamples: 9, bucketSeconds: 60, perBucket: 100 },
        priceChanges: [
          { sku: 'SKU-E', at: new Date(T0 + 30 * MINUTE).toISOString(), listPrice: { IDR: 300 } },
        ],
      });
      const results = await sell(300, T0 + 31 * MINUTE, 6, 'SKU-E', declared);
      expect(results.map((result) => result.evaluation.decision.decision)).toEqual(Array(6).fill('allow'));
      expect((await probe('SKU-E', T0 + 40 * MINUTE, declared))?.anchor).toMatchObject({
        price: 300,
        source: 'learned',
      });
    });

    test('follows the median it recorded a day before, by at most anchorFollowBp a day', async () => {
      await sell(1000, T0);
      // A lasting change to 800 (within the bound, so allowed): the anchor waits a day, then moves 10% a day.
      await sell(800, T0 + 60 * MINUTE);
      expect((await probe('SKU-D', T0 + 2 * 60 * MINUTE))?.anchor?.price).toBe(1000);
      const DAY = 24 * 60 * MINUTE;
      await sell(800, T0 + DAY);
      // The first daily move aims at the median recorded when it was learned (1000): it stays, recording 800.
      expect((await probe('SKU-D', T0 + DAY + MINUTE))?.anchor?.price).toBe(1000);
      await sell(800, T0 + 2 * DAY + MINUTE);
      expect((await probe('SKU-D', T0 + 2 * DAY + 2 * MINUTE))?.anchor?.price).toBe(900);
      await sell(800, T0 + 3 * DAY + 2 * MINUTE);
      expect((await probe('SKU-D', T0 + 3 * DAY + 3 * MINUTE))?.anchor?.price).toBe(810);
      await sell(800, T0 + 4 * DAY + 3 * MINUTE);
      expect((await probe('SKU-D', T0 + 4 * DAY + 4 * MINUTE))?.anchor).toMatchObject({
        price: 800,
        source: 'learned',
      });
    });
  });

  test('the anchor is shared state: another instance (or one after a restart) judges against it', async () => {
    const twin = suite.context.twin;
    if (twin === undefined) return; // the embedded store has one instance
    const policy = policyOf({ history: { minSamples: 5, maxSamples: 9, bucketSeconds: 60, perBucket: 100 } });
    for (let index = 0; index < 6; index++) {
      await submit(store, policy, parsed({ orderId: `s${index}`, lines: [line('SKU-S', 1000)] }), T0 + index);
    }
    await subject.flush();
    const other = await twin(subject);
    try {
      // The other instance sees only a median that drifted (its own samples), yet holds against the anchor.
      for (let index = 0; index < 9; index++) {
        await submit(
          other.store,
          policy,
          parsed({ orderId: `t${index}`, lines: [line('SKU-S', 600)] }),
          T0 + 60_000 + index,
        );
      }
      await other.flush();
      const held = await submit(
        other.store,
        policy,
        parsed({ orderId: 'u', lines: [line('SKU-S', 450)] }),
        T0 + 120_000,
      );
      expect(held.facts.history.get('IDR:SKU-S')).toMatchObject({ median: 600, anchor: { price: 1000 } });
      expect(held.evaluation.decision.reasons[0]?.message).toContain('drifted from IDR 1,000 (anchor)');
    } finally {
      await other.store.shutdown?.();
    }
  });
}
