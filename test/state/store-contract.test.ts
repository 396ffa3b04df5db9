// test/state/store-contract.test.ts
// Runs the shared GuardStore contract against the MemoryStore and the RedisStore (a private redis-server), and the
// overlay's catalog versions against the MemoryOverlayStore and the RedisOverlayStore.

import { Redis } from 'ioredis';
import { MemoryOverlayStore } from '../../src/state/memory/overlay';
import { MemoryStore } from '../../src/state/memory/store';
import type { OverlayStore } from '../../src/state/overlay';
import { createRedisClient } from '../../src/state/redis/connection';
import { RedisOverlayStore } from '../../src/state/redis/overlay';
import { RedisStore } from '../../src/state/redis/store';
import { type RedisInstance, startRedis } from '../helpers/redis';
import { catalogContract, type OverlayFactory } from './contract/catalog';
import { type StoreFactory, storeContract } from './store-contract';

const memory = (): StoreFactory => ({
  async make() {
    const store = new MemoryStore();
    return { store, flush: async () => {} };
  },
  async close() {},
});

const redis = (): StoreFactory => {
  let server: RedisInstance | undefined;
  const clients: Redis[] = [];
  let count = 0;
  const prefixes = new WeakMap<object, string>();
  return {
    async make() {
      server ??= await startRedis();
      const client = new Redis(server.url, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
      clients.push(client);
      count += 1;
      const prefix = `contract${count}`;
      const store = new RedisStore({ client, prefix, flushIntervalMs: 60_000 });
      await store.init();
      prefixes.set(store, prefix);
      return { store, flush: () => store.flush() };
    },
    async twin(of) {
      const client = new Redis(server!.url, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
      clients.push(client);
      const store = new RedisStore({ client, prefix: prefixes.get(of.store)!, flushIntervalMs: 60_000 });
      await store.init();
      return { store, flush: () => store.flush() };
    },
    async close() {
      await Promise.all(clients.map((client) => client.quit()));
      await server?.stop();
    },
  };
};

describe.each([
  ['MemoryStore', memory],
  ['RedisStore', redis],
])('GuardStore contract: %s', (_name, factory) => {
  storeContract(factory);
});

const memoryOverlay = (): OverlayFactory => ({
  async make() {
    return new MemoryOverlayStore();
  },
  async twin(of) {
    return of;
  },
  async close() {},
});

const redisOverlay = (): OverlayFactory => {
  let server: RedisInstance | undefined;
  const stores: OverlayStore[] = [];
  const prefixes = new WeakMap<OverlayStore, string>();
  let count = 0;
  const open = async (prefix: string) => {
    server ??= await startRedis();
    const store = new RedisOverlayStore(createRedisClient(server.url, { commandTimeoutMs: 5_000 }), prefix);
    stores.push(store);
    prefixes.set(store, prefix);
    return store;
  };
  return {
    make: () => open(`overlay${++count}`),
    twin: (of) => open(prefixes.get(of)!),
    async close() {
      await Promise.all(stores.map((store) => store.close()));
      await server?.stop();
    },
  };
};

describe.each([
  ['MemoryOverlayStore', memoryOverlay],
  ['RedisOverlayStore', redisOverlay],
])('Overlay store contract, the uploaded catalog: %s', (_name, factory) => {
  catalogContract(factory);
});
