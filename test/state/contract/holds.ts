// test/state/contract/holds.ts
// Held orders in the GuardStore contract: storing a hold once, filtering the list, claim and decide.

import { evaluate } from '../../../src/core/evaluate';
import { NO_FACTS } from '../../../src/core/facts';
import type { GuardStore } from '../../../src/ports/store';
import { line } from '../../helpers/orders';
import { type ContractSuite, parsed, policyOf, submit, T0 } from './setup';

/** Registers the hold, list-filter and claim/decide tests of the contract. */
export function holdsContract(suite: ContractSuite): void {
  let store: GuardStore;

  beforeEach(() => {
    store = suite.store;
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

  test('a hold keeps the storefront’s spellings of the payment method, SKUs and codes through storing and claiming', async () => {
    const policy = policyOf();
    const input = parsed({
      orderId: 'h-typed',
      paymentMethod: 'Card:BNI-Visa',
      lines: [line('tote-bag', 4_700_000, 4_700_000), line('MUG', 90_000)],
      vouchers: [{ code: 'gajian 50', discount: 0 }],
      total: 90_000,
    });
    expect(input).toMatchObject({
      paymentMethod: 'CARD:BNI-VISA',
      paymentMethodEntered: 'Card:BNI-Visa',
      lines: [{ sku: 'TOTE-BAG', skuEntered: 'tote-bag' }, { sku: 'MUG' }],
      vouchers: [{ code: 'GAJIAN50', entered: 'gajian 50' }],
    });
    await submit(store, policy, input, T0);
    await suite.subject.flush();
    const readers = [store];
    const twin = await suite.context.twin?.(suite.subject);
    if (twin !== undefined) readers.push(twin.store);
    for (const reader of readers) {
      expect((await reader.getHold('h-typed'))!.order).toEqual(input);
      const listed = await reader.listHolds({ paymentMethod: 'CARD:BNI-VISA', sku: 'TOTE-BAG' }, 10);
      expect(listed.items.map((held) => held.order)).toEqual([input]);
    }
    expect((await store.claim('h-typed', 'ana', T0 + 1)).ok).toBe(true);
    const claimed = await store.getHold('h-typed');
    expect(claimed!.order).toEqual(input);
    expect(Object.keys(claimed!.order.lines[1]!)).not.toContain('skuEntered');
    await twin?.store.shutdown?.();
  });

  test('holds stored at once (a leak’s burst) are each stored once, answered to their own order, counted once', async () => {
    const policy = policyOf();
    // 150 distinct orders (more than one script call takes on Redis) and three of them again in the same burst.
    const inputs = Array.from({ length: 150 }, (_, index) =>
      parsed({
        orderId: `burst-${index}`,
        customerId: `c${index}`,
        lines: [line(`SKU-${index % 7}`, 10_000 + index, 10_000 + index)],
        total: 0,
      }),
    );
    const burst = [...inputs, inputs[3]!, inputs[64]!, inputs[149]!];
    const evaluations = burst.map((input) => evaluate(input, policy, NO_FACTS, T0));
    const results = await Promise.all(
      burst.map((input, index) =>
        store.hold(input, evaluations[index]!, policy, T0 + (index >= 150 ? 5 : 0)),
      ),
    );
    results.forEach((result, index) => {
      expect(result.held.orderId).toBe(burst[index]!.orderId);
      expect(result.held.order.lines[0]!.unitPrice).toBe(burst[index]!.lines[0]!.unitPrice);
      expect(result.held.heldAt).toBe(T0);
      expect(result.created).toBe(index < 150);
    });
    const stats = await store.queueStats(T0);
    expect(stats.byStatus.pending).toBe(150);
    const value = inputs.reduce((sum, input) => sum + input.lines[0]!.unitPrice, 0);
    expect(stats.pendingValue?.IDR).toEqual({
      orders: 150,
      listValue: value,
      discount: value,
      total: 0,
      exposure: value,
      overcharge: 0,
    });
    expect((await store.getHold('burst-64'))?.order).toEqual(inputs[64]);
    expect(await store.auditTrail({ orderId: 'burst-149', limit: 10 })).toHaveLength(1);
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
    await store.transition({ orderId: 'o04', to: 'approved', actor: 'a', note: 'ok', now: T0 + 99_000 });
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
      // Totals of 0 on lines listed at 1,000 without a discount: what they leave unpaid is the tampered gap.
      pendingValue: {
        IDR: { orders: 24, listValue: 24_000, discount: 0, total: 0, exposure: 24_000, overcharge: 0 },
      },
    });
  });

  test('claim and decide: versions, conflicts, and exactly one of concurrent decisions wins', async () => {
    const policy = policyOf();
    await submit(store, policy, parsed({ orderId: 'd1', lines: [line('S', 1000)], total: 0 }), T0);
    expect((await store.claim('nope', 'a', T0)).ok).toBe(false);
    const claimed = await store.claim('d1', 'alice', T0 + 1);
    expect(claimed).toMatchObject({ ok: true, held: { assignee: 'alice', version: 2, updatedAt: T0 + 1 } });
    expect(
      await store.transition({
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
        store.transition({
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
      (await store.transition({ orderId: 'missing', to: 'approved', actor: 'a', note: '', now: T0 })).ok,
    ).toBe(false);
    const trail = await store.auditTrail({ orderId: 'd1', limit: 10 });
    expect(trail.map((entry) => entry.action)).toEqual([final!.status, 'claimed', 'held']);
    await store.audit({ at: T0 + 9, actor: 'ops', action: 'voucher_cleared', voucher: 'X' });
    expect((await store.auditTrail({ limit: 1 }))[0]).toMatchObject({ actor: 'ops', voucher: 'X' });
  });
}
