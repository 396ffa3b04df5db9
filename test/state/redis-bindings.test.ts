// test/state/redis-bindings.test.ts
// Order id bindings on Redis while verdicts are being written: a retry always gets the first answer.

import type { Cluster, Redis } from 'ioredis';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { createRedisClient } from '../../src/state/redis/connection';
import { RedisStore } from '../../src/state/redis/store';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis } from '../helpers/redis';

let server: RedisInstance;
let client: Redis | Cluster;
let store: RedisStore;
let guard: Guard;

beforeAll(async () => {
  server = await startRedis();
});
beforeEach(async () => {
  client = createRedisClient(server.url);
  // No flush by the timer: the test starts the one flush it needs.
  store = new RedisStore({
    client,
    prefix: `bind${Date.now()}`,
    flushIntervalMs: 3_600_000,
    closeClient: true,
  });
  await store.init();
  // Generous timeouts: the server is paused on purpose, and no answer here may depend on how fast it resumes.
  guard = new Guard({ policy: parsePolicy({}), store, storeTimeoutMs: 60_000 });
});
afterEach(async () => {
  server.resume();
  await store.shutdown();
});
afterAll(async () => {
  await server.stop();
});

test('a retry answered by Redis before its verdict was written, while the write is under way, is a repeat', async () => {
  const allowed = order({ orderId: 'retry-during-flush', lines: [line('CARD-CASE', 1_250_000)] });
  const first = await guard.check(allowed);
  expect(first.kind).toBe('allowed');
  // The retry's binding reaches Redis first, then the flush that writes the first verdict: Redis answers the
  // binding without a verdict, and the verdict is no longer in the buffer, but in the flush under way.
  server.pause();
  const retry = guard.check(allowed);
  await new Promise((resolve) => setImmediate(resolve)); // the binding's batch leaves at the end of the turn
  const flushing = store.flush();
  server.resume();
  const again = await retry;
  await flushing;
  expect(again.kind).toBe('allowed');
  expect(again.kind === 'allowed' && again.decision.repeatOf).toEqual({ decidedAt: expect.any(Number) });
  // Written: a retry after the flush finds the verdict in Redis.
  const later = await guard.check(allowed);
  expect(later.kind === 'allowed' && later.decision.repeatOf).toEqual({ decidedAt: expect.any(Number) });
});
