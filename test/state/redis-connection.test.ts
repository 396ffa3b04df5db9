// test/state/redis-connection.test.ts
// REDIS_URL parsing, the store chosen from the environment, and the hot path's Redis round trips.

import fc from 'fast-check';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { createStoreFromEnv } from '../../src/state/from-env';
import { MemoryStore } from '../../src/state/memory/store';
import { createRedisClient, parseRedisUrl, RedisConfigError } from '../../src/state/redis/connection';
import { RedisStore } from '../../src/state/redis/store';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis } from '../helpers/redis';

describe('parseRedisUrl', () => {
  test('redis:// and rediss:// name one node', () => {
    expect(parseRedisUrl('redis://cache.example:6379/2')).toEqual({
      kind: 'single',
      url: 'redis://cache.example:6379/2',
    });
    expect(parseRedisUrl(' rediss://user:pw@cache:6380 ')).toEqual({
      kind: 'single',
      url: 'rediss://user:pw@cache:6380',
    });
  });

  test('redis+cluster:// and seed lists select a cluster, with credentials and TLS', () => {
    expect(parseRedisUrl('redis+cluster://:s3cret@10.0.0.1:7000,10.0.0.2:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      password: 's3cret',
      tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://a:7000')).toMatchObject({
      kind: 'cluster',
      tls: true,
      nodes: [{ host: 'a', port: 7000 }],
    });
    expect(parseRedisUrl('redis://a:7000,redis://b')).toMatchObject({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 6379 },
      ],
    });
    expect(parseRedisUrl('a:1,b:2')).toMatchObject({ kind: 'cluster', tls: false });
  });

  test('bad URLs are refused with a message that names the problem', () => {
    expect(() => parseRedisUrl('')).toThrow(/empty/);
    expect(() => parseRedisUrl('http://x')).toThrow(/must start with redis:\/\//);
    expect(() => parseRedisUrl('redis+cluster://a:99999')).toThrow(/"a:99999" is not host:port/);
    expect(() => parseRedisUrl('redis+cluster://')).toThrow(RedisConfigError);
  });

  test('any list of host:port seeds round-trips', () => {
    const host = fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(host, fc.integer({ min: 1, max: 65_535 })), { minLength: 2, maxLength: 6 }),
        (nodes) => {
          const parsed = parseRedisUrl(`redis+cluster://${nodes.map(([h, p]) => `${h}:${p}`).join(',')}`);
          expect(parsed).toEqual({
            kind: 'cluster',
            nodes: nodes.map(([h, p]) => ({ host: h, port: p })),
            tls: false,
          });
        },
      ),
    );
  });
});

describe('createStoreFromEnv', () => {
  test('no REDIS_URL: the embedded store', () => {
    expect(createStoreFromEnv({})).toBeInstanceOf(MemoryStore);
    expect(createStoreFromEnv({ REDIS_URL: '  ' })).toBeInstanceOf(MemoryStore);
  });

  test('bad numbers name the variable', () => {
    expect(() =>
      createStoreFromEnv({ REDIS_URL: 'redis://127.0.0.1:1', REDIS_COMMAND_TIMEOUT_MS: 'soon' }),
    ).toThrow(/REDIS_COMMAND_TIMEOUT_MS must be a positive whole number of milliseconds; got "soon"/);
  });
});

