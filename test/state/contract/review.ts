// test/state/contract/review.ts
// The review workflow over the store port, in the GuardStore contract: the primitives do one thing each, and a
// decision's consequences (uses given back, prices confirmed) and the controls' audit happen once, on every store.

import type { GuardStore } from '../../../src/ports/store';
import { line } from '../../helpers/orders';
import { type ContractSuite, parsed, policyOf, type StoreUnderTest, submit, T0 } from './setup';

/** Registers the review-workflow tests of the contract. */
export function reviewContract(suite: ContractSuite): void {
  let subject: StoreUnderTest;
  let store: GuardStore;

  beforeEach(() => {
    subject = suite.subject;
    store = suite.store;
  });

  const capped = policyOf({ vouchers: { CAP1: { maxUses: 1 } } });
  const cappedOrder = (orderId: string, customerId = orderId) =>
    parsed({ orderId, customerId, lines: [line('S', 1000)], vouchers: [{ code: 'CAP1', discount: 10 }] });
  /** Reserves CAP1's only use for `orderId` and stores its hold, as the guard does for an order held otherwise. */
  const holdWithUse = async (orderId: string) => {
    const first = await submit(store, capped, cappedOrder(orderId), T0);
    expect(first.facts.vouchers.get('CAP1')).toMatchObject({ uses: 1 });
    expect((await store.hold(cappedOrder(orderId), first.evaluation, capped, T0 + 1)).created).toBe(true);
  };
  const usesSeenBy = async (orderId: string, at: number) =>
    (await store.prepare(cappedOrder(orderId), capped, at)).vouchers.get('CAP1');

  test('transition only moves the hold: the reserved use stays until releaseUses gives it back', async () => {
    await holdWithUse('t1');
    const rejected = await store.transition({
      orderId: 't1',
      to: 'rejected',
      actor: 'ann',
      note: 'glitch',
      now: T0 + 2,
    });
    expect(rejected).toMatchObject({ ok: true, held: { status: 'rejected' } });
    expect((await usesSeenBy('t2', T0 + 3))?.limitReached).toBe('maxUses');
    await store.releaseUses?.(rejected.ok ? rejected.held : (undefined as never));
    expect((await usesSeenBy('t3', T0 + 4))?.limitReached).toBeUndefined();
  });

  test('of five concurrent rejections one wins, and the reserved use comes back exactly once', async () => {
    await holdWithUse('r1');
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((actor) =>
        suite.review.decide({ orderId: 'r1', to: 'rejected', actor, note: 'leak', now: T0 + 2 }),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    // One use back: the next order takes it and the one after is at the cap again (not two uses freed).
    expect(await usesSeenBy('n1', T0 + 3)).toMatchObject({ uses: 1 });
    expect((await usesSeenBy('n2', T0 + 4))?.limitReached).toBe('maxUses');
    const trail = await store.auditTrail({ orderId: 'r1', limit: 10 });
    expect(trail.map((entry) => entry.action)).toEqual(['rejected', 'held']);
  });

  test('approving keeps the use; a decision refused as already decided has no consequence', async () => {
    await holdWithUse('a1');
    expect(
      (await suite.review.decide({ orderId: 'a1', to: 'approved', actor: 'ann', note: '', now: T0 + 2 })).ok,
    ).toBe(true);
    const late = await suite.review.decide({
      orderId: 'a1',
      to: 'rejected',
      actor: 'bob',
      note: 'late',
      now: T0 + 3,
    });
    expect(late).toMatchObject({ ok: false, reason: 'already_decided' });
    expect((await usesSeenBy('a2', T0 + 4))?.limitReached).toBe('maxUses');
  });

  test('approving an order a history rule held confirms its price; a bare transition does not', async () => {
    const policy = policyOf({ history: { minSamples: 3 } });
    for (const [index, price] of [1000, 1010, 990].entries()) {
      await submit(store, policy, parsed({ orderId: `h${index}`, lines: [line('LAMP', price)] }), T0 + index);
    }
    await subject.flush();
    const markdown = (orderId: string) => parsed({ orderId, lines: [line('LAMP', 400)] });
    const first = await submit(store, policy, markdown('m1'), T0 + 10);
    const second = await submit(store, policy, markdown('m2'), T0 + 11);
    expect(first.evaluation.decision.reasons.map((reason) => reason.rule)).toContain('below_recent_price');
    expect(second.created).toBe(true);
    await store.transition({ orderId: 'm2', to: 'approved', actor: 'ann', note: '', now: T0 + 12 });
    await subject.flush();
    const unchanged = await store.prepare(markdown('p1'), policy, T0 + 13);
    expect(unchanged.history.get('IDR:LAMP')).toMatchObject({ samples: 3, median: 1000 });
    await suite.review.decide({
      orderId: 'm1',
      to: 'approved',
      actor: 'ann',
      note: 'real markdown',
      now: T0 + 14,
    });
    await subject.flush();
    const learnt = await store.prepare(markdown('p2'), policy, T0 + 15);
    // Three shoppers' prices and one confirmation counting for ten: the median is the confirmed price.
    expect(learnt.history.get('IDR:LAMP')).toMatchObject({ samples: 13, median: 400 });
  });

  test('the state controls write without auditing; the workflow audits each control once', async () => {
    const policy = policyOf({ vouchers: { LEAK: { velocity: { maxPerWindow: 1 } } } });
    for (let index = 0; index < 3; index++) {
      await submit(
        store,
        policy,
        parsed({
          orderId: `l${index}`,
          lines: [line('S', 1000)],
          vouchers: [{ code: 'LEAK', discount: 10 }],
        }),
        T0 + index * 1000,
      );
      await subject.flush();
    }
    const before = (await store.auditTrail({ limit: 100 })).length;
    expect(await store.extendTrip?.('LEAK', T0 + 3_600_000)).toBe(true);
    expect(await store.extendTrip?.('CALM', T0 + 3_600_000)).toBe(false);
    await store.rebaseHistory?.('LAMP', 'IDR', 2000, T0 + 5000);
    await store.forgetHistory?.('LAMP');
    expect((await store.auditTrail({ limit: 100 })).length).toBe(before);

    expect(await suite.review.extendVoucher('LEAK', T0 + 7_200_000, 'ana', T0 + 6000)).toBe(true);
    expect(await suite.review.clearVoucher('CALM', 'ana', T0 + 6001)).toBe(false);
    expect(await suite.review.clearVoucher('LEAK', 'ana', T0 + 6002)).toBe(true);
    await suite.review.acceptPrice('LAMP', 'IDR', 2000, 'ana', T0 + 6003);
    await suite.review.resetHistory('LAMP', 'ana', T0 + 6004);
    const trail = await store.auditTrail({ limit: 4 });
    expect(
      trail.map(({ action, actor, voucher, sku, note }) => ({ action, actor, voucher, sku, note })),
    ).toEqual([
      { action: 'history_reset', actor: 'ana', voucher: undefined, sku: 'LAMP', note: undefined },
      { action: 'price_accepted', actor: 'ana', voucher: undefined, sku: 'LAMP', note: 'IDR 2000' },
      { action: 'voucher_cleared', actor: 'ana', voucher: 'LEAK', sku: undefined, note: undefined },
      {
        action: 'voucher_extended',
        actor: 'ana',
        voucher: 'LEAK',
        sku: undefined,
        note: `until ${new Date(T0 + 7_200_000).toISOString()}`,
      },
    ]);
  });
}
