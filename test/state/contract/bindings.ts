// test/state/contract/bindings.ts
// Order-id bindings in the GuardStore contract: content digests, retried verdicts, sharing across instances.

import { evaluate } from '../../../src/core/evaluate';
import { orderDigest } from '../../../src/core/order-digest';
import type { GuardStore } from '../../../src/ports/store';
import { line } from '../../helpers/orders';
import { type ContractSuite, parsed, policyOf, type StoreFactory, type StoreUnderTest, T0 } from './setup';

/** Registers the order-binding tests of the contract. */
export function bindingsContract(suite: ContractSuite): void {
  let context: StoreFactory;
  let subject: StoreUnderTest;
  let store: GuardStore;

  beforeEach(() => {
    context = suite.context;
    subject = suite.subject;
    store = suite.store;
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
