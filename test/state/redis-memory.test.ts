// test/state/redis-memory.test.ts
// Measures Redis memory per SKU, voucher and held order (MEMORY USAGE) and checks them against budgets.

/*
 * Opt-in (it writes thousands of holds): CPG_MEASURE=1 npx jest test/redis-memory.test.ts
 * CPG_MEASURE_HOLDS=100000 measures more holds and also prints listHolds timings. The numbers in docs/redis.md
 * come from this file.
 */

import { Redis } from 'ioredis';
import { evaluate } from '../../src/core/evaluate';
import { NO_FACTS } from '../../src/core/facts';
import type { Order } from '../../src/core/order';
import { OrderParser } from '../../src/core/order-parser';
import { parsePolicy } from '../../src/core/policy';
import { RedisStore } from '../../src/state/redis/store';
import { type RedisInstance, startRedis } from '../helpers/redis';

const enabled = process.env.CPG_MEASURE === '1';
const HOLDS = Number(process.env.CPG_MEASURE_HOLDS ?? 5_000);
const parser = new OrderParser();

function parsed(input: unknown): Order {
  const result = parser.parse(input);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.order;
}

(enabled ? describe : describe.skip)('Redis memory budget', () => {
  let server: RedisInstance;
  let raw: Redis;
  let store: RedisStore;
  const report: string[] = [];

  beforeAll(async () => {
    server = await startRedis();
    raw = new Redis(server.url);
    store = new RedisStore({
      client: new Redis(server.url, { commandTimeout: 10_000 }),
      prefix: 'm',
      closeClient: true,
    });
    await store.init();
  });
  afterAll(async () => {
    console.log(report.join('\n'));
    await store.shutdown();
    raw.disconnect();
    await server.stop();
  });

  const usage = async (key: string) => Number(await raw.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await raw.info('memory'))![1]);

  test('a SKU with 101 price samples costs under 1 KiB', async () => {
    const policy = parsePolicy({});
    const now = Date.now();
    for (let index = 0; index < 101; index++) {
      const price = 4_700_000 - (index % 7) * 10_000;
      const order = parsed({
        orderId: `s${index}`,
        currency: 'IDR',
        lines: [{ sku: 'MJ-TOTE-TIGER-0001', quantity: 1, unitPrice: price }],
        total: price,
      });
      store.commit(order, evaluate(order, policy, NO_FACTS, now), policy, now);
    }
    await store.flush();
    const bytes = (await usage('{m:h:MJ-TOTE-TIGER-0001}:IDR')) + (await usage('{m:h:MJ-TOTE-TIGER-0001}'));
    report.push(`SKU, 101 samples: ${bytes} B`);
    expect(bytes).toBeLessThan(1024);
  });

  test('a voucher used every minute for a day costs under 2 KiB', async () => {
    const policy = parsePolicy({ vouchers: { DAY: {} } });
    const start = Date.now() - 1440 * 60_000;
    for (let minute = 0; minute < 1440; minute++) {
      const order = parsed({
        orderId: `d${minute}`,
        currency: 'IDR',
        lines: [{ sku: 'Y', quantity: 1, unitPrice: 200_000 }],
        vouchers: [{ code: 'DAY', discount: 1 }],
        total: 199_999,
      });
      await store.prepare(order, policy, start + minute * 60_000);
      await store.flush();
    }
    const bytes = (await usage('{m:v:DAY}')) + (await usage('{m:v:DAY}:m'));
    report.push(
      `voucher used every minute for 24 h: ${bytes} B (${await raw.hlen('{m:v:DAY}:m')} counter fields)`,
    );
    expect(bytes).toBeLessThan(2048);
  });

  test('a held order costs under 4 KiB with its indexes and audit entries', async () => {
    const policy = parsePolicy({});
    const now = Date.now();
    const before = await usedMemory();
    const started = performance.now();
    for (let index = 0; index < HOLDS; index += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, HOLDS - index) }, (_, offset) => {
          const n = index + offset;
          const order = parsed({
            orderId: `ord_${200_000_000 + n}`,
            customerId: `cus_${n % 50_000}`,
            paymentMethod: 'card:bank-a-visa',
            currency: 'IDR',
            lines: [
              { sku: `MJ-TOTE-${n % 1000}`, quantity: 1, unitPrice: 4_700_000, discount: 4_700_000 },
              { sku: `MJ-CARD-${n % 300}`, quantity: 1, unitPrice: 1_250_000 },
            ],
            vouchers: [{ code: `V${n % 100}`, discount: 100_000 }],
            shipping: 15_000,
            total: 1_165_000,
          });
          const at = now - (HOLDS - n) * 10;
          return store.hold(order, evaluate(order, policy, NO_FACTS, at), policy, at);
        }),
      );
    }
    const perHold = Math.round(((await usedMemory()) - before) / HOLDS);
    report.push(
      `held order: ${perHold} B each over ${HOLDS} (written in ${Math.round(performance.now() - started)} ms)`,
    );
    expect(perHold).toBeLessThan(4096);
    const timed = async (label: string, call: () => Promise<{ items: unknown[] }>) => {
      const start = performance.now();
      const page = await call();
      report.push(`${label}: ${(performance.now() - start).toFixed(1)} ms, ${page.items.length} items`);
      expect(page.items.length).toBeGreaterThan(0);
    };
    await timed('listHolds({}, 50)', () => store.listHolds({}, 50));
    await timed('listHolds({sku, from}, 50)', () =>
      store.listHolds({ sku: 'MJ-TOTE-7', from: now - HOLDS * 5 }, 50),
    );
  });
});

if (!enabled) test('memory budget measurement is opt-in (CPG_MEASURE=1)', () => expect(enabled).toBe(false));
