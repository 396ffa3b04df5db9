// test/state/store-contract.test.ts
// Runs the shared GuardStore contract against the MemoryStore and the RedisStore (a private redis-server).

import { Redis } from 'ioredis';
import { MemoryStore } from '../../src/state/memory/store';
import { RedisStore } from '../../src/state/redis/store';
import { type RedisInstance, startRedis } from '../helpers/redis';
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
