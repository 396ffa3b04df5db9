// test/review/bulk.test.ts
// Bulk decisions (property): only matching pending orders change, decided ones never flip, racing bulks split cleanly.

import fc from 'fast-check';
import Redis from 'ioredis';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { ReviewWorkflow } from '../../src/engine/review';
import type { GuardStore, HoldStatus } from '../../src/ports/store';
import { bulkDecide } from '../../src/review/bulk';
import { MemoryStore } from '../../src/state/memory/store';
import { RedisStore } from '../../src/state/redis/store';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis } from '../helpers/redis';

const policy = parsePolicy({});
const SKUS = ['SKU-A', 'SKU-B', 'SKU-C'];
const VOUCHERS = ['V1', 'V2', undefined];
let redis: RedisInstance | undefined;
let client: Redis | undefined;
let runs = 0;
const redisStores: RedisStore[] = [];

const FACTORIES: Array<[string, () => Promise<GuardStore>]> = [
  ['MemoryStore', async () => new MemoryStore()],
  [
    'RedisStore',
    async () => {
      redis ??= await startRedis();
      client ??= new Redis(redis.url, { maxRetriesPerRequest: 2 });
      // A fresh prefix per property run: each run starts from an empty queue.
      const store = new RedisStore({ client, prefix: `bulk-${runs++}` });
      redisStores.push(store);
      return store;
    },
  ],
];

afterAll(async () => {
  for (const store of redisStores) await store.shutdown();
  await client?.quit();
  await redis?.stop();
});

const holdSpec = fc.record({
  sku: fc.constantFrom(...SKUS),
  voucher: fc.constantFrom(...VOUCHERS),
  pre: fc.constantFrom<HoldStatus | 'claimed'>('pending', 'pending', 'claimed', 'approved', 'rejected'),
});

async function seed(
  store: GuardStore,
  specs: Array<{ sku: string; voucher: string | undefined; pre: string }>,
) {
  let now = Date.UTC(2026, 10, 11, 10, 0, 0);
  const guard = new Guard({ policy, store, clock: () => now, storeTimeoutMs: 2_000 });
  for (const [index, spec] of specs.entries()) {
    now += 1_000;
    const input = spec.voucher
      ? order({
          orderId: `o${index}`,
          lines: [line(spec.sku, 100_000)],
          vouchers: [{ code: spec.voucher, discount: 100_000 }],
        })
      : order({ orderId: `o${index}`, lines: [line(spec.sku, 100_000, 100_000)] });
    const result = await guard.check(input);
    if (result.kind !== 'held') throw new Error('expected a hold');
    if (spec.pre === 'claimed') await store.claim(`o${index}`, 'someone', now);
    if (spec.pre === 'approved' || spec.pre === 'rejected') {
      await store.transition({ orderId: `o${index}`, to: spec.pre, actor: 'earlier', note: 'before', now });
    }
  }
}

describe.each(FACTORIES)('bulkDecide on %s', (_name, create) => {
  it('changes exactly the matching pending orders, never a decided one, and a retry changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(holdSpec, { minLength: 1, maxLength: 25 }),
        fc.constantFrom('sku', 'voucher'),
        fc.constantFrom<'approved' | 'rejected'>('approved', 'rejected'),
        async (specs, by, to) => {
          const store = await create();
          await seed(store, specs);
          const filter = by === 'sku' ? { sku: 'SKU-A' } : { voucher: 'V1' };
          const matches = (spec: (typeof specs)[number]) =>
            by === 'sku' ? spec.sku === 'SKU-A' : spec.voucher === 'V1';
          const expected = specs.filter(
            (spec) => matches(spec) && (spec.pre === 'pending' || spec.pre === 'claimed'),
          );
          const base = {
            filter,
            to,
            actor: 'bulk',
            note: 'incident',
            now: Date.now(),
            dryRun: false,
            maxOrders: 1_000,
          };
          const result = await bulkDecide(new ReviewWorkflow(store), base);
          expect(result).toMatchObject({
            matched: expected.length,
            changed: expected.length,
            skipped: 0,
            truncated: false,
          });
          for (const [index, spec] of specs.entries()) {
            const held = await store.getHold(`o${index}`);
            const want =
              matches(spec) && (spec.pre === 'pending' || spec.pre === 'claimed')
                ? to
                : spec.pre === 'claimed'
                  ? 'pending'
                  : spec.pre;
            expect(held?.status).toBe(want);
          }
          const retry = await bulkDecide(new ReviewWorkflow(store), base);
          expect(retry).toMatchObject({ matched: 0, changed: 0, skipped: 0 });
        },
      ),
      { numRuns: 15 },
    );
  });

  it('splits cleanly when two bulk actions race on overlapping orders', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(holdSpec, { minLength: 1, maxLength: 30 }), async (specs) => {
        const store = await create();
        await seed(store, specs);
        const now = Date.now();
        const common = { actor: 'bulk', now, dryRun: false, maxOrders: 1_000 };
        const [approve, reject] = await Promise.all([
          bulkDecide(new ReviewWorkflow(store), {
            ...common,
            filter: { sku: 'SKU-A' },
            to: 'approved',
            note: 'fine',
          }),
          bulkDecide(new ReviewWorkflow(store), {
            ...common,
            filter: { voucher: 'V1' },
            to: 'rejected',
            note: 'leak',
          }),
        ]);
        const union = specs.filter(
          (spec) =>
            (spec.sku === 'SKU-A' || spec.voucher === 'V1') &&
            (spec.pre === 'pending' || spec.pre === 'claimed'),
        );
        expect(approve.changed + reject.changed).toBe(union.length);
        expect(approve.changed + approve.skipped).toBe(approve.matched);
        expect(reject.changed + reject.skipped).toBe(reject.matched);
        for (const [index, spec] of specs.entries()) {
          const held = await store.getHold(`o${index}`);
          if (spec.pre === 'approved' || spec.pre === 'rejected') {
            expect(held).toMatchObject({ status: spec.pre, resolution: { by: 'earlier' } });
          }
          const trail = await store.auditTrail({ orderId: `o${index}`, limit: 20 });
          expect(
            trail.filter((entry) => entry.action === 'approved' || entry.action === 'rejected').length,
          ).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 15 },
    );
  });
});
