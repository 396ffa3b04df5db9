// test/helpers/review.ts
// For the review router suites: a viewer, a reviewer and an admin token, and the stores they run on.

import Redis from 'ioredis';
import type { GuardStore } from '../../src/ports/store';
import { hashToken, type ReviewToken } from '../../src/review/auth';
import { MemoryStore } from '../../src/state/memory/store';
import { RedisStore } from '../../src/state/redis/store';
import { type RedisInstance, startRedis } from './redis';

/** The three roles' tokens (tagged per suite), their configuration and the Authorization header of each. */
export function reviewTokens(tag: string) {
  const tokens = {
    viewer: `tok-viewer-${tag}-0123456789abcdef`,
    reviewer: `tok-reviewer-${tag}-0123456789abcdef`,
    admin: `tok-admin-${tag}-0123456789abcdef`,
  };
  const config: ReviewToken[] = [
    { name: 'vera', role: 'viewer', sha256: hashToken(tokens.viewer) },
    { name: 'rudi', role: 'reviewer', sha256: hashToken(tokens.reviewer) },
    { name: 'ana', role: 'admin', sha256: hashToken(tokens.admin) },
  ];
  const auth = (role: keyof typeof tokens) => ({ Authorization: `Bearer ${tokens[role]}` });
  return { tokens, config, auth };
}

export interface StoreFactory {
  create(): Promise<GuardStore>;
  destroy(): Promise<void>;
}

/**
 * Each store the suites run on: MemoryStore, and RedisStore on a redis-server of its own, started by the first
 * create() (each store under its own key prefix) and stopped by destroy(). `suite` names the stores' prefixes.
 */
export function storeFactories(suite: string): Array<[string, StoreFactory]> {
  let redis: RedisInstance | undefined;
  let redisClient: Redis | undefined;
  let redisStores: RedisStore[] = [];

  return [
    [
      'MemoryStore',
      {
        create: async () => new MemoryStore(),
        destroy: async () => {},
      },
    ],
    [
      'RedisStore',
      {
        create: async () => {
          redis ??= await startRedis();
          redisClient ??= new Redis(redis.url, { maxRetriesPerRequest: 2 });
          const store = new RedisStore({
            client: redisClient,
            prefix: `review-${suite}-${redisStores.length}`,
            logger: { warn() {}, error() {} },
          });
          redisStores.push(store);
          await store.init();
          return store;
        },
        destroy: async () => {
          for (const store of redisStores) await store.shutdown();
          redisStores = [];
          await redisClient?.quit();
          redisClient = undefined;
          await redis?.stop();
          redis = undefined;
        },
      },
    ],
  ];
}
