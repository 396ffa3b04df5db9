// test/state/contract/queue-lists.ts
// The review queue in the GuardStore contract: money at stake, groups, and listHolds paging in every order.

import type { GuardStore, HeldOrder } from '../../../src/ports/store';
import { line } from '../../helpers/orders';
import { type ContractSuite, parsed, policyOf, submit, T0 } from './setup';

/** Registers the queue statistics, grouping and paging tests of the contract. */
export function queueListsContract(suite: ContractSuite): void {
  let store: GuardStore;

  beforeEach(() => {
    store = suite.store;
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
    // m2 recomputes to 50,000 and claims 1 (49,999 unpaid besides its discount); m4 to 250,000 and claims 1.
    expect((await store.queueStats(T0)).pendingValue).toEqual({
      IDR: {
        orders: 3,
        listValue: 5_100_000,
        discount: 4_800_000,
        total: 2,
        exposure: 4_700_000 + 149_999 + 249_999,
        overcharge: 0,
      },
      USD: { orders: 1, listValue: 1999, discount: 1999, total: 0, exposure: 1999, overcharge: 0 },
    });
    await store.claim('m2', 'ann', T0 + 4); // a claim leaves the money at stake alone
    await store.transition({ orderId: 'm1', to: 'rejected', actor: 'ann', note: 'glitch', now: T0 + 5 });
    await store.transition({ orderId: 'm3', to: 'approved', actor: 'ann', note: 'ok', now: T0 + 6 });
    // A refused decision changes nothing.
    await store.transition({ orderId: 'm3', to: 'rejected', actor: 'bob', note: 'late', now: T0 + 7 });
    expect((await store.queueStats(T0)).pendingValue).toEqual({
      IDR: {
        orders: 2,
        listValue: 400_000,
        discount: 100_000,
        total: 2,
        exposure: 149_999 + 249_999,
        overcharge: 0,
      },
    });
    for (const orderId of ['m2', 'm4']) {
      await store.transition({ orderId, to: 'approved', actor: 'ann', note: 'ok', now: T0 + 8 });
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
          IDR: {
            orders: 6,
            listValue: 900_015,
            discount: 900_015,
            total: 0,
            exposure: 900_015,
            overcharge: 0,
          },
          USD: { orders: 1, listValue: 2000, discount: 2000, total: 0, exposure: 2000, overcharge: 0 },
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
    // Ranked by exposure: the bag gives nothing away but its total was tampered to 1 (899,999 unpaid).
    const byExposure = await store.listGroups({ kind: 'sku', by: 'exposure', currency: 'IDR', limit: 3 });
    expect(
      byExposure.groups.map((group) => [group.key, group.money.IDR!.discount, group.money.IDR!.exposure]),
    ).toEqual([
      [
        'TOTE',
        150_000 + 150_001 + 150_002 + 150_003 + 4_700_000,
        150_000 + 150_001 + 150_002 + 150_003 + 4_700_000,
      ],
      ['BAG', 0, 899_999],
      ['CASE', 150_004 + 150_005, 150_004 + 150_005],
    ]);
    expect(
      (await store.listGroups({ kind: 'sku', by: 'exposure', currency: 'USD', limit: 3 })).groups,
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
    await expect(store.listGroups({ by: 'exposure', limit: 3 })).rejects.toThrow(/currency/);

    // Deciding holds takes them out of their groups; a group with none left is gone.
    await store.claim('leak0', 'ann', T0 + 40_000);
    for (const orderId of ['leak0', 'leak4']) {
      await store.transition({ orderId, to: 'rejected', actor: 'ann', note: 'leak', now: T0 + 41_000 });
    }
    const after = await store.listGroups({ kind: 'voucher', limit: 10 });
    expect(after.groups[0]).toMatchObject({
      count: 5,
      firstHeldAt: T0 + 1000,
      lastHeldAt: T0 + 10_000,
      money: {
        IDR: { orders: 4, listValue: 600_011, discount: 600_011, total: 0, exposure: 600_011, overcharge: 0 },
      },
    });
    for (const orderId of ['leak1', 'leak2', 'leak3', 'leak5', 'usd1']) {
      await store.transition({ orderId, to: 'approved', actor: 'ann', note: 'fine', now: T0 + 42_000 });
    }
    expect(await store.listGroups({ kind: 'voucher', limit: 10 })).toEqual({ groups: [], total: 0 });
    const skusLeft = (await store.listGroups({ kind: 'sku', limit: 10 })).groups;
    expect(skusLeft.map((group) => `${group.key}:${group.count}`).sort()).toEqual(['BAG:1', 'TOTE:1']);
    expect(await store.listGroups({ kind: 'sku', by: 'exposure', currency: 'USD', limit: 3 })).toEqual({
      groups: [],
      total: 0,
    });
  });

  test('listHolds walks every order oldest first and by money, with cursors, through ties and decisions', async () => {
    // 30 holds: heldAt ties in threes, exposures in five tiers (many equal), one SKU for half of them.
    for (let index = 0; index < 30; index++) {
      await holdOrder(`t${String(index).padStart(2, '0')}`, T0 + Math.floor(index / 3) * 1000, {
        sku: index % 2 === 0 ? 'EVEN' : 'ODD',
        price: ((index % 5) + 1) * 100_000,
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
      b.exposure - a.exposure || (a.orderId < b.orderId ? 1 : -1);
    const oldest = await walk({}, 'oldest', 4);
    expect(oldest.map((held) => held.orderId)).toEqual([...oldest].sort(byTime).map((held) => held.orderId));
    expect(oldest).toHaveLength(30);
    const money = await walk({}, 'money', 4);
    expect(money).toHaveLength(30);
    expect(new Set(money.map((held) => held.orderId)).size).toBe(30);
    expect(money.map((held) => held.exposure)).toEqual([...money].sort(byMoney).map((held) => held.exposure));
    expect(money[0]!.exposure).toBe(500_000);
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
        await store.transition({ orderId: last, to: 'approved', actor: 'ann', note: 'ok', now: T0 + 99_000 });
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
}
