// test/state/flood.test.ts
// A flood of distinct made-up SKUs and codes cannot grow a store's memory past its stated bounds, nor push real
// SKUs' history out: counted in entries, not bytes (both stores, the Redis one on a private redis-server).

import { Redis } from 'ioredis';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { MemoryStore } from '../../src/state/memory/store';
import { RedisStore } from '../../src/state/redis/store';
import { MAX_SKU_CANDIDATES } from '../../src/state/sku-candidates';
import { order } from '../helpers/orders';
import { startRedis, stopAll } from '../helpers/redis';

afterAll(() => stopAll());

const policy = parsePolicy({ unknownVouchers: { maxTracked: 1000 } });
const T0 = Date.parse('2026-11-10T10:00:00+07:00');
/** The size of a private Map or Set of a store part, by its path (what the bound is stated on). */
const sizeOf = (store: object, path: string): number => {
  let value: unknown = store;
  for (const part of path.split('.')) value = (value as Record<string, unknown>)[part];
  return (value as Map<unknown, unknown>).size;
};

async function flood(store: MemoryStore | RedisStore, count: number) {
  let now = T0;
  const guard = new Guard({ policy, store, clock: () => now });
  // A real SKU with its history, sold between the made-up ones.
  for (let index = 0; index < 30; index++) {
    now += 60_000; // ten a ten-minute bucket: 30 samples
    await guard.check(
      order({ orderId: `real-${index}`, lines: [{ sku: 'REAL', quantity: 1, unitPrice: 100_000 }] }),
    );
    if (store instanceof RedisStore) await store.flush();
  }
  for (let index = 0; index < count; index++) {
    now += 10;
    const made = `${index.toString(36)}-${(index * 7919).toString(36)}`;
    await guard.check(
      order({
        orderId: `flood-${index}`,
        lines: [{ sku: `FAKE-${made}`, quantity: 1, unitPrice: 100_000 }],
        vouchers: [{ code: `CODE${made}`, discount: 1000 }],
      }),
    );
    if (store instanceof RedisStore && index % 500 === 499) await store.flush();
  }
  if (store instanceof RedisStore) await store.flush();
  return guard;
}

describe('a flood of distinct made-up SKUs and codes', () => {
  it('keeps the embedded store within its bounds: 100,000 orders', async () => {
    const store = new MemoryStore();
    const guard = await flood(store, 100_000);
    // Made-up SKUs sold once never get a window: at most MAX_SKU_CANDIDATES names wait for a second sale.
    expect(sizeOf(store, 'history.entries')).toBe(1);
    expect(sizeOf(store, 'history.candidates.seen')).toBe(MAX_SKU_CANDIDATES);
    // Made-up codes: at most unknownVouchers.maxTracked counted, as many waiting for admission.
    expect(sizeOf(store, 'vouchers.counters')).toBeLessThanOrEqual(1001); // the codes and the shop's order count
    expect(sizeOf(store, 'vouchers.candidates.attempts')).toBeLessThanOrEqual(1000);
    // The real SKU's history is intact: a fat finger on it is still held.
    const held = await guard.check(
      order({ orderId: 'fat', lines: [{ sku: 'REAL', quantity: 1, unitPrice: 1000 }] }),
    );
    expect(held.kind).toBe('held');
  }, 120_000);

  it('keeps the Redis store’s process caches within their bounds: 20,000 orders', async () => {
    const redis = await startRedis();
    const store = new RedisStore({
      client: new Redis(redis.url),
      closeClient: true,
      flushIntervalMs: 60_000,
    });
    await store.init();
    try {
      const guard = await flood(store, 20_000);
      // Made-up SKUs: read once, written once, not cached; their names remembered at most 10,000 at a time.
      expect(sizeOf(store, 'history.entries')).toBeLessThanOrEqual(2);
      expect(sizeOf(store, 'history.absent')).toBeLessThanOrEqual(10_000);
      expect(sizeOf(store, 'vouchers.entries')).toBeLessThanOrEqual(1001);
      expect(sizeOf(store, 'vouchers.candidates.attempts')).toBeLessThanOrEqual(1000);
      const held = await guard.check(
        order({ orderId: 'fat', lines: [{ sku: 'REAL', quantity: 1, unitPrice: 1000 }] }),
      );
      expect(held.kind).toBe('held');
    } finally {
      await store.shutdown();
    }
  }, 120_000);
});
