// test/engine/review.test.ts
// The review workflow over a custom store: optional state controls, and a consequence that fails after a decision.

import express from 'express';
import request from 'supertest';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { ReviewWorkflow, UnsupportedControlError } from '../../src/engine/review';
import { hashToken } from '../../src/review/auth';
import { reviewRouter } from '../../src/review/router';
import { MemoryStore } from '../../src/state/memory/store';
import { line, order } from '../helpers/orders';

const ADMIN = 'admin-token-for-review-workflow-tests';

/** A custom store that is only a review queue (and the guard's state): no state controls at all. */
function queueOnly(): MemoryStore {
  const store = new MemoryStore();
  for (const method of [
    'releaseUses',
    'confirmPrices',
    'clearTrip',
    'extendTrip',
    'forgetHistory',
    'rebaseHistory',
  ] as const) {
    Object.defineProperty(store, method, { value: undefined });
  }
  return store;
}

async function heldOn(store: MemoryStore, orderId: string): Promise<void> {
  const result = await new Guard({ policy: parsePolicy({}), store }).check(
    order({ orderId, lines: [line('TOTE', 4_700_000, 4_700_000)] }),
  );
  expect(result.kind).toBe('held');
}

describe('a store without state controls', () => {
  it('still decides, and says which control it cannot do', async () => {
    const store = queueOnly();
    await heldOn(store, 'q1');
    const review = new ReviewWorkflow(store);
    expect(review.supports('clearVoucher')).toBe(false);
    expect((await review.decide({ orderId: 'q1', to: 'rejected', actor: 'a', note: 'x', now: 1 })).ok).toBe(
      true,
    );
    await expect(review.clearVoucher('LEAK', 'a', 2)).rejects.toThrow(UnsupportedControlError);
    await expect(review.acceptPrice('TOTE', 'IDR', 1, 'a', 2)).rejects.toThrow(
      'the store does not implement rebaseHistory(), which acceptPrice needs',
    );
    // Nothing was audited for the refused controls.
    expect((await store.auditTrail({ limit: 10 })).map((entry) => entry.action)).toEqual([
      'rejected',
      'held',
    ]);
  });

  it('has its review API answer 501 for the controls it lacks, and decide as usual', async () => {
    const store = queueOnly();
    await heldOn(store, 'q2');
    const app = express().use(
      '/review',
      reviewRouter({
        store,
        tokens: [{ name: 'ops', role: 'admin', sha256: hashToken(ADMIN) }],
        rateLimit: false,
        logger: { warn() {}, error() {} },
      }),
    );
    const auth = { Authorization: `Bearer ${ADMIN}` };
    const cleared = await request(app).post('/review/api/vouchers/LEAK/clear').set(auth).send({});
    expect(cleared.status).toBe(501);
    expect(cleared.body).toEqual({
      error: 'not_supported',
      message: 'This store does not support clearVoucher.',
    });
    const reset = await request(app).post('/review/api/skus/TOTE/reset-history').set(auth).send({});
    expect(reset.status).toBe(501);
    await request(app).post('/review/api/holds/q2/approve').set(auth).send({}).expect(200);
  });
});

describe('a consequence that cannot be written', () => {
  it('is logged, and the decision stands', async () => {
    const store = new MemoryStore();
    await heldOn(store, 'c1');
    store.releaseUses = () => Promise.reject(new Error('redis down'));
    const logged: string[] = [];
    const review = new ReviewWorkflow(store, {
      logger: { warn() {}, error: (_object, message) => logged.push(message ?? '') },
    });
    const result = await review.decide({ orderId: 'c1', to: 'rejected', actor: 'a', note: 'x', now: 1 });
    expect(result).toMatchObject({ ok: true, held: { status: 'rejected' } });
    expect(logged).toEqual(['review: could not give back the voucher uses a rejected order reserved']);
    expect((await store.getHold('c1'))?.status).toBe('rejected');
  });
});
