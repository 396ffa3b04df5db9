// test/state/redis-faults.test.ts
// Redis hangs, dies and comes back mid-run: checkout answers in time, no zero total slips, no acknowledged hold is lost.

import type { Cluster, Redis } from 'ioredis';
import { parsePolicy } from '../../src/core/policy';
import { type CheckResult, Guard } from '../../src/engine/guard';
import { createRedisClient } from '../../src/state/redis/connection';
import { RedisStore } from '../../src/state/redis/store';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis } from '../helpers/redis';

const STORE_TIMEOUT_MS = 200;
let server: RedisInstance;
let client: Redis | Cluster;
let store: RedisStore;
let guard: Guard;

beforeAll(async () => {
  server = await startRedis({ durable: true });
});
beforeEach(async () => {
  client = createRedisClient(server.url, { commandTimeoutMs: 100 });
  client.on('error', () => {}); // reconnection errors are expected here
  store = new RedisStore({ client, prefix: `fault${Date.now()}`, flushIntervalMs: 100, closeClient: true });
  await store.init();
  guard = new Guard({ policy: parsePolicy({}), store, storeTimeoutMs: STORE_TIMEOUT_MS });
});
afterEach(async () => {
  server.resume();
  await store.shutdown();
});
afterAll(async () => {
  await server.stop();
});

const zeroTotal = (orderId: string) => order({ orderId, lines: [line('TOTE', 4_700_000, 4_700_000)] });
const nearZero = (orderId: string) => order({ orderId, lines: [line('TOTE', 4_700_000, 4_699_000)] });
const normal = (orderId: string) => order({ orderId, lines: [line('CARD-CASE', 1_250_000)] });

/** Checks an order and returns the result with how long the check took, in ms. */
async function timed(input: unknown): Promise<{ result: CheckResult; ms: number }> {
  const started = performance.now();
  const result = await guard.check(input);
  return { result, ms: performance.now() - started };
}

/** Waits until Redis answers through the store again. */
async function waitForRecovery(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await store.queueStats(0);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

test('a paused Redis: every check answers within the timeouts, zero and near-zero totals are never allowed', async () => {
  expect((await guard.check(zeroTotal('before'))).kind).toBe('held');
  server.pause();
  // Bound: prepare (storeTimeoutMs) plus hold (5 × storeTimeoutMs), plus scheduling slack on a busy machine.
  const bound = STORE_TIMEOUT_MS * 6 + 1_000;
  const zero = await timed(zeroTotal('paused-zero'));
  const near = await timed(nearZero('paused-near'));
  const fine = await timed(normal('paused-normal'));
  expect(zero.result.kind).toBe('unavailable'); // a 503: the hold was not acknowledged
  expect(near.result.kind).toBe('unavailable');
  expect(fine.result.kind).toBe('allowed');
  for (const { ms } of [zero, near, fine]) expect(ms).toBeLessThan(bound);
  if (fine.result.kind === 'allowed') {
    expect(fine.result.decision.abstentions).toEqual(
      expect.arrayContaining([expect.objectContaining({ rule: 'below_recent_price' })]),
    );
  }
  server.resume();
  await waitForRecovery();
  // The shopper's retry of the 503'd order is stored (or found, if the timed-out write landed after all).
  const retry = await guard.check(zeroTotal('paused-zero'));
  expect(retry.kind).toBe('held');
  expect(await store.getHold('paused-zero')).toMatchObject({ status: 'pending' });
  expect(await store.getHold('before')).toMatchObject({ status: 'pending' });
});

test('Redis killed mid-run and restarted: no acknowledged hold is lost and no zero total is allowed', async () => {
  const acknowledged: string[] = [];
  const kinds: Record<string, number> = {};
  for (let index = 0; index < 60; index++) {
    if (index === 20) await server.kill();
    if (index === 40) await server.restart();
    const zero = await guard.check(zeroTotal(`run-${index}`));
    kinds[zero.kind] = (kinds[zero.kind] ?? 0) + 1;
    expect(zero.kind).not.toBe('allowed');
    if (zero.kind === 'held') acknowledged.push(zero.held.orderId);
    const fine = await guard.check(normal(`fine-${index}`));
    expect(fine.kind).toBe('allowed');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(kinds.unavailable).toBeGreaterThanOrEqual(20); // every check while Redis was down answered 503
  expect(acknowledged.length).toBeGreaterThanOrEqual(20);
  await waitForRecovery();
  expect((await guard.check(zeroTotal('after-restart'))).kind).toBe('held');
  for (const orderId of acknowledged) expect(await store.getHold(orderId)).toMatchObject({ orderId });
  expect((await store.queueStats(0)).byStatus.pending).toBeGreaterThanOrEqual(acknowledged.length);
});

test('shutdown flushes the write-behind buffer', async () => {
  const policy = parsePolicy({ history: { minSamples: 3 } });
  const local = new Guard({ policy, store, storeTimeoutMs: 2_000 });
  for (let index = 0; index < 3; index++) await local.check(normal(`wb-${index}`));
  const prefix = (store as unknown as { options: { prefix: string } }).options.prefix;
  await store.shutdown();
  const reader = createRedisClient(server.url, { commandTimeoutMs: 1_000 });
  await new Promise((resolve) => reader.once('ready', resolve));
  try {
    // Samples are `price:paid at (epoch ms)`.
    const samples = await reader.lrange(`{${prefix}:h:CARD-CASE}:IDR`, 0, -1);
    expect(samples.map((sample) => sample.split(':')[0])).toEqual(['1250000', '1250000', '1250000']);
  } finally {
    reader.disconnect();
  }
});
