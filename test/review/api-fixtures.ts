// test/review/api-fixtures.ts
// Shared by the api-*.test.ts suites: tokens, held orders, MemoryStore and RedisStore, and the router serving a store.

import type { Server } from 'node:http';
import express from 'express';
import type { OrderInput } from '../../src/core/order';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import type { GuardStore, HeldOrder } from '../../src/ports/store';
import { type ReviewRouter, reviewRouter } from '../../src/review/router';
import { line, order } from '../helpers/orders';
import { reviewTokens, type StoreFactory } from '../helpers/review';

export { type StoreFactory, storeFactories } from '../helpers/review';

export const { tokens: TOKENS, config: CONFIG, auth } = reviewTokens('api');
export const SILENT = { warn() {}, error() {} };
export const T0 = Date.UTC(2026, 10, 11, 10, 0, 0);
export const policy = parsePolicy({});

/** A zero-total order (always held); with a voucher when given. */
export function glitch(orderId: string, sku: string, voucher?: string): OrderInput {
  return voucher
    ? order({ orderId, lines: [line(sku, 150_000)], vouchers: [{ code: voucher, discount: 150_000 }] })
    : order({ orderId, lines: [line(sku, 4_700_000, 4_700_000)] });
}

/** One store, a Guard holding orders on it, and the review router serving it on a free port, all on one clock. */
export interface ReviewApi {
  store: GuardStore;
  router: ReviewRouter;
  server: Server;
  /** Checks an order that must be held and returns its hold. */
  hold(input: OrderInput): Promise<HeldOrder>;
  /** Closes the server, then destroys the store. */
  close(): Promise<void>;
}

export async function openReviewApi(factory: StoreFactory, clock: () => number): Promise<ReviewApi> {
  const store = await factory.create();
  const guard = new Guard({ policy, store, clock, storeTimeoutMs: 2_000 });
  const router = reviewRouter({ store, tokens: CONFIG, logger: SILENT, clock, rateLimit: false });
  const app = express();
  app.use('/review', router);
  const server = app.listen(0);
  return {
    store,
    router,
    server,
    async hold(input) {
      const result = await guard.check(input);
      if (result.kind !== 'held') throw new Error(`expected a hold, got ${result.kind}`);
      return result.held;
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await factory.destroy();
    },
  };
}

/**
 * The review API of one store for a describe block: opened before its tests and closed after them. `assign`
 * receives it once open (to set the block's own variables); `hold(order, at)` checks a held order at time `at`
 * (default: the clock as it stands), and `clock` reads that time.
 */
export function reviewApiFor(factory: StoreFactory, assign: (api: ReviewApi) => void = () => {}) {
  let now = T0;
  let api: ReviewApi | undefined;
  const clock = () => now;
  beforeAll(async () => {
    api = await openReviewApi(factory, clock);
    assign(api);
  });
  afterAll(() => api?.close());
  return {
    clock,
    hold(input: OrderInput, at = now): Promise<HeldOrder> {
      now = at;
      if (api === undefined) throw new Error('the review API opens before the tests');
      return api.hold(input);
    },
  };
}
