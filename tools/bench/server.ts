// tools/bench/server.ts
// A benchmark target process: one Express order endpoint in one configuration; reports its port and CPU time.

import { once } from 'node:events';
import express, { type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { RedisStore as RateLimitRedisStore } from 'rate-limit-redis';
import { OrderParser } from '../../src/core/order-parser';
import type { PolicyInput } from '../../src/core/policy';
import { priceGuard } from '../../src/middleware/price-guard';
import { MemoryStore } from '../../src/state/memory/store';
import { createRedisClient } from '../../src/state/redis/connection';
import { RedisStore } from '../../src/state/redis/store';
import { BENCH_POLICY, BENCH_VOUCHER } from './fixtures';

/** The configurations the benchmark compares. */
export const CONFIGS = [
  'bare',
  'bare-batched',
  'zod',
  'rate-limit-redis',
  'guard-memory',
  'guard-redis',
  'guard-redis-held',
] as const;
/** One configuration. */
export type BenchConfig = (typeof CONFIGS)[number];

/** What each configuration is, for the report. */
export const CONFIG_NOTES: Record<BenchConfig, string> = {
  bare: '`express.json()` and the handler',
  'bare-batched':
    'the same, with the answer sent at the end of the event-loop turn (`setImmediate`): the answers of the requests read in one turn leave together, as those of the Redis configurations do when their Redis reply arrives. It shows what answering in bursts alone is worth on this machine, with no guard at all',
  zod: 'adds the zod order schema (`safeParse`)',
  'rate-limit-redis': 'adds express-rate-limit on rate-limit-redis (one Redis round trip per request)',
  'guard-memory': 'adds `priceGuard()` on the embedded MemoryStore, orders allowed',
  'guard-redis': 'adds `priceGuard()` on RedisStore, orders allowed',
  'guard-redis-held': 'adds `priceGuard()` on RedisStore, every order held (its voucher is tripped)',
};

const SILENT = { warn() {}, error() {} };

/** The same code with a per-window limit of 0: the first order trips it, and every order after is held. */
const HELD: PolicyInput = { vouchers: { [BENCH_VOUCHER]: { velocity: { maxPerWindow: 0 } } } };

/** The order handler every configuration ends in. */
function placeOrder(req: Request, res: Response): void {
  res
    .status(201)
    .json({ status: 'placed', orderId: (req.body as { orderId?: string } | undefined)?.orderId });
}

/** Builds the app of one configuration; `redisUrl` is needed by the Redis ones. */
export async function buildApp(config: BenchConfig, redisUrl: string | undefined) {
  const app = express();
  const redis = async () => {
    if (!redisUrl) throw new Error(`config ${config} needs a Redis URL`);
    // The client the service builds (fail fast, no offline queue): the same for the guard and the rate limiter.
    const client = createRedisClient(redisUrl, { autoPipelining: process.env.BENCH_AUTOPIPELINING !== '0' });
    if (client.status !== 'ready') await once(client, 'ready');
    return client;
  };
  const redisStore = async () => new RedisStore({ client: await redis(), prefix: `bench${process.pid}` });
  switch (config) {
    case 'bare':
      app.post('/order', express.json(), placeOrder);
      break;
    case 'bare-batched':
      app.post('/order', express.json(), (req, res) => {
        setImmediate(placeOrder, req, res);
      });
      break;
    case 'zod': {
      const parser = new OrderParser();
      app.post(
        '/order',
        express.json(),
        (req, res, next) => {
          const parsed = parser.parseWithSchema(req.body);
          if (parsed.ok) next();
          else res.status(400).json({ problems: parsed.problems });
        },
        placeOrder,
      );
      break;
    }
    case 'rate-limit-redis': {
      const client = await redis();
      const limiter = rateLimit({
        windowMs: 60_000,
        limit: 1_000_000_000,
        standardHeaders: 'draft-8',
        legacyHeaders: false,
        store: new RateLimitRedisStore({
          prefix: `bench${process.pid}:`,
          sendCommand: (command: string, ...args: string[]) =>
            client.call(command, ...args) as Promise<number | string>,
        }),
      });
      app.post('/order', express.json(), limiter, placeOrder);
      break;
    }
    case 'guard-memory':
      app.post(
        '/order',
        express.json(),
        priceGuard({ policy: BENCH_POLICY, store: new MemoryStore(), logger: SILENT }),
        placeOrder,
      );
      break;
    case 'guard-redis':
      app.post(
        '/order',
        express.json(),
        priceGuard({ policy: BENCH_POLICY, store: await redisStore(), logger: SILENT }),
        placeOrder,
      );
      break;
    case 'guard-redis-held':
      app.post(
        '/order',
        express.json(),
        priceGuard({ policy: HELD, store: await redisStore(), logger: SILENT }),
        placeOrder,
      );
      break;
  }
  return app;
}

if (require.main === module) {
  const config = process.argv[2] as BenchConfig;
  if (!(CONFIGS as readonly string[]).includes(config)) {
    console.error(`bench server: unknown config "${config}" (known: ${CONFIGS.join(', ')})`);
    process.exit(2);
  }
  // Answers the benchmark's CPU-time messages (loaded here only, so importing CONFIGS has no side effect).
  void import('./cpu-hook.js');
  void buildApp(config, process.argv[3]).then((app) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const address = server.address();
      process.send?.({ ready: typeof address === 'object' && address ? address.port : 0 });
    });
  });
  // A normal exit, so that `node --cpu-prof` writes its profile.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}
