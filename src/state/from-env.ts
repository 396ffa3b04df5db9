// src/state/from-env.ts
// The store the environment asks for: the embedded MemoryStore, or a RedisStore on REDIS_URL.

import type { Logger } from '../ports/logger';
import type { GuardStore } from '../ports/store';
import { MemoryStore } from './memory/store';
import { createRedisClient, RedisConfigError } from './redis/connection';
import { RedisStore } from './redis/store';

function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new RedisConfigError(
      `${name} must be a positive whole number of milliseconds; got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/**
 * The store the environment asks for: a MemoryStore when `REDIS_URL` is unset or empty, else a RedisStore on
 * a fail-fast client. Also reads `REDIS_PREFIX` (key prefix, default `cpg`), `REDIS_COMMAND_TIMEOUT_MS`
 * (default 150) and `REDIS_FLUSH_INTERVAL_MS` (write-behind period, default 200). Call `init()` on the result
 * before serving, and `shutdown()` on exit (it flushes and closes the connection).
 */
export function createStoreFromEnv(env: NodeJS.ProcessEnv = process.env, logger?: Logger): GuardStore {
  const url = env.REDIS_URL;
  if (url === undefined || url.trim() === '') return new MemoryStore();
  const commandTimeoutMs = positiveInteger(env, 'REDIS_COMMAND_TIMEOUT_MS');
  const flushIntervalMs = positiveInteger(env, 'REDIS_FLUSH_INTERVAL_MS');
  const client = createRedisClient(url, commandTimeoutMs === undefined ? {} : { commandTimeoutMs });
  client.on('error', (error: Error) => logger?.warn({ err: error }, 'price guard: Redis connection error'));
  return new RedisStore({
    client,
    closeClient: true,
    ...(env.REDIS_PREFIX ? { prefix: env.REDIS_PREFIX } : {}),
    ...(flushIntervalMs === undefined ? {} : { flushIntervalMs }),
    ...(logger === undefined ? {} : { logger }),
  });
}
