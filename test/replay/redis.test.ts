// test/replay/redis.test.ts
// Replay on Redis: the same report as in memory, on a private redis-server, with no key left behind.

import { join } from 'node:path';
import Redis from 'ioredis';
import { loadPolicyFile } from '../../src/config/policy-file';
import { replay } from '../../src/replay/replay';
import { DAYS, ScenarioGenerator, toNdjson } from '../../tools/scenarios';
import { markdown } from '../../tools/scenarios/kinds/markdown';
import { newSku } from '../../tools/scenarios/kinds/new-sku';
import { overchargeBurst } from '../../tools/scenarios/kinds/overcharge-burst';
import { startRedis, stopAll } from '../helpers/redis';
import { defaults, EXAMPLES } from './fixtures';

afterAll(() => stopAll());

describe('memory and Redis', () => {
  it('a replay on Redis gives the same report as one in memory, and leaves no key behind', async () => {
    const redis = await startRedis();
    // A leaked code that trips and resumes, a markdown on-call approves, an overcharge and new SKUs: every kind of
    // state (voucher windows, trips, price history, approvals, reference prices), in about a thousand orders.
    const generator = new ScenarioGenerator({
      seed: 5,
      ordersPerDay: 300,
      skus: 120,
      leakMinutes: 3,
      leakPerMinute: 40,
    });
    let stream = generator.voucherLeak([
      ...generator.normalDay(DAYS.warmup, 'd1109'),
      ...generator.normalDay(DAYS.incident, 'd1110'),
    ]);
    for (const kind of [newSku, markdown, overchargeBurst]) stream = kind(generator, stream);
    const lines = toNdjson(stream).split('\n');
    const policy = loadPolicyFile(join(EXAMPLES, 'policy.general.yaml'));
    const options = { policy, reviewAfterMinutes: 15, baseline: { policy: defaults, name: 'defaults' } };
    const memory = await replay(lines, options);
    const onRedis = await replay(lines, { ...options, store: 'redis', redisUrl: redis.url });
    expect(memory.held).toBeGreaterThan(100);
    expect(memory.heldByRule.voucher_velocity).toBeGreaterThan(0);
    expect(memory.review!.approved).toBeGreaterThan(0);
    expect({ ...onRedis, store: 'memory' }).toEqual(memory);
    expect(onRedis.store).toBe('redis');
    const client = new Redis(redis.url);
    expect(await client.dbsize()).toBe(0);
    client.disconnect();
  }, 120_000);
});
