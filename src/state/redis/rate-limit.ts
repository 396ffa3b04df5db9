// src/state/redis/rate-limit.ts
// An express-rate-limit Store on Redis: every instance on one Redis draws from one budget per token and address.

import { type ClientRateLimitInfo, MemoryStore, type Options, type Store } from 'express-rate-limit';
import type { Cluster, Redis } from 'ioredis';
import { type Logger, SILENT_LOGGER } from '../../ports/logger';
import { type Commands, registerCommands } from './commands';
import { RedisKeys } from './keys';

/** Options of `RedisRateLimitStore`. */
export interface RedisRateLimitStoreOptions {
  /** An ioredis client or Cluster (the caller owns it: the store never quits it). */
  client: Redis | Cluster;
  /** Key prefix, as the RedisStore's (`REDIS_PREFIX`). Defaults to `cpg`; the counters are `{cpg:rl:KEY}`. */
  prefix?: string;
  /** Told when Redis fails and the counting moves into the process, and when it is back. Defaults to none. */
  logger?: Logger;
}

/**
 * The hit counters of a rate limiter in Redis (a fixed window per key, started by its first request: one script
 * call, INCR and PEXPIRE), so every instance on the same Redis counts against one budget. Pass it as the `store`
 * of one rate limiter; the window is the limiter's `windowMs`.
 *
 * When Redis fails (down, slow past the client's command timeout), the store neither opens the gate nor shuts it:
 * it counts in the process, with express-rate-limit's own memory store and the same window, until Redis answers
 * again. Guessing tokens stays limited per address (per instance, as without Redis) while Redis blinks, and on-call
 * with a valid token keeps its budget instead of being locked out. The move and the return are logged once each.
 */
export class RedisRateLimitStore implements Store {
  /** The counters are shared by every instance: no double count within one process can be told apart. */
  readonly localKeys = false;
  /** The key prefix of the counters (`{cpg:rl:`), for express-rate-limit's double-count check. */
  readonly prefix: string;
  private readonly client: Redis | Cluster;
  private readonly commands: Commands;
  private readonly keys: RedisKeys;
  private readonly logger: Logger;
  private readonly local = new MemoryStore();
  private windowMs = 60_000;
  private failing = false;

  constructor(options: RedisRateLimitStoreOptions) {
    if (options?.client === undefined || typeof options.client.defineCommand !== 'function') {
      throw new TypeError(
        'RedisRateLimitStore: option "client" must be an ioredis Redis or Cluster instance (createRedisClient(url))',
      );
    }
    this.client = options.client;
    try {
      this.keys = new RedisKeys(options.prefix ?? 'cpg');
    } catch (error) {
      throw new TypeError((error as Error).message.replace(/^RedisStore:/, 'RedisRateLimitStore:'));
    }
    this.prefix = `{${this.keys.prefix}:rl:`;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.commands = registerCommands(this.client);
  }

  /** Takes the limiter's window (called by express-rate-limit when the limiter is built). */
  init(options: Options): void {
    this.windowMs = options.windowMs;
    this.local.init(options);
  }

  /** Counts one request of `key`; in the process while Redis fails. */
  async increment(key: string): Promise<ClientRateLimitInfo> {
    try {
      const [hits, left] = (await this.commands.rateHit(this.keys.rateLimit(key), this.windowMs)) as [
        number,
        number,
      ];
      this.recovered();
      return { totalHits: Number(hits), resetTime: new Date(Date.now() + Number(left)) };
    } catch (error) {
      this.failed(error);
      return this.local.increment(key);
    }
  }

  /** Takes back one request of `key` (express-rate-limit's skip options). */
  async decrement(key: string): Promise<void> {
    try {
      await this.commands.rateUnhit(this.keys.rateLimit(key));
    } catch (error) {
      this.failed(error);
      await this.local.decrement(key);
    }
  }

  /** Forgets `key`'s count, in Redis and in the process. */
  async resetKey(key: string): Promise<void> {
    await this.local.resetKey(key);
    await this.client.del(this.keys.rateLimit(key));
  }

  /** The count and reset time of `key`, or undefined when it has none (the limiter's `getKey`). */
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const counter = this.keys.rateLimit(key);
    const [hits, left] = await Promise.all([this.client.get(counter), this.client.pttl(counter)]);
    if (hits === null || left < 0) return undefined;
    return { totalHits: Number(hits), resetTime: new Date(Date.now() + left) };
  }

  /** Stops the in-process counters' timer. The client stays open: it is the caller's. */
  shutdown(): void {
    this.local.shutdown();
  }

  private failed(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(
      { err: error },
      'rate limit: Redis failed; counting requests in this process (per instance) until it answers again',
    );
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.warn({}, 'rate limit: Redis answers again; counting in Redis (shared by every instance)');
  }
}
