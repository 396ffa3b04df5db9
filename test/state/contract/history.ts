// test/state/contract/history.ts
// Price history in the GuardStore contract: built by allowed orders only, capped, per currency, reset.

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
}
