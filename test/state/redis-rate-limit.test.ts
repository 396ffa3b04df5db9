// test/state/redis-rate-limit.test.ts
// RedisRateLimitStore on a private redis-server: the express-rate-limit Store contract (increment, decrement,
// resetKey, get), its window, its keys under the prefix, and a refused client.

import type { Options } from 'express-rate-limit';
import Redis from 'ioredis';
import { RedisRateLimitStore } from '../../src/state/redis/rate-limit';
import { type RedisInstance, startRedis, stopAll } from '../helpers/redis';

const WINDOW_MS = 3_600_000;
let redis: RedisInstance;
let client: Redis;
let stores = 0;

/** A store under a prefix of its own, initialised as a limiter initialises it. */
function freshStore(): RedisRateLimitStore {
  const store = new RedisRateLimitStore({ client, prefix: `rls-${stores++}` });
  store.init({ windowMs: WINDOW_MS } as Options);
  return store;
}

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url, { maxRetriesPerRequest: 2 });
});

afterAll(async () => {
  await client.quit();
  await stopAll();
});

describe('RedisRateLimitStore', () => {
  it('counts per key in one window that starts with the first request, under the prefix', async () => {
    const store = freshStore();
    const before = Date.now();
    const first = await store.increment('ip:10.0.0.1/56');
    expect(first.totalHits).toBe(1);
    expect(first.resetTime!.getTime()).toBeGreaterThanOrEqual(before + WINDOW_MS - 1_000);
    expect(first.resetTime!.getTime()).toBeLessThanOrEqual(Date.now() + WINDOW_MS);
    const second = await store.increment('ip:10.0.0.1/56');
    expect(second.totalHits).toBe(2);
    // The same window: the second request does not move its end.
    expect(second.resetTime!.getTime()).toBeLessThanOrEqual(first.resetTime!.getTime() + 50);
    expect((await store.increment('token:vera')).totalHits).toBe(1);
    const keys = await client.keys(`${store.prefix}*`);
    expect(keys.sort()).toEqual([`${store.prefix}ip:10.0.0.1/56}`, `${store.prefix}token:vera}`]);
    expect(await client.pttl(`${store.prefix}token:vera}`)).toBeGreaterThan(0);
    expect(await store.get('ip:10.0.0.1/56')).toEqual({ totalHits: 2, resetTime: expect.any(Date) });
    expect(await store.get('token:nobody')).toBeUndefined();
  });

  it('takes a request back within the window only, never below zero and never leaving a key without expiry', async () => {
    const store = freshStore();
    await store.increment('token:rudi');
    await store.increment('token:rudi');
    await store.decrement('token:rudi');
    expect((await store.get('token:rudi'))?.totalHits).toBe(1);
    await store.decrement('token:rudi');
    await store.decrement('token:rudi');
    expect((await store.get('token:rudi'))?.totalHits ?? 0).toBe(0);
    // A key that was never counted is not created by a decrement.
    await store.decrement('token:ghost');
    expect(await client.exists(`${store.prefix}token:ghost}`)).toBe(0);
    expect((await store.increment('token:rudi')).totalHits).toBe(1);
  });

  it('forgets a key on resetKey', async () => {
    const store = freshStore();
    await store.increment('token:ana');
    await store.resetKey('token:ana');
    expect(await store.get('token:ana')).toBeUndefined();
    expect((await store.increment('token:ana')).totalHits).toBe(1);
  });

  it('refuses what is not an ioredis client, and a prefix Redis keys cannot carry', () => {
    expect(() => new RedisRateLimitStore({ client: {} as Redis })).toThrow(
      /option "client" must be an ioredis Redis or Cluster instance/,
    );
    expect(() => new RedisRateLimitStore({ client, prefix: 'a b' })).toThrow(
      /^RedisRateLimitStore: option "prefix" must be 1-64/,
    );
  });
});
