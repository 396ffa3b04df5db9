// src/replay/redis.ts
// `replay --store redis`: a RedisStore under a fresh key prefix, driven by the orders' clock, deleted afterwards.

import { randomBytes } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import { createRedisClient } from '../state/redis/connection';
import { RedisStore } from '../state/redis/store';

/** Longer than any replay: the store's timers and wall-clock refreshes never fire on their own. */
const NEVER = 2 ** 31 - 1;
/**
 * How long an order id stays bound to its content in a replay, in s: ten years, i.e. the whole file, in both stores
 * (Redis expires bindings on wall-clock time, which a replay outruns, so the memory store is told the same).
 */
export const REPLAY_IDEMPOTENCY_SECONDS = 10 * 365 * 86_400;

/** A RedisStore for one replay: a fresh key prefix on its own connection. */
export interface ReplayRedis {
  store: RedisStore;
  prefix: string;
  /** Writes what the order left buffered (the store's write-behind), so the next order sees it. */
  afterOrder(): Promise<void>;
  /** Stops the store, deletes every key under the prefix, closes the connection. */
  close(): Promise<void>;
}

/**
 * Opens a RedisStore for a replay under `cpg-replay-<random>-<lane>`. Its write-behind and cache refreshes are
 * switched off (they run on wall-clock time, and a replay runs faster than the orders' clock); the replay writes
 * after every order instead, so a replay on Redis decides exactly as one on the memory store.
 */
export async function openReplayRedis(url: string, lane: string): Promise<ReplayRedis> {
  const prefix = `cpg-replay-${randomBytes(6).toString('hex')}-${lane}`;
  // Commands of a busy replay may queue behind each other: a command timeout would judge an order without facts.
  const client = createRedisClient(url, { commandTimeoutMs: 30_000, connectTimeoutMs: 5_000 });
  // The first connection error ends the wait for readiness (a refused connection need not wait for the timeout);
  // later ones are reported by the command that fails.
  const failed = new Promise<never>((_, reject) => client.once('error', reject));
  failed.catch(() => {}); // an error after readiness is no failure to connect
  client.on('error', () => {});
  const store = new RedisStore({
    client,
    prefix,
    flushIntervalMs: NEVER,
    historyRefreshMs: Number.MAX_SAFE_INTEGER,
    voucherRefreshMs: Number.MAX_SAFE_INTEGER,
    idempotencySeconds: REPLAY_IDEMPOTENCY_SECONDS,
    // Decided holds are swept on wall-clock time; a replay of last year's orders must keep them like memory does.
    decidedRetentionSeconds: 0,
    closeClient: false,
  });
  try {
    await Promise.race([store.init(5_000), failed]);
  } catch (error) {
    client.disconnect();
    throw new Error(`cannot connect to Redis at ${url}: ${(error as Error).message}`);
  }
  return {
    store,
    prefix,
    afterOrder: () => store.flush(),
    close: async () => {
      await store.shutdown();
      try {
        await deleteKeys(client, prefix);
      } finally {
        client.disconnect();
      }
    },
  };
}

/** Deletes every key of the prefix (SCAN, never KEYS or FLUSHALL), on every master of a cluster. */
async function deleteKeys(client: Redis | Cluster, prefix: string): Promise<void> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      // One DEL per key: on a cluster a multi-key DEL must stay in one slot.
      if (keys.length > 0) await Promise.all(keys.map((key) => node.del(key)));
      cursor = next;
    } while (cursor !== '0');
  }
}
