// test/state/redis-properties.test.ts
// Property tests: the RedisStore's money (budget grants) and medians match the MemoryStore exactly, for any input.

import fc from 'fast-check';
import { Redis } from 'ioredis';
import { evaluate } from '../../src/core/evaluate';
import type { Order } from '../../src/core/order';
import { OrderParser } from '../../src/core/order-parser';
import { type Policy, parsePolicy } from '../../src/core/policy';
import type { GuardStore } from '../../src/ports/store';
import { MemoryStore } from '../../src/state/memory/store';
import { RedisStore } from '../../src/state/redis/store';
import { type RedisInstance, startRedis } from '../helpers/redis';

let server: RedisInstance;
let client: Redis;
let runs = 0;

beforeAll(async () => {
  server = await startRedis();
  client = new Redis(server.url, { commandTimeout: 2000 });
});
afterAll(async () => {
  await client.quit();
  await server.stop();
});

const parser = new OrderParser();
const T0 = Date.UTC(2026, 10, 11);

function parsed(input: unknown): Order {
  const result = parser.parse(input);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.order;
}

async function both<T>(run: (store: GuardStore, flush: () => Promise<void>) => Promise<T>): Promise<[T, T]> {
  runs += 1;
  const redis = new RedisStore({ client, prefix: `prop${runs}`, flushIntervalMs: 60_000 });
  try {
    return [await run(new MemoryStore(), async () => {}), await run(redis, () => redis.flush())];
  } finally {
    await redis.shutdown();
  }
}

async function allow(store: GuardStore, policy: Policy, order: Order, now: number) {
  const facts = await store.prepare(order, policy, now);
  const evaluation = evaluate(order, policy, facts, now);
  if (evaluation.decision.decision === 'allow') await store.commit(order, evaluation, policy, now);
  return facts;
}

test('budget granted is the exact integer sum of allowed discounts, up to amounts near MAX_SAFE_INTEGER', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 2 ** 47 }), { minLength: 1, maxLength: 12 }),
      async (discounts) => {
        const policy = parsePolicy({
          discountCaps: { orderBp: 10_000, lineBp: 10_000 },
          vouchers: { BIG: { budget: { IDR: Number.MAX_SAFE_INTEGER }, velocity: { minRedemptions: 1000 } } },
        });
        const order = (index: number, discount: number) =>
          parsed({
            orderId: `o${index}`,
            currency: 'IDR',
            lines: [{ sku: 'S', quantity: 1, unitPrice: 2 ** 48 }],
            vouchers: [{ code: 'BIG', discount }],
            total: 2 ** 48 - discount,
          });
        const [memory, redis] = await both(async (store, flush) => {
          for (const [index, discount] of discounts.entries())
            await allow(store, policy, order(index, discount), T0 + index);
          await flush();
          const facts = await store.prepare(order(999, 0), policy, T0 + 1000);
          return facts.vouchers.get('BIG')?.budgetUsed;
        });
        expect(memory).toBe(discounts.reduce((sum, value) => sum + value, 0));
        expect(redis).toBe(memory);
      },
    ),
    { numRuns: 20 },
  );
});

test('history medians match the MemoryStore for any prices and maxSamples', async () => {
  await fc.assert(
    fc.asyncProperty(
      // At least two sales: the embedded store gives a SKU the policy does not name its window at its second.
      fc.array(fc.integer({ min: 1, max: 10 ** 12 }), { minLength: 2, maxLength: 30 }),
      fc.integer({ min: 3, max: 15 }),
      async (prices, maxSamples) => {
        // Every price enters: neither history rule holds (any price is normal), and no bucket limit applies.
        const policy = parsePolicy({
          history: { maxSamples, minSamples: 1, ratioBp: 0, perBucket: 1000 },
          rules: { above_recent_price: { enabled: false } },
        });
        const order = (index: number, price: number) =>
          parsed({
            orderId: `h${index}`,
            currency: 'IDR',
            lines: [{ sku: 'P', quantity: 1, unitPrice: price }],
            total: price,
          });
        const [memory, redis] = await both(async (store, flush) => {
          for (const [index, price] of prices.entries()) {
            await allow(store, policy, order(index, price), T0 + index);
            if (index % 4 === 3) await flush();
          }
          await flush();
          return (await store.prepare(order(999, 1), policy, T0 + 1000)).history.get('IDR:P');
        });
        // The medians agree exactly. (The anchor is learned at the sample that makes minSamples in memory and at the
        // flush that brings them on Redis; price-anchor.test.ts holds the two algorithms to one batch by batch.)
        expect({ samples: redis?.samples, median: redis?.median }).toEqual({
          samples: memory?.samples,
          median: memory?.median,
        });
        expect(redis?.anchor === undefined).toBe(memory?.anchor === undefined);
        expect(memory?.samples).toBe(Math.min(prices.length, maxSamples));
      },
    ),
    { numRuns: 20 },
  );
});
