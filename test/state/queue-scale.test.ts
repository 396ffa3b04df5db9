// test/state/queue-scale.test.ts
// Opt-in measurement: review-list pages in every order, groups, incidents and money at stake over up to 1,000,000
// Redis holds.

/*
 * CPG_MEASURE=1 CPG_QUEUE_HOLDS=1000000 npx jest test/state/queue-scale.test.ts
 * Prints latencies (p50 / p99 of 100 calls); asserts only what the pages contain (timing targets live in the
 * benchmarks, never in tests). One hold in three uses one leaked code with one discount, so the money order has a
 * tie of N/3 entries: the case where a page must not rescan the entries before the cursor.
 */

import { Redis } from 'ioredis';
import { evaluate } from '../../src/core/evaluate';
import { NO_FACTS } from '../../src/core/facts';
import { OrderParser } from '../../src/core/order-parser';
import { parsePolicy } from '../../src/core/policy';
import type { HoldFilter, HoldOrder } from '../../src/ports/store';
import { RedisStore } from '../../src/state/redis/store';
import { type RedisInstance, startRedis } from '../helpers/redis';

const enabled = process.env.CPG_MEASURE === '1';
const HOLDS = Number(process.env.CPG_QUEUE_HOLDS ?? 100_000);
const describeMeasure = enabled ? describe : describe.skip;

