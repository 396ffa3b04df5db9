// test/state/redis-cluster.test.ts
// The whole flow on a 3-master Redis Cluster: every script touches one slot, and keys spread over the masters.

import { Cluster, Redis } from 'ioredis';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { ReviewWorkflow } from '../../src/engine/review';
import { createStoreFromEnv } from '../../src/state/from-env';
import { createRedisClient } from '../../src/state/redis/connection';
import { RedisStore } from '../../src/state/redis/store';
import { line, order } from '../helpers/orders';
import { type RedisClusterInstance, startCluster } from '../helpers/redis';

let cluster: RedisClusterInstance;
const stores: RedisStore[] = [];

beforeAll(async () => {
  cluster = await startCluster();
}, 60_000);
afterAll(async () => {
  await Promise.all(stores.map((store) => store.shutdown()));
  await cluster.stop();
});

async function clusterStore(prefix: string): Promise<RedisStore> {
  const store = createStoreFromEnv({
    REDIS_URL: cluster.url,
    REDIS_PREFIX: prefix,
    REDIS_COMMAND_TIMEOUT_MS: '2000',
    REDIS_FLUSH_INTERVAL_MS: '60000',
  });
  expect(store).toBeInstanceOf(RedisStore);
  await store.init?.();
  stores.push(store as RedisStore);
  return store as RedisStore;
}

test('the redis+cluster:// URL makes a Cluster client', () => {
  const client = createRedisClient(cluster.url);
  expect(client).toBeInstanceOf(Cluster);
  client.disconnect();
});

test('history, velocity, caps, holds and review work on a cluster, from two instances', async () => {
  const [storeA, storeB] = [await clusterStore('cl'), await clusterStore('cl')];
  const policy = parsePolicy({
    history: { minSamples: 5 },
    vouchers: {
      CAP3: { maxUses: 3, velocity: { minRedemptions: 1000 } },
      LEAK: { velocity: { maxPerWindow: 3 } },
      BANK: { paymentMethods: ['card:bank-a-*'] },
    },
  });
  const [guardA, guardB] = [
    new Guard({ policy, store: storeA, storeTimeoutMs: 2000 }),
    new Guard({ policy, store: storeB, storeTimeoutMs: 2000 }),
  ];
  // Many SKUs, so their keys land on every master.
  for (let index = 0; index < 10; index++) {
    for (const sku of ['TOTE', 'BAG', 'SHOE', 'HAT', 'BELT']) {
      const guard = index % 2 === 0 ? guardA : guardB;
      expect(
        (await guard.check(order({ orderId: `w-${sku}-${index}`, lines: [line(sku, 1_000_000)] }))).kind,
      ).toBe('allowed');
    }
  }
  await Promise.all([storeA.flush(), storeB.flush()]);
  const fat = await guardA.check(order({ orderId: 'fat', lines: [line('SHOE', 1_000)] }));
  expect(fat.kind).toBe('held');

  const capped = await Promise.all(
    Array.from({ length: 8 }, (_, index) =>
      (index % 2 === 0 ? guardA : guardB).check(
        order({
          orderId: `cap-${index}`,
          customerId: `c${index}`,
          lines: [line('HAT', 1_000_000)],
          vouchers: [{ code: 'CAP3', discount: 1000 }],
        }),
      ),
    ),
  );
  expect(capped.filter((result) => result.kind === 'allowed')).toHaveLength(3);

  const leak = [];
  for (let index = 0; index < 5; index++) {
    leak.push(
      (
        await guardA.check(
          order({
            orderId: `leak-${index}`,
            lines: [line('BAG', 1_000_000)],
            vouchers: [{ code: 'LEAK', discount: 1 }],
          }),
        )
      ).kind,
    );
  }
  expect(leak).toEqual(['allowed', 'allowed', 'allowed', 'held', 'held']);
  const wrongCard = await guardB.check(
    order({
      orderId: 'bank',
      paymentMethod: 'ewallet:x',
      lines: [line('BELT', 1_000_000)],
      vouchers: [{ code: 'BANK', discount: 1 }],
    }),
  );
  expect(wrongCard.kind).toBe('held');

  // Review side, from the other instance.
  const page = await storeB.listHolds({ status: 'pending', rule: 'voucher_budget' }, 10);
  expect(page.items).toHaveLength(5);
  const decided = await new ReviewWorkflow(storeB).decide({
    orderId: page.items[0]!.orderId,
    to: 'rejected',
    actor: 'oncall',
    note: 'over cap',
    now: Date.now(),
  });
  expect(decided.ok).toBe(true);
  expect(await new ReviewWorkflow(storeA).clearVoucher('LEAK', 'oncall', Date.now())).toBe(true);
  await new ReviewWorkflow(storeA).resetHistory('SHOE', 'oncall', Date.now());
  expect((await storeA.queueStats(0)).byStatus).toEqual({ pending: 8, approved: 0, rejected: 1 });
  expect((await storeA.auditTrail({ limit: 2 })).map((entry) => entry.action)).toEqual([
    'history_reset',
    'voucher_cleared',
  ]);

  // The keys are spread over all three masters: the scripts really ran against different slots.
  const counts = await Promise.all(
    cluster.nodes.map(async (node) => {
      const direct = new Redis(node.port, '127.0.0.1');
      try {
        return (await direct.keys('{cl:*')).length;
      } finally {
        direct.disconnect();
      }
    }),
  );
  for (const count of counts) expect(count).toBeGreaterThan(0);
});
