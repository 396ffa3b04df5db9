// src/tools/replay/redis.ts
// `replay --store redis`: a RedisStore under a fresh key prefix, driven by the orders' clock, deleted afterwards.

import { randomBytes } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import { TRAFFIC } from '../../core/facts';
import type { Order } from '../../core/order';
import { createRedisClient } from '../../state/redis/connection';
import { RedisStore } from '../../state/redis/store';

/** Longer than any replay: the store's timers and wall-clock refreshes never fire on their own. */
const NEVER = 2 ** 31 - 1;
/**
 * How long an order id stays bound to its content in a replay, in s: ten years, i.e. the whole file, in both stores
 * (Redis expires bindings on wall-clock time, which a replay outruns, so the memory store is told the same).
 */
export const REPLAY_IDEMPOTENCY_SECONDS = 10 * 365 * 86_400;
const MINUTE = 60_000;

/** A RedisStore for one replay: a fresh key prefix on its own connection. */
export interface ReplayRedis {
  store: RedisStore;
  prefix: string;
  /**
   * Brings the store to the order's clock before the order is judged: the voucher counters this order reads are
   * re-read at its minute (see `syncToOrderClock`).
   */
  beforeOrder(order: Order | undefined, now: number): Promise<void>;
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
    beforeOrder: async (order, now) => {
      if (syncToOrderClock(store, order, now)) await store.flush();
    },
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

/** The cached state of one voucher code inside the RedisStore (only what the sync touches). */
interface CachedCounter {
  snapshot: unknown;
  now: number;
  wantRefresh: boolean;
}

/**
 * The RedisStore caches each voucher code's counters as Redis returned them at the last write for that code, and
 * reads them for the next order of the code without asking again: the counts are then those of the minute of the
 * code's previous order, not of this one (a code used at 10:00 and again at 10:30 is judged at 10:30 on its 10:00
 * windows). At run time a background refresh narrows that gap; on the orders' clock nothing does. So before each
 * order the codes it carries, and the shop's order count, are marked for a refresh at the order's time; the flush
 * that follows re-reads them at its minute. Returns true when something was marked.
 *
 * This reaches into RedisStore's private voucher cache (there is no public way to move its clock); the replay tests
 * compare memory and Redis reports, so a change there that breaks this is caught.
 */
function syncToOrderClock(store: RedisStore, order: Order | undefined, now: number): boolean {
  const counters = (store as unknown as { vouchers?: { entries?: Map<string, CachedCounter> } }).vouchers;
  const entries = counters?.entries;
  if (!(entries instanceof Map)) {
    throw new Error('replay: this RedisStore does not keep its voucher cache where the replay expects it');
  }
  const minute = Math.floor(now / MINUTE);
  let marked = false;
  for (const code of [TRAFFIC, ...(order?.vouchers.map((voucher) => voucher.code) ?? [])]) {
    const entry = entries.get(code);
    if (entry === undefined || entry.snapshot === undefined) continue;
    if (Math.floor(entry.now / MINUTE) >= minute) continue;
    entry.now = now;
    entry.wantRefresh = true;
    marked = true;
  }
  return marked;
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
