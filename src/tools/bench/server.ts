// src/tools/bench/server.ts
// A benchmark target process: one Express order endpoint in one configuration; tells its parent the port.

import express, { type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import Redis from 'ioredis';
import { RedisStore as RateLimitRedisStore } from 'rate-limit-redis';
import { OrderParser } from '../../core/order';
import { priceGuard } from '../../http/middleware';
import { MemoryStore } from '../../state/memory/store';
import { RedisStore } from '../../state/redis/store';

/** The configurations the benchmark compares. */
export const CONFIGS = ['bare', 'zod', 'guard-memory', 'guard-redis', 'rate-limit-redis'] as const;
/** One configuration. */
export type BenchConfig = (typeof CONFIGS)[number];

const SILENT = { warn() {}, error() {} };

/** The order handler every configuration ends in. */
function placeOrder(req: Request, res: Response): void {
  res
    .status(201)
    .json({ status: 'placed', orderId: (req.body as { orderId?: string } | undefined)?.orderId });
}

/** Builds the app of one configuration; `redisUrl` is needed by the Redis ones. */
export function buildApp(config: BenchConfig, redisUrl: string | undefined) {
  const app = express();
  const redis = () => {
    if (!redisUrl) throw new Error(`config ${config} needs a Redis URL`);
    return new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  };
  switch (config) {
    case 'bare':
      app.post('/order', express.json(), placeOrder);
      break;
    case 'zod': {
      const parser = new OrderParser();
      app.post(
        '/order',
        express.json(),
        (req, res, next) => {
          const parsed = parser.parse(req.body);
          if (parsed.ok) next();
          else res.status(400).json({ problems: parsed.problems });
        },
        placeOrder,
      );
      break;
    }
    case 'guard-memory':
      app.post(
        '/order',
        express.json(),
        priceGuard({ store: new MemoryStore(), logger: SILENT }),
        placeOrder,
      );
      break;
    case 'guard-redis': {
      const store = new RedisStore({ client: redis(), prefix: `bench${process.pid}` });
      app.post('/order', express.json(), priceGuard({ store, logger: SILENT }), placeOrder);
      break;
    }
    case 'rate-limit-redis': {
      const client = redis();
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
  }
  return app;
}

if (require.main === module) {
  const config = process.argv[2] as BenchConfig;
  if (!(CONFIGS as readonly string[]).includes(config)) {
    console.error(`bench server: unknown config "${config}" (known: ${CONFIGS.join(', ')})`);
    process.exit(2);
  }
  const server = buildApp(config, process.argv[3]).listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ ready: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('disconnect', () => process.exit(0));
}
