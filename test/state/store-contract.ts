// test/state/store-contract.ts
// The behaviour every GuardStore must have, as one suite run against each store (see store-contract.test.ts).

import { evaluate } from '../../src/core/evaluate';
import { NO_FACTS } from '../../src/core/facts';
import { type Order, OrderParser } from '../../src/core/order';
import { orderDigest } from '../../src/core/order-digest';
import { type Policy, type PolicyInput, parsePolicy } from '../../src/core/policy';
import type { GuardStore, HeldOrder } from '../../src/state/types';
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
    expect(stats).toEqual({
      byStatus: { pending: 24, approved: 1, rejected: 0 },
      oldestPendingAt: T0,
      pendingValue: { IDR: { orders: 24, listValue: 24_000, discount: 0, total: 0 } },
    });
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
    expect(second.vouchers.get('CAP')).toMatchObject({
      uses: 1,
      windows: expect.arrayContaining([expect.objectContaining({ count: 1 })]),
    });
    expect(NO_FACTS.unavailable.size).toBe(0);
  });

  /** Holds an order that is always held (its total is 0 or tampered), with the given money and causes. */
  async function holdOrder(
    orderId: string,
    at: number,
    options: { sku?: string; voucher?: string; price?: number; discount?: number; currency?: string } = {},
  ) {
    const price = options.price ?? 100_000;
    const discount = options.discount ?? price;
    const input = options.voucher
      ? parsed({
          orderId,
          currency: options.currency ?? 'IDR',
          lines: [line(options.sku ?? 'SKU', price)],
          vouchers: [{ code: options.voucher, discount }],
          total: price - discount === 0 ? 0 : 1,
        })
      : parsed({
          orderId,
          currency: options.currency ?? 'IDR',
          lines: [line(options.sku ?? 'SKU', price, discount)],
          total: price - discount === 0 ? 0 : 1,
        });
    const result = await submit(store, policyOf(), input, at);
    if (!result.created) throw new Error(`${orderId} was not held`);
    return result.held!;
  }

  test('queueStats reports the money at stake in pending holds per currency, exactly', async () => {
    expect((await store.queueStats(T0)).pendingValue).toEqual({});
    await holdOrder('m1', T0, { price: 4_700_000 }); // 100% line discount, total 0
    await holdOrder('m2', T0 + 1, { price: 150_000, voucher: 'LEAK', discount: 100_000 }); // total tampered to 1
    await holdOrder('m3', T0 + 2, { price: 1999, discount: 1999, currency: 'USD' });
    await holdOrder('m4', T0 + 3, { price: 250_000, discount: 0 }); // total 1 while it adds up to 250,000
    expect((await store.queueStats(T0)).pendingValue).toEqual({
      IDR: { orders: 3, listValue: 5_100_000, discount: 4_800_000, total: 2 },
      USD: { orders: 1, listValue: 1999, discount: 1999, total: 0 },
    });
    await store.claim('m2', 'ann', T0 + 4); // a claim leaves the money at stake alone
    await store.decide({ orderId: 'm1', to: 'rejected', actor: 'ann', note: 'glitch', now: T0 + 5 });
    await store.decide({ orderId: 'm3', to: 'approved', actor: 'ann', note: 'ok', now: T0 + 6 });
    // A refused decision changes nothing.
    await store.decide({ orderId: 'm3', to: 'rejected', actor: 'bob', note: 'late', now: T0 + 7 });
    expect((await store.queueStats(T0)).pendingValue).toEqual({
      IDR: { orders: 2, listValue: 400_000, discount: 100_000, total: 2 },
    });
    for (const orderId of ['m2', 'm4']) {
      await store.decide({ orderId, to: 'approved', actor: 'ann', note: 'ok', now: T0 + 8 });
    }
    expect((await store.queueStats(T0)).pendingValue).toEqual({});
  });

  test('listGroups groups pending holds by voucher, SKU and rule with counts, times and money', async () => {
    for (let index = 0; index < 6; index++) {
      await holdOrder(`leak${index}`, T0 + index * 1000, {
        sku: index < 4 ? 'TOTE' : 'CASE',
        voucher: 'LEAKED',
        price: 150_000 + index,
        discount: 150_000 + index,
      });
    }
    await holdOrder('usd1', T0 + 10_000, {
      sku: 'TOTE',
      voucher: 'LEAKED',
      price: 2000,
      discount: 2000,
      currency: 'USD',
    });
    await holdOrder('glitch1', T0 + 20_000, { sku: 'TOTE', price: 4_700_000 });
    await holdOrder('glitch2', T0 + 30_000, { sku: 'BAG', price: 900_000, discount: 0 });

    const { groups, total } = await store.listGroups({ kind: 'voucher', limit: 10 });
    expect(total).toBe(1);
    expect(groups).toEqual([
      {
        kind: 'voucher',
        key: 'LEAKED',
        count: 7,
        firstHeldAt: T0,
        lastHeldAt: T0 + 10_000,
        money: {
          IDR: { orders: 6, listValue: 900_015, discount: 900_015, total: 0 },
          USD: { orders: 1, listValue: 2000, discount: 2000, total: 0 },
        },
      },
    ]);
    const skus = await store.listGroups({ kind: 'sku', limit: 2 });
    expect(skus.total).toBe(3);
    expect(skus.groups.map((group) => [group.key, group.count])).toEqual([
      ['TOTE', 6],
      ['CASE', 2],
    ]);
    expect(skus.groups[0]).toMatchObject({ firstHeldAt: T0, lastHeldAt: T0 + 20_000 });
    const byDiscount = await store.listGroups({ kind: 'sku', by: 'discount', currency: 'IDR', limit: 3 });
    expect(byDiscount.groups.map((group) => [group.key, group.money.IDR!.discount])).toEqual([
      ['TOTE', 150_000 + 150_001 + 150_002 + 150_003 + 4_700_000],
      ['CASE', 150_004 + 150_005],
      ['BAG', 0],
    ]);
    expect(
      (await store.listGroups({ kind: 'sku', by: 'discount', currency: 'USD', limit: 3 })).groups,
    ).toEqual([
      expect.objectContaining({
        key: 'TOTE',
        count: 6,
        money: expect.objectContaining({ USD: expect.anything() }),
      }),
    ]);
    const rules = await store.listGroups({ kind: 'rule', limit: 10 });
    expect(rules.groups.find((group) => group.key === 'zero_total')).toMatchObject({ count: 8 });
    const all = await store.listGroups({ limit: 2 });
    expect(all.total).toBe(1 + 3 + rules.total);
    const counts = [...groups, ...skus.groups, ...rules.groups].map((group) => group.count);
    expect(all.groups.map((group) => group.count)).toEqual(counts.sort((a, b) => b - a).slice(0, 2));
    await expect(store.listGroups({ by: 'discount', limit: 3 })).rejects.toThrow(/currency/);

    // Deciding holds takes them out of their groups; a group with none left is gone.
    await store.claim('leak0', 'ann', T0 + 40_000);
    for (const orderId of ['leak0', 'leak4']) {
      await store.decide({ orderId, to: 'rejected', actor: 'ann', note: 'leak', now: T0 + 41_000 });
    }
    const after = await store.listGroups({ kind: 'voucher', limit: 10 });
    expect(after.groups[0]).toMatchObject({
      count: 5,
      firstHeldAt: T0 + 1000,
      lastHeldAt: T0 + 10_000,
      money: { IDR: { orders: 4, listValue: 600_011, discount: 600_011, total: 0 } },
    });
    for (const orderId of ['leak1', 'leak2', 'leak3', 'leak5', 'usd1']) {
      await store.decide({ orderId, to: 'approved', actor: 'ann', note: 'fine', now: T0 + 42_000 });
    }
    expect(await store.listGroups({ kind: 'voucher', limit: 10 })).toEqual({ groups: [], total: 0 });
    const skusLeft = (await store.listGroups({ kind: 'sku', limit: 10 })).groups;
    expect(skusLeft.map((group) => `${group.key}:${group.count}`).sort()).toEqual(['BAG:1', 'TOTE:1']);
    expect(await store.listGroups({ kind: 'sku', by: 'discount', currency: 'USD', limit: 3 })).toEqual({
      groups: [],
      total: 0,
    });
  });

  test('listHolds walks every order oldest first and by money, with cursors, through ties and decisions', async () => {
    // 30 holds: heldAt ties in threes, discounts in five tiers (many equal), one SKU for half of them.
    for (let index = 0; index < 30; index++) {
      await holdOrder(`t${String(index).padStart(2, '0')}`, T0 + Math.floor(index / 3) * 1000, {
        sku: index % 2 === 0 ? 'EVEN' : 'ODD',
        price: 500_000,
        discount: (index % 5) * 100_000,
      });
    }
    const walk = async (
      filter: Parameters<GuardStore['listHolds']>[0],
      order: 'newest' | 'oldest' | 'money',
      size: number,
      between?: (page: number, ids: string[]) => Promise<void>,
    ) => {
      const seen: HeldOrder[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const result = await store.listHolds(filter, size, cursor, order);
        seen.push(...result.items);
        await between?.(
          page,
          result.items.map((held) => held.orderId),
        );
        cursor = result.nextCursor;
        if (cursor === undefined) break;
      }
      return seen;
    };
    const byTime = (a: HeldOrder, b: HeldOrder) => a.heldAt - b.heldAt || (a.orderId < b.orderId ? -1 : 1);
    const byMoney = (a: HeldOrder, b: HeldOrder) =>
      b.discount - a.discount || (a.orderId < b.orderId ? 1 : -1);
    const oldest = await walk({}, 'oldest', 4);
    expect(oldest.map((held) => held.orderId)).toEqual([...oldest].sort(byTime).map((held) => held.orderId));
    expect(oldest).toHaveLength(30);
    const money = await walk({}, 'money', 4);
    expect(money).toHaveLength(30);
    expect(new Set(money.map((held) => held.orderId)).size).toBe(30);
    expect(money.map((held) => held.discount)).toEqual([...money].sort(byMoney).map((held) => held.discount));
    expect(money[0]!.discount).toBe(400_000);
    const newest = await walk({ sku: 'ODD' }, 'newest', 3);
    expect(newest.map((held) => held.orderId)).toEqual(
      [...newest]
        .sort(byTime)
        .reverse()
        .map((held) => held.orderId),
    );
    expect(newest).toHaveLength(15);
    // Time bounds hold in every order.
    const window = { from: T0 + 2000, to: T0 + 5000 };
    for (const order of ['newest', 'oldest', 'money'] as const) {
      const ids = (await walk(window, order, 2)).map((held) => held.orderId).sort();
      expect(ids).toEqual(Array.from({ length: 9 }, (_, index) => `t${String(index + 6).padStart(2, '0')}`));
    }
    // Deciding the last order of each page while walking the pending ones skips and repeats nothing.
    for (const order of ['oldest', 'money'] as const) {
      const decided: string[] = [];
      const pending = await walk({ status: 'pending' }, order, 4, async (_page, ids) => {
        const last = ids[ids.length - 1];
        if (last === undefined || decided.includes(last)) return;
        decided.push(last);
        await store.decide({ orderId: last, to: 'approved', actor: 'ann', note: 'ok', now: T0 + 99_000 });
      });
      const ids = pending.map((held) => held.orderId);
      expect(new Set(ids).size).toBe(ids.length);
      const expected = (await walk({ status: 'pending' }, order, 100)).map((held) => held.orderId);
      expect(ids.filter((id) => !decided.includes(id))).toEqual(expected);
    }
    // A cursor belongs to its order; a malformed one is a TypeError.
    const first = await store.listHolds({}, 2, undefined, 'money');
    await expect(store.listHolds({}, 2, first.nextCursor, 'oldest')).rejects.toThrow(TypeError);
    await expect(store.listHolds({}, 2, 'abc')).rejects.toThrow(TypeError);
  });

  test('an order id is bound to its content: a retry is recognised with its verdict, other content refused', async () => {
    const policy = policyOf();
    const first = parsed({ orderId: 'bind-1', lines: [line('SKU-B', 1000)] });
    const digest = orderDigest(first);
    expect(await store.bind('bind-1', digest, T0)).toEqual({ status: 'new' });
    expect(await store.bind('bind-1', digest, T0 + 1)).toEqual({ status: 'same', verdict: undefined });
    const facts = await store.prepare(first, policy, T0);
    const evaluation = { ...evaluate(first, policy, facts, T0), digest };
    await store.commit(first, evaluation, policy, T0);
    await subject.flush();
    expect(await store.bind('bind-1', digest, T0 + 2)).toEqual({
      status: 'same',
      verdict: { decision: 'allow', wouldDecide: 'allow', at: T0 },
    });
    const changed = orderDigest(parsed({ orderId: 'bind-1', lines: [line('SKU-B', 1000, 1000)], total: 0 }));
    expect(await store.bind('bind-1', changed, T0 + 3)).toMatchObject({ status: 'conflict' });
    // Another id is unaffected.
    expect(await store.bind('bind-2', changed, T0 + 3)).toEqual({ status: 'new' });
  });

  test('a retried allowed order counts its voucher and a hard-capped use once, however often it comes back', async () => {
    const policy = policyOf({ vouchers: { ONCE: { maxUses: 10 } } });
    const withCode = (orderId: string) =>
      parsed({ orderId, lines: [line('SKU-R', 10_000)], vouchers: [{ code: 'ONCE', discount: 1_000 }] });
    const first = withCode('retry-1');
    const digest = orderDigest(first);
    for (let attempt = 0; attempt < 4; attempt++) {
      const at = T0 + attempt;
      const binding = await store.bind('retry-1', digest, at);
      const facts = await store.prepare(first, policy, at);
      if (binding.status === 'same' && binding.verdict?.decision === 'allow') continue; // the first answer again
      const evaluation = { ...evaluate(first, policy, facts, at), digest };
      expect(evaluation.decision.decision).toBe('allow');
      await store.commit(first, evaluation, policy, at);
      await subject.flush();
    }
    const next = await store.prepare(withCode('retry-2'), policy, T0 + 10);
    const state = next.vouchers.get('ONCE')!;
    expect(state.uses).toBe(2);
    expect(state.windows[0]!.count).toBe(2);
  });

  test('a binding is shared by every instance on the same state', async () => {
    const twin = await context.twin?.(subject);
    if (twin === undefined) return; // one process, one binding table
    const input = parsed({ orderId: 'bind-shared', lines: [line('SKU-B', 1000)] });
    expect(await store.bind('bind-shared', orderDigest(input), T0)).toEqual({ status: 'new' });
    expect(await twin.store.bind('bind-shared', 'some-other-digest', T0 + 1)).toMatchObject({
      status: 'conflict',
    });
    expect(await twin.store.bind('bind-shared', orderDigest(input), T0 + 1)).toMatchObject({
      status: 'same',
    });
    await twin.store.shutdown?.();
  });
}
