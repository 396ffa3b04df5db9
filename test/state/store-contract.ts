// test/state/store-contract.ts
// The behaviour every GuardStore must have, as one suite run against each store (see store-contract.test.ts).

import { evaluate } from '../../src/core/evaluate';
import { NO_FACTS } from '../../src/core/facts';
import { type Order, OrderParser } from '../../src/core/order';
import { type Policy, type PolicyInput, parsePolicy } from '../../src/core/policy';
import type { GuardStore } from '../../src/state/types';
import { line, order } from '../helpers/orders';

/** A store under test, and how to make its write-behind visible. */
export interface StoreUnderTest {
  store: GuardStore;
  /** Writes anything buffered (a no-op for stores without write-behind). */
  flush(): Promise<void>;
}

/** Makes a fresh, empty store; `close` releases it. */
export interface StoreFactory {
  make(): Promise<StoreUnderTest>;
  /** A second view of the same shared state (another instance), when the store is shared; else undefined. */
  twin?(of: StoreUnderTest): Promise<StoreUnderTest>;
  close(): Promise<void>;
}

const parser = new OrderParser();
const T0 = Date.UTC(2026, 10, 11, 1, 0, 0);

function parsed(input: Parameters<typeof order>[0]): Order {
  const result = parser.parse(order(input));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.order;
}

function policyOf(input: PolicyInput = {}): Policy {
  return parsePolicy(input);
}

/** Runs prepare, evaluate, then hold or commit, as the Guard does. */
async function submit(store: GuardStore, policy: Policy, input: Order, now: number) {
  const facts = await store.prepare(input, policy, now);
  const evaluation = evaluate(input, policy, facts, now);
  if (evaluation.decision.decision === 'hold') {
    const { held, created } = await store.hold(input, evaluation, policy, now);
    return { facts, evaluation, held, created };
  }
  await store.commit(input, evaluation, policy, now);
  return { facts, evaluation, held: undefined, created: false };
}