describe('hot path round trips (private redis-server)', () => {
  let server: RedisInstance;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  /** A client that counts what the store sends: every command, script call and pipeline goes through sendCommand. */
  function countingClient() {
    const client = createRedisClient(server.url, { commandTimeoutMs: 2000 });
    let sent = 0;
    const target = client as unknown as { sendCommand: (...args: unknown[]) => unknown };
    const send = target.sendCommand.bind(client);
    target.sendCommand = (...args: unknown[]) => {
      sent += 1;
      return send(...args);
    };
    return { client, sent: () => sent };
  }

  /** A store on a counting client, and a guard on it with the default policy and a fixed clock. */
  async function countedGuard(prefix: string) {
    const { client, sent } = countingClient();
    const store = new RedisStore({ client, prefix, flushIntervalMs: 60_000, closeClient: true });
    await store.init();
    const guard = new Guard({
      policy: parsePolicy({}),
      store,
      storeTimeoutMs: 2000,
      clock: () => 1_800_000_000_000,
    });
    return { store, guard, sent };
  }

  test('an allowed order makes one Redis call in steady state (its id binding), two with a hard-capped voucher', async () => {
    const { client, sent } = countingClient();
    const commandsDuring = async (action: () => Promise<unknown>) => {
      const before = sent();
      await action();
      return sent() - before;
    };
    const store = new RedisStore({ client, flushIntervalMs: 60_000, closeClient: true });
    try {
      await store.init();
      // A fixed clock: a new minute would add the one refresh of the shop's counts that every minute costs.
      const guard = new Guard({
        policy: parsePolicy({ vouchers: { OPEN: {}, CAPPED: { maxUses: 100 } } }),
        store,
        storeTimeoutMs: 2000,
        clock: () => 1_800_000_000_000,
      });
      const withCode = (orderId: string, code: string) =>
        order({
          orderId,
          lines: [line('SKU-1', 100_000), line('SKU-2', 50_000)],
          vouchers: [{ code, discount: 1000 }],
        });
      // Cold: binds the order id, reads each SKU's samples and anchor (one script call each), the voucher state and
      // the shop's order counts.
      expect(await commandsDuring(() => guard.check(withCode('warm-1', 'OPEN')))).toBe(5);
      await guard.check(withCode('warm-2', 'CAPPED'));
      // Steady: the order id binding is the one round trip of an allowed order.
      expect(await commandsDuring(() => guard.check(withCode('steady', 'OPEN')))).toBe(1);
      expect(await commandsDuring(() => guard.check(withCode('capped', 'CAPPED')))).toBe(2);
      // The write-behind batch: one script call per SKU (2) and per code with buffered attempts (OPEN), one for
      // every verdict at once (4 orders), one for the shop's order counts, plus a revalidation of CAPPED if its
      // state has gone stale.
      const flushed = await commandsDuring(() => store.flush());
      expect(flushed).toBeGreaterThanOrEqual(5);
      expect(flushed).toBeLessThanOrEqual(6);
    } finally {
      await store.shutdown();
    }
  });

  test('orders that arrive together are bound in one script call; a duplicate in the batch is seen, not bound twice', async () => {
    const { store, guard, sent } = await countedGuard('batch');
    try {
      const cart = (orderId: string, price = 100_000) => order({ orderId, lines: [line('SKU-1', price)] });
      // A SKU is cached once Redis has history for it: its first sale is written, the next read caches it.
      await guard.check(cart('warm'));
      await store.flush();
      await guard.check(cart('warm-2'));
      const before = sent();
      const results = await Promise.all([
        ...Array.from({ length: 50 }, (_, index) => guard.check(cart(`together-${index}`))),
        guard.check(cart('twice')),
        guard.check(cart('twice')),
        guard.check(cart('twice', 90_000)),
      ]);
      // Fifty-three orders, one call: every SKU is cached, so the bindings were the only round trip.
      expect(sent() - before).toBe(1);
      expect(results.slice(0, 50).every((result) => result.kind === 'allowed')).toBe(true);
      // The first of the duplicates binds the id; the same content again is a retry, other content is refused.
      expect(results.slice(50).map((result) => result.kind)).toEqual(['allowed', 'allowed', 'conflict']);
      expect((results[51] as { decision: { repeatOf?: unknown } }).decision.repeatOf).toBeUndefined();
    } finally {
      await store.shutdown();
    }
  });

  test('orders held together (a leak’s burst) cost one binding call and one hold call between them', async () => {
    const { store, guard, sent } = await countedGuard('heldbatch');
    try {
      // A zero total is held whatever the state says.
      const free = (orderId: string) =>
        order({ orderId, lines: [line('SKU-1', 100_000, 100_000)], total: 0 });
      await guard.check(free('warm'));
      const before = sent();
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, index) => guard.check(free(`leak-${index}`))),
      );
      expect(results.every((result) => result.kind === 'held' && result.created)).toBe(true);
      expect(sent() - before).toBe(2);
      expect((await store.queueStats(1_800_000_000_000)).byStatus.pending).toBe(41);
    } finally {
      await store.shutdown();
    }
  });

  test('createRedisClient fails fast while disconnected instead of queueing', async () => {
    const client = createRedisClient('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
    client.on('error', () => {});
    await expect(client.get('x')).rejects.toThrow(/writeable|offline|Connection/i);
    client.disconnect();
  });
});
