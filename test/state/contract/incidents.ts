// test/state/contract/incidents.ts
// Incidents and trips in the GuardStore contract: pending holds partitioned by primary cause, with exact exposure
// and breakdowns, filters that take exactly an incident, and every tripped code listed until it is cleared.

import type { OrderInput } from '../../../src/core/order';
import type { GuardStore, HeldOrder, IncidentList } from '../../../src/ports/store';
import { line } from '../../helpers/orders';
import { type ContractSuite, parsed, policyOf, submit, T0 } from './setup';

/** A leaked bank-only code that also trips after 3 uses in its window (then bank cards are held too). */
const policy = policyOf({
  vouchers: {
    LEAK: { paymentMethods: ['card:bca*'], velocity: { maxPerWindow: 3 } },
    STUCK: { velocity: { maxPerWindow: 1, sticky: true } },
  },
});

/** Registers the incident and trip tests of the contract. */
export function incidentsContract(suite: ContractSuite): void {
  let store: GuardStore;

  beforeEach(() => {
    store = suite.store;
  });

  /** Submits each order one second apart from `start`, flushing write-behind between them; returns the holds. */
  async function night(orders: Array<Partial<OrderInput> & Pick<OrderInput, 'lines'>>, start = T0) {
    const holds: HeldOrder[] = [];
    for (const [index, input] of orders.entries()) {
      const result = await submit(store, policy, parsed(input), start + index * 1000);
      if (result.held) holds.push(result.held);
      await suite.subject.flush();
    }
    return holds;
  }

  /** The night: a leaked code (wrong cards, then the bank's own once it tripped), a 100%-off SKU, tampered totals. */
  function scriptedNight() {
    const leak = (n: number, paymentMethod: string, extra: OrderInput['lines'] = []) => ({
      orderId: `leak-${n}`,
      paymentMethod,
      lines: [line('EARBUDS', 150_000 + n), ...extra],
      vouchers: [{ code: n % 2 === 0 ? 'leak' : 'LEAK', discount: 100_000 }],
    });
    return night([
      leak(0, 'ewallet:ovo'),
      leak(1, 'ewallet:ovo', [line('SHOE', 900_000, 900_000)]), // the 100%-off shoe too: still the leak's
      leak(2, 'qris'),
      leak(3, 'card:bca-gold'), // the 4th use: trips the code; the bank's card is held for the trip alone
      leak(4, 'card:bca-gold'),
      leak(5, 'ewallet:ovo'),
      { orderId: 'shoe-0', lines: [line('SHOE', 900_000, 900_000)] },
      { orderId: 'shoe-1', lines: [line('SHOE', 900_000, 900_000), line('TEE', 120_000)] },
      { orderId: 'tv-0', lines: [line('TV', 2_586_000)], total: 45_000 },
      { orderId: 'tv-1', lines: [line('TV', 2_586_000), line('CABLE', 14_000)], total: 45_000 },
      { orderId: 'usd-0', currency: 'USD', lines: [line('MUG', 1_999, 1_999)] },
      { orderId: 'fine-0', lines: [line('TEE', 120_000)] },
    ]);
  }

  const byId = (list: IncidentList) => Object.fromEntries(list.incidents.map((one) => [one.id, one]));

  test('listIncidents partitions the pending holds by primary cause, with exact exposure and breakdowns', async () => {
    const holds = await scriptedNight();
    expect(holds).toHaveLength(11);
    const list = await store.listIncidents({ by: 'count', limit: 50 });
    expect(list.pending).toBe(11);
    expect(list.total).toBe(4);
    expect(list.incidents.map((one) => [one.id, one.count])).toEqual([
      ['voucher:LEAK', 6],
      ['rule:total_mismatch', 2],
      ['sku:SHOE', 2],
      ['sku:MUG', 1],
    ]);
    expect(list.incidents.reduce((sum, one) => sum + one.count, 0)).toBe(list.pending);
    const incidents = byId(list);
    expect(incidents['voucher:LEAK']).toMatchObject({
      cause: { kind: 'voucher', key: 'LEAK' },
      firstHeldAt: T0,
      lastHeldAt: T0 + 5000,
      breakdown: {
        rules: { voucher_ineligible: 4, voucher_velocity: 3, discount_cap: 1 },
        paymentMethods: { 'EWALLET:OVO': 3, QRIS: 1, 'CARD:BCA-GOLD': 2 },
      },
    });
    // The shoe's incident is its own two orders: the leak order that also had the shoe stays in the leak's.
    expect(incidents['sku:SHOE']!.exposure).toEqual({
      IDR: {
        orders: 2,
        listValue: 1_920_000,
        discount: 1_800_000,
        total: 120_000,
        exposure: 1_800_000,
        overcharge: 0,
      },
    });
    // The tampered totals: what their orders leave unpaid, whatever they give away (nothing).
    const unpaid = 2_586_000 - 45_000 + (2_586_000 + 14_000 - 45_000);
    expect(incidents['rule:total_mismatch']!.exposure.IDR).toMatchObject({ discount: 0, exposure: unpaid });
    expect(incidents['rule:total_mismatch']!.breakdown.rules).toEqual({
      near_zero_total: 2,
      total_mismatch: 2,
    });
    for (const one of list.incidents) {
      const mine = holds.filter((held) => `${held.cause.kind}:${held.cause.key}` === one.id);
      expect(one.count).toBe(mine.length);
      for (const [currency, money] of Object.entries(one.exposure)) {
        const sum = mine
          .filter((held) => held.currency === currency)
          .reduce((total, held) => total + held.exposure, 0);
        expect(money.exposure).toBe(sum);
      }
    }
    // Ranked by exposure in IDR: the tampered totals first; the USD incident (nothing in IDR) last.
    const ranked = await store.listIncidents({ currency: 'IDR', limit: 50 });
    expect(ranked.incidents.map((one) => one.id)).toEqual([
      'rule:total_mismatch',
      'sku:SHOE',
      'voucher:LEAK',
      'sku:MUG',
    ]);
    expect((await store.listIncidents({ currency: 'IDR', limit: 2 })).incidents.map((one) => one.id)).toEqual(
      ['rule:total_mismatch', 'sku:SHOE'],
    );
    // Another instance on the same state sees the same incidents.
    const twin = await suite.context.twin?.(suite.subject);
    if (twin) expect(await twin.store.listIncidents({ by: 'count', limit: 50 })).toEqual(list);
  });

  test('listIncidents breaks ties by id, and ranks incidents without holds in the currency after, by count', async () => {
    const skus = ['F', 'B', 'E', 'A', 'D', 'C'];
    await night([
      ...skus.map((sku) => ({ orderId: `tie-${sku}`, lines: [line(`SKU-${sku}`, 100_000, 100_000)] })),
      ...[0, 1].map((n) => ({ orderId: `usd-${n}`, currency: 'USD', lines: [line('MUG', 1_999, 1_999)] })),
      { orderId: 'usd-2', currency: 'USD', lines: [line('CUP', 999, 999)] },
    ]);
    const ids = async (query: Parameters<GuardStore['listIncidents']>[0]) =>
      (await store.listIncidents(query)).incidents.map((one) => one.id);
    expect(await ids({ currency: 'IDR', limit: 3 })).toEqual(['sku:SKU-A', 'sku:SKU-B', 'sku:SKU-C']);
    expect(await ids({ currency: 'IDR', limit: 8 })).toEqual([
      'sku:SKU-A',
      'sku:SKU-B',
      'sku:SKU-C',
      'sku:SKU-D',
      'sku:SKU-E',
      'sku:SKU-F',
      'sku:MUG',
      'sku:CUP',
    ]);
    expect(await ids({ by: 'count', limit: 3 })).toEqual(['sku:MUG', 'sku:CUP', 'sku:SKU-A']);
    expect(await ids({ currency: 'USD', limit: 4 })).toEqual([
      'sku:MUG',
      'sku:CUP',
      'sku:SKU-A',
      'sku:SKU-B',
    ]);
  });

  test('a filter takes exactly an incident, narrowed by rule and payment method; decisions leave it', async () => {
    await scriptedNight();
    const ids = async (filter: Parameters<GuardStore['listHolds']>[0]) =>
      (await store.listHolds(filter, 100)).items.map((held) => held.orderId).sort();
    expect(await ids({ incident: 'voucher:LEAK', status: 'pending' })).toEqual([
      'leak-0',
      'leak-1',
      'leak-2',
      'leak-3',
      'leak-4',
      'leak-5',
    ]);
    // The voucher filter takes every order carrying the code; the incident only those it caused (all here).
    expect(await ids({ incident: 'sku:SHOE' })).toEqual(['shoe-0', 'shoe-1']);
    expect(await ids({ sku: 'SHOE' })).toEqual(['leak-1', 'shoe-0', 'shoe-1']);
    expect(await ids({ incident: 'voucher:LEAK', rule: 'voucher_ineligible' })).toEqual([
      'leak-0',
      'leak-1',
      'leak-2',
      'leak-5',
    ]);
    expect(await ids({ incident: 'voucher:LEAK', paymentMethod: 'CARD:BCA-GOLD' })).toEqual([
      'leak-3',
      'leak-4',
    ]);
    expect(await ids({ paymentMethod: 'QRIS' })).toEqual(['leak-2']);
    expect(await ids({ incident: 'voucher:NOPE' })).toEqual([]);
    const money = await store.listHolds({ incident: 'rule:total_mismatch' }, 10, undefined, 'money');
    expect(money.items.map((held) => held.orderId)).toEqual(['tv-1', 'tv-0']);

    // Rejecting the ineligible ones leaves the bank's own cards, with their breakdown.
    for (const orderId of ['leak-0', 'leak-1', 'leak-2', 'leak-5']) {
      await suite.review.decide({ orderId, to: 'rejected', actor: 'ann', note: 'leak', now: T0 + 60_000 });
    }
    const after = byId(await store.listIncidents({ by: 'count', limit: 50 }));
    expect(after['voucher:LEAK']).toMatchObject({
      count: 2,
      firstHeldAt: T0 + 3000,
      breakdown: { rules: { voucher_velocity: 2 }, paymentMethods: { 'CARD:BCA-GOLD': 2 } },
    });
    for (const orderId of ['leak-3', 'leak-4', 'tv-0', 'tv-1']) {
      await suite.review.decide({ orderId, to: 'approved', actor: 'ann', note: 'ok', now: T0 + 61_000 });
    }
    const left = await store.listIncidents({ by: 'count', limit: 50 });
    expect(left.incidents.map((one) => one.id)).toEqual(['sku:SHOE', 'sku:MUG']);
    expect(left).toMatchObject({ pending: 3, total: 2 });
    expect(left.incidents.reduce((sum, one) => sum + one.count, 0)).toBe(3);
  });

  test('listTrips lists every tripped code, with or without pending holds, until it is cleared', async () => {
    expect(await store.listTrips(T0)).toEqual([]);
    await scriptedNight();
    const trips = await store.listTrips(T0 + 10_000);
    expect(trips).toEqual([
      {
        code: 'LEAK',
        trippedAt: T0 + 3000,
        // Calm since its last anomalous use (T0 + 5000), for the default 30 minutes.
        until: T0 + 5000 + 30 * 60_000,
        sticky: false,
        reason: expect.stringContaining('LEAK was redeemed 4 times'),
        uses: 6,
        usesWindowSeconds: 1800,
      },
    ]);
    // Its holds decided, the code is still tripped, and still listed.
    for (let n = 0; n < 6; n++) {
      await suite.review.decide({
        orderId: `leak-${n}`,
        to: 'rejected',
        actor: 'ann',
        note: 'leak',
        now: T0 + 20_000,
      });
    }
    expect((await store.listTrips(T0 + 20_000)).map((trip) => trip.code)).toEqual(['LEAK']);
    // Kept held by on-call: sticky until the time given.
    const until = T0 + 6 * 3_600_000;
    expect(await suite.review.extendVoucher('LEAK', until, 'ana', T0 + 21_000)).toBe(true);
    expect(await store.listTrips(T0 + 21_000)).toEqual([
      expect.objectContaining({ code: 'LEAK', sticky: true, until }),
    ]);
    // A code declared sticky only ends when on-call clears it; the latest trip comes first.
    await night(
      [0, 1].map((n) => ({
        orderId: `stuck-${n}`,
        lines: [line('TEE', 120_000)],
        vouchers: [{ code: 'STUCK', discount: 1 }],
      })),
      T0 + 30_000,
    );
    const both = await store.listTrips(T0 + 40_000);
    expect(both.map((trip) => [trip.code, trip.sticky, trip.until])).toEqual([
      ['STUCK', true, undefined],
      ['LEAK', true, until],
    ]);
    const twin = await suite.context.twin?.(suite.subject);
    if (twin) expect(await twin.store.listTrips(T0 + 40_000)).toEqual(both);
    expect(await suite.review.clearVoucher('LEAK', 'ana', T0 + 50_000)).toBe(true);
    expect((await store.listTrips(T0 + 50_000)).map((trip) => trip.code)).toEqual(['STUCK']);
  });
}