/** The shared behavioural suite; call it inside a describe block per store. */
export function storeContract(factory: () => StoreFactory): void {
  let context: StoreFactory;
  let subject: StoreUnderTest;
  let store: GuardStore;

  beforeAll(() => {
    context = factory();
  });
  beforeEach(async () => {
    subject = await context.make();
    store = subject.store;
  });
  afterEach(async () => {
    await store.shutdown?.();
  });
  afterAll(async () => {
    await context.close();
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
    expect(facts.history.get('IDR:SKU-A')).toEqual({ samples: 3, median: 1000 });
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
    expect(facts.history.get('IDR:SKU-B')).toEqual({ samples: 5, median: 105 });
    await store.resetHistory('SKU-B', 'alice', T0 + 11);
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
      seen.push(facts.vouchers.get('KNOWN')!.windowCount);
      await subject.flush();
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    const retry = parsed({
      orderId: 'v3',
      lines: [line('S', 1000)],
      vouchers: [{ code: 'KNOWN', discount: 10 }],
    });
    expect((await store.prepare(retry, policy, T0 + 5000)).vouchers.get('KNOWN')!.windowCount).toBe(4);
    await subject.flush();
    const next = parsed({
      orderId: 'v9',
      lines: [line('S', 1000)],
      vouchers: [{ code: 'KNOWN', discount: 10 }],
    });
    expect((await store.prepare(next, policy, T0 + 6000)).vouchers.get('KNOWN')!.windowCount).toBe(5);
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
      states.push((await store.prepare(input, policy, T0 + index))?.vouchers.get('RANDOM')?.windowCount);
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
      (await store.decide({ orderId: 'c2', to: 'rejected', actor: 'bob', note: 'leak', now: T0 + 4 })).ok,
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
    expect(await store.clearVoucher('NEVER-TRIPPED', 'alice', T0 + 5000)).toBe(false);
    expect(await store.clearVoucher('LEAK', 'alice', T0 + 5000)).toBe(true);
    const after = await submit(store, policy, voucherOrder('l9'), T0 + 6000);
    expect(after.evaluation.decision.decision).toBe('allow');
    expect(after.facts.vouchers.get('LEAK')).toMatchObject({ windowCount: 1 });
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

  test('a hold is stored once per order id and read back whole', async () => {
    const policy = policyOf();
    const input = parsed({
      orderId: 'h1',
      customerId: 'c',
      lines: [line('TOTE', 4_700_000, 4_700_000)],
      total: 0,
    });
    const first = await submit(store, policy, input, T0);
    expect(first.created).toBe(true);
    const again = await store.hold(input, first.evaluation, policy, T0 + 10);
    expect(again.created).toBe(false);
    expect(again.held.heldAt).toBe(T0);
    const stored = await store.getHold('h1');
    expect(stored).toMatchObject({
      orderId: 'h1',
      status: 'pending',
      version: 1,
      heldAt: T0,
      updatedAt: T0,
      order: input,
      skus: ['TOTE'],
      listValue: 4_700_000,
      discount: 4_700_000,
    });
    expect(stored!.rules).toEqual(expect.arrayContaining(['zero_total']));
    expect(stored!.decision.reasons).toEqual(first.evaluation.decision.reasons);
    expect(await store.getHold('nope')).toBeUndefined();
    expect((await store.queueStats(T0)).byStatus).toEqual({ pending: 1, approved: 0, rejected: 0 });
    expect(await store.auditTrail({ orderId: 'h1', limit: 10 })).toEqual([
      expect.objectContaining({ action: 'held', orderId: 'h1', actor: 'guard' }),
    ]);
  });

  test('listHolds filters by status, rule, sku, voucher and time, newest first, across pages', async () => {
    const policy = policyOf();
    for (let index = 0; index < 25; index++) {
      const input = parsed({
        orderId: `o${String(index).padStart(2, '0')}`,
        lines: [line(index % 2 === 0 ? 'EVEN' : 'ODD', 1000)],
        vouchers: index % 5 === 0 ? [{ code: 'FIVE', discount: 0 }] : [],
        total: 0,
      });
      await submit(store, policy, input, T0 + index * 1000);
    }
    await store.decide({ orderId: 'o04', to: 'approved', actor: 'a', note: 'ok', now: T0 + 99_000 });
    const all: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await store.listHolds({}, 7, cursor);
      all.push(...result.items.map((held) => held.orderId));
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    expect(all).toEqual(Array.from({ length: 25 }, (_, index) => `o${String(24 - index).padStart(2, '0')}`));
    const ids = async (filter: Parameters<GuardStore['listHolds']>[0]) =>
      (await store.listHolds(filter, 100)).items.map((held) => held.orderId);
    expect(await ids({ sku: 'ODD', from: T0 + 20_000 })).toEqual(['o23', 'o21']);
    expect(await ids({ voucher: 'FIVE' })).toEqual(['o20', 'o15', 'o10', 'o05', 'o00']);
    expect(await ids({ status: 'approved' })).toEqual(['o04']);
    expect(await ids({ status: 'pending', sku: 'EVEN', to: T0 + 6000 })).toEqual(['o02', 'o00']);
    expect(await ids({ rule: 'zero_total', from: T0 + 23_000 })).toEqual(['o24', 'o23']);
    expect(await ids({ rule: 'below_floor' })).toEqual([]);
    const stats = await store.queueStats(T0);
    expect(stats).toEqual({ byStatus: { pending: 24, approved: 1, rejected: 0 }, oldestPendingAt: T0 });
  });

  test('claim and decide: versions, conflicts, and exactly one of concurrent decisions wins', async () => {
    const policy = policyOf();
    await submit(store, policy, parsed({ orderId: 'd1', lines: [line('S', 1000)], total: 0 }), T0);
    expect((await store.claim('nope', 'a', T0)).ok).toBe(false);
    const claimed = await store.claim('d1', 'alice', T0 + 1);
    expect(claimed).toMatchObject({ ok: true, held: { assignee: 'alice', version: 2, updatedAt: T0 + 1 } });
    expect(
      await store.decide({
        orderId: 'd1',
        to: 'approved',
        actor: 'b',
        note: '',
        expectedVersion: 1,
        now: T0 + 2,
      }),
    ).toMatchObject({ ok: false, reason: 'version_conflict', held: { version: 2 } });
    const racers = await Promise.all(
      ['approved', 'rejected', 'approved', 'rejected', 'approved'].map((to, index) =>
        store.decide({
          orderId: 'd1',
          to: to as 'approved' | 'rejected',
          actor: `r${index}`,
          note: 'race',
          expectedVersion: 2,
          now: T0 + 3,
        }),
      ),
    );
    const winners = racers.filter((result) => result.ok);
    expect(winners).toHaveLength(1);
    expect(racers.filter((result) => !result.ok && result.reason === 'already_decided')).toHaveLength(4);
    const final = await store.getHold('d1');
    expect(final).toMatchObject({ version: 3, status: winners[0]!.ok ? winners[0]!.held.status : '' });
    expect(final!.resolution).toMatchObject({ note: 'race', at: T0 + 3 });
    expect(
      (await store.decide({ orderId: 'missing', to: 'approved', actor: 'a', note: '', now: T0 })).ok,
    ).toBe(false);
    const trail = await store.auditTrail({ orderId: 'd1', limit: 10 });
    expect(trail.map((entry) => entry.action)).toEqual([final!.status, 'claimed', 'held']);
    await store.audit({ at: T0 + 9, actor: 'ops', action: 'voucher_cleared', voucher: 'X' });
    expect((await store.auditTrail({ limit: 1 }))[0]).toMatchObject({ actor: 'ops', voucher: 'X' });
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
    expect(second.vouchers.get('CAP')).toMatchObject({ uses: 1, windowCount: 1 });
    expect(NO_FACTS.unavailable.size).toBe(0);
  });
}