describeMeasure(`review queue at ${HOLDS.toLocaleString('en-US')} holds (measurement)`, () => {
  let redis: RedisInstance;
  let client: Redis;
  let store: RedisStore;
  const report: string[] = [];

  beforeAll(async () => {
    redis = await startRedis({ args: ['--save', '', '--appendonly', 'no'] });
    client = new Redis(redis.url);
    store = new RedisStore({ client, prefix: 'scale', maxAuditEntries: 1000, decidedRetentionSeconds: 0 });
    const parser = new OrderParser();
    const policy = parsePolicy({});
    const start = Date.UTC(2026, 10, 11, 0, 0, 0);
    const began = performance.now();
    for (let index = 0; index < HOLDS; index += 1_000) {
      await Promise.all(
        Array.from({ length: Math.min(1_000, HOLDS - index) }, (_, offset) => {
          const n = index + offset;
          const leaked = n % 3 === 0;
          const price = 150_000 + (n % 97) * 1_000;
          const parsed = parser.parse({
            orderId: `ord_${String(n).padStart(8, '0')}`,
            currency: 'IDR',
            customerId: `cus_${n % 50_000}`,
            lines: [{ sku: `SKU-${n % 1_000}`, quantity: 1, unitPrice: price, discount: leaked ? 0 : price }],
            vouchers: leaked ? [{ code: 'LEAK1', discount: 100_000 }] : [],
            total: leaked ? price - 100_000 + (n % 10 === 0 ? 1 : 0) : 0,
          });
          if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
          const at = start + n * 10;
          return store.hold(parsed.order, evaluate(parsed.order, policy, NO_FACTS, at), policy, at);
        }),
      );
    }
    // Time spent inside Redis per hold (hold-create, with its aggregates; holds asked for together share a call),
    // apart from the client's work.
    const stats = String(await client.info('commandstats'));
    const evalsha = /cmdstat_evalsha:calls=(\d+),usec=(\d+),/.exec(stats);
    report.push(
      `loaded ${HOLDS.toLocaleString('en-US')} holds in ${Math.round((performance.now() - began) / 1000)} s` +
        (evalsha
          ? `; hold-create runs ${(Number(evalsha[2]) / HOLDS).toFixed(1)} µs per hold in Redis (${evalsha[1]} calls)`
          : ''),
    );
  }, 3_600_000);

  afterAll(async () => {
    console.log(`\n${report.join('\n')}\n`);
    await store?.shutdown();
    client?.disconnect();
    await redis?.stop();
  });

  async function timed(label: string, call: () => Promise<unknown>) {
    const values: number[] = [];
    for (let n = 0; n < 100; n++) {
      const begun = performance.now();
      await call();
      values.push(performance.now() - begun);
    }
    values.sort((a, b) => a - b);
    report.push(
      `${label.padEnd(58)} p50 ${values[49]!.toFixed(2).padStart(6)} ms  p99 ${values[98]!.toFixed(2).padStart(6)} ms`,
    );
  }

  /** The cursor after `pages` pages of 50. */
  async function cursorAfter(filter: HoldFilter, order: HoldOrder, pages: number): Promise<string> {
    let cursor: string | undefined;
    for (let page = 0; page < pages; page++) {
      cursor = (await store.listHolds(filter, 50, cursor, order)).nextCursor;
    }
    return cursor!;
  }

  it('pages every order in constant time, also deep inside a tie of N/3 equal discounts', async () => {
    for (const order of ['newest', 'oldest', 'money'] as const) {
      const first = await store.listHolds({ status: 'pending' }, 50, undefined, order);
      expect(first.items).toHaveLength(50);
      await timed(`listHolds status=pending order=${order}, first page`, () =>
        store.listHolds({ status: 'pending' }, 50, undefined, order),
      );
      const deep = await cursorAfter({ status: 'pending' }, order, 40);
      await timed(`listHolds status=pending order=${order}, page 41`, () =>
        store.listHolds({ status: 'pending' }, 50, deep, order),
      );
    }
    const inTie = await cursorAfter({ voucher: 'LEAK1' }, 'money', 60);
    const page = await store.listHolds({ voucher: 'LEAK1' }, 50, inTie, 'money');
    expect(page.items).toHaveLength(50);
    await timed('listHolds voucher=LEAK1 order=money, page 61 (inside the tie)', () =>
      store.listHolds({ voucher: 'LEAK1' }, 50, inTie, 'money'),
    );
    // The cursor's own order decided (it leaves s:pending): the page continues by binary search in its tie.
    const pending = await cursorAfter({ status: 'pending' }, 'money', 60);
    const orderId = pending.slice(pending.lastIndexOf(':') + 1);
    expect(
      (await store.transition({ orderId, to: 'rejected', actor: 'm', note: 'm', now: Date.now() })).ok,
    ).toBe(true);
    await timed('listHolds status=pending order=money, page 61, cursor order decided', () =>
      store.listHolds({ status: 'pending' }, 50, pending, 'money'),
    );
  }, 600_000);

  it('reads groups and money at stake from aggregates, whatever the size', async () => {
    const groups = await store.listGroups({ limit: 20 });
    expect(groups.groups.find((group) => group.key === 'LEAK1')?.count).toBe(Math.ceil(HOLDS / 3));
    await timed('listGroups top 20 by count (all kinds)', () => store.listGroups({ limit: 20 }));
    await timed('listGroups top 20 by exposure in IDR', () =>
      store.listGroups({ by: 'exposure', currency: 'IDR', limit: 20 }),
    );
    expect((await store.queueStats(Date.now())).pendingValue?.IDR?.orders).toBe(HOLDS - 1);
    await timed('queueStats (counts, oldest, money at stake)', () => store.queueStats(Date.now()));
  }, 600_000);

  it('reads the incidents from aggregates, their counts never more than the pending holds', async () => {
    const top = await store.listIncidents({ currency: 'IDR', limit: 50 });
    expect(top.pending).toBe(HOLDS - 1);
    expect(top.incidents.reduce((sum, incident) => sum + incident.count, 0)).toBeLessThanOrEqual(top.pending);
    expect(top.total).toBeGreaterThan(50);
    await timed(`listIncidents top 50 by exposure in IDR (of ${top.total})`, () =>
      store.listIncidents({ currency: 'IDR', limit: 50 }),
    );
    await timed('listIncidents top 50 by count', () => store.listIncidents({ by: 'count', limit: 50 }));
  }, 600_000);
});
