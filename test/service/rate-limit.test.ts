// test/service/rate-limit.test.ts
// The review and admin APIs through the real service: 401 for unknown tokens, 403 for weak roles, and one
// rate-limit budget per token and address shared by both APIs, by every instance on one Redis, and kept while
// Redis is down.

import type { Redis } from 'ioredis';
import request from 'supertest';
import { parseConfig } from '../../src/config/service';
import { createService, type Service } from '../../src/service/service';
import { createRedisClient } from '../../src/state/redis/connection';
import { RedisOverlayStore } from '../../src/state/redis/overlay';
import { RedisRateLimitStore } from '../../src/state/redis/rate-limit';
import { RedisStore } from '../../src/state/redis/store';
import { type RedisInstance, startRedis, stopAll } from '../helpers/redis';
import { reviewTokens } from '../helpers/review';

const { config: TOKENS, auth } = reviewTokens('rate-limit');
const SILENT = { warn() {}, error() {} };
const UNKNOWN = { Authorization: 'Bearer not-a-configured-token-0123456789abcdef' };

/** The service's configuration with the three tokens and the given budget (a long window: no test crosses it). */
function config(limit = 600) {
  return parseConfig(
    {
      service: { logLevel: 'silent', rateLimit: { windowMs: 3_600_000, limit } },
      review: { tokens: TOKENS },
    },
    undefined,
    {},
  );
}

let redis: RedisInstance;
const clients: Redis[] = [];
const services: Service[] = [];
let prefixes = 0;

beforeAll(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.quit()));
  await stopAll();
});

/** A service on the embedded store, as `serve` runs without REDIS_URL. */
async function memoryService(limit?: number): Promise<Service> {
  const service = createService(config(limit));
  services.push(service);
  await service.whenReady();
  return service;
}

/**
 * A service instance on the shared Redis, as `serve` builds it with REDIS_URL: the guard's store, the overlay and
 * the rate-limit counts under one key prefix. Instances given the same prefix are one deployment.
 */
async function redisService(prefix: string, limit?: number): Promise<Service> {
  const client = createRedisClient(redis.url, { commandTimeoutMs: 1_000 });
  client.on('error', () => {});
  clients.push(client as Redis);
  const service = createService(config(limit), {
    store: new RedisStore({ client, prefix, logger: SILENT }),
    overlay: new RedisOverlayStore(client, prefix, false),
    rateLimitStore: new RedisRateLimitStore({ client, prefix, logger: SILENT }),
  });
  services.push(service);
  await service.whenReady();
  return service;
}

const BACKENDS: Array<[string, (limit?: number) => Promise<Service>]> = [
  ['the embedded store', memoryService],
  ['Redis', (limit) => redisService(`rl-${prefixes++}`, limit)],
];

describe.each(BACKENDS)('on %s', (_name, build) => {
  describe('who may use the admin API', () => {
    it('answers 403 naming both roles to a viewer and a reviewer, 401 to an unknown token or none', async () => {
      const { app } = await build();
      for (const [role, name] of [
        ['viewer', 'vera'],
        ['reviewer', 'rudi'],
      ] as const) {
        const read = await request(app).get('/v1/admin/policy').set(auth(role));
        expect(read.status).toBe(403);
        expect(read.body).toEqual({
          error: 'forbidden',
          message: `This needs the admin role; the token "${name}" is a ${role}.`,
        });
        const write = await request(app).put('/v1/admin/floors/SKU-1').set(auth(role)).send({
          currency: 'IDR',
          floor: 1_000,
        });
        expect(write.status).toBe(403);
      }
      const unknown = await request(app).get('/v1/admin/policy').set(UNKNOWN);
      expect(unknown.status).toBe(401);
      expect(unknown.body.message).toBe('The bearer token is not known.');
      expect(unknown.headers['www-authenticate']).toContain('error="invalid_token"');
      expect((await request(app).get('/v1/admin/policy')).status).toBe(401);
      // Nothing changed, and the admin still gets in.
      const policy = await request(app).get('/v1/admin/policy').set(auth('admin'));
      expect(policy.status).toBe(200);
      expect(policy.body.overlay.floors).toEqual({});
    });

    it('answers the same on the review API: 403 for a weak role, 401 for an unknown token', async () => {
      const { app } = await build();
      const clear = await request(app).post('/review/api/vouchers/ANY/clear').set(auth('reviewer')).send({});
      expect(clear.status).toBe(403);
      expect(clear.body.message).toBe('This needs the admin role; the token "rudi" is a reviewer.');
      expect((await request(app).get('/review/api/me').set(UNKNOWN)).status).toBe(401);
    });
  });

  describe('one rate-limit budget for the admin and review APIs', () => {
    it('counts a token on both APIs together: 3 on admin and 3 on review, the 6th is 429', async () => {
      const { app } = await build(5);
      const statuses: number[] = [];
      for (let index = 0; index < 3; index++) {
        statuses.push((await request(app).get('/v1/admin/policy').set(auth('admin'))).status);
      }
      for (let index = 0; index < 3; index++) {
        statuses.push((await request(app).get('/review/api/me').set(auth('admin'))).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await request(app).get('/v1/admin/policy').set(auth('admin'));
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({
        error: 'rate_limited',
        message: 'Too many requests; slow down and retry.',
      });
      expect(limited.headers.ratelimit).toMatch(/r=0/);
      // Another token has its own budget.
      expect((await request(app).get('/review/api/me').set(auth('viewer'))).status).toBe(200);
    });

    it('counts guesses per address on both APIs together: 3 on admin and 3 on review, the 6th is 429', async () => {
      const { app } = await build(5);
      const statuses: number[] = [];
      for (let index = 0; index < 3; index++) {
        statuses.push(
          (await request(app).get('/v1/admin/policy').set('Authorization', `Bearer guess-admin-${index}`))
            .status,
        );
      }
      for (let index = 0; index < 3; index++) {
        statuses.push(
          (await request(app).get('/review/api/me').set('Authorization', `Bearer guess-review-${index}`))
            .status,
        );
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    });

    it('counts a weak token refused by the admin API against its own budget, not an open one', async () => {
      const { app } = await build(3);
      const statuses: number[] = [];
      for (let index = 0; index < 2; index++) {
        statuses.push((await request(app).get('/v1/admin/policy').set(auth('viewer'))).status);
      }
      for (let index = 0; index < 2; index++) {
        statuses.push((await request(app).get('/review/api/me').set(auth('viewer'))).status);
      }
      expect(statuses).toEqual([403, 403, 200, 429]);
    });
  });
});

describe('service.rateLimit', () => {
  it('refuses a budget it cannot use, naming the field and the fix', () => {
    const parse = (rateLimit: unknown) => () =>
      parseConfig({ service: { rateLimit }, review: { tokens: TOKENS } }, 'config.yaml', {});
    expect(parse({ limit: 0 })).toThrow(
      /service\.rateLimit\.limit: must be a positive whole number of requests/,
    );
    expect(parse({ windowMs: 0 })).toThrow(
      /service\.rateLimit\.windowMs: must be a positive whole number of milliseconds/,
    );
    expect(parse(600)).toThrow(/service\.rateLimit: must be \{ windowMs, limit \} or false/);
    expect(parse({ max: 5 })).toThrow(/service\.rateLimit\.max/);
  });

  it('defaults to 600 a minute, and false leaves rate limiting to a proxy', async () => {
    expect(parseConfig({}, undefined, {}).service.rateLimit).toEqual({ windowMs: 60_000, limit: 600 });
    const service = createService(
      parseConfig(
        { service: { logLevel: 'silent', rateLimit: false }, review: { tokens: TOKENS } },
        undefined,
        {},
      ),
    );
    services.push(service);
    const statuses = new Set<number>();
    for (let index = 0; index < 20; index++) {
      const response = await request(service.app).get('/v1/admin/policy').set(auth('viewer'));
      statuses.add(response.status);
      expect(response.headers.ratelimit).toBeUndefined();
    }
    expect([...statuses]).toEqual([403]);
  });
});

describe('instances on one Redis', () => {
  it('draw from one budget: 3 requests on one instance and 3 on another, the 6th is 429', async () => {
    const first = await redisService('rl-shared', 5);
    const second = await redisService('rl-shared', 5);
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) {
      statuses.push((await request(first.app).get('/v1/admin/policy').set(auth('admin'))).status);
    }
    for (let index = 0; index < 3; index++) {
      statuses.push((await request(second.app).get('/review/api/me').set(auth('admin'))).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    // Guesses too: an address's unauthenticated budget is one for the deployment.
    const guesses: number[] = [];
    for (const [index, service] of [first, second, first, second, first, second].entries()) {
      guesses.push(
        (await request(service.app).get('/review/api/me').set('Authorization', `Bearer guess-${index}`))
          .status,
      );
    }
    expect(guesses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('keep separate budgets under separate key prefixes (separate deployments)', async () => {
    const first = await redisService('rl-one', 2);
    const second = await redisService('rl-two', 2);
    for (const service of [first, second]) {
      const statuses: number[] = [];
      for (let index = 0; index < 3; index++) {
        statuses.push((await request(service.app).get('/review/api/me').set(auth('viewer'))).status);
      }
      expect(statuses).toEqual([200, 200, 429]);
    }
  });
});

describe('while Redis is down', () => {
  it('counts in the process: guesses stay limited, and a valid token keeps its budget', async () => {
    const blinking = await startRedis();
    const client = createRedisClient(blinking.url, { commandTimeoutMs: 1_000 });
    client.on('error', () => {});
    const warnings: string[] = [];
    const store = new RedisRateLimitStore({
      client,
      prefix: 'rl-down',
      logger: { warn: (_object, message) => warnings.push(message ?? ''), error() {} },
    });
    // The embedded guard store: only the rate limit is on the Redis that fails.
    const service = createService(config(4), { rateLimitStore: store });
    services.push(service);
    await service.whenReady();
    const me = (headers: Record<string, string>) => request(service.app).get('/review/api/me').set(headers);

    expect((await me(auth('viewer'))).status).toBe(200); // counted in Redis
    await blinking.kill();
    const guesses: number[] = [];
    for (let index = 0; index < 5; index++) {
      guesses.push((await me({ Authorization: `Bearer guess-${index}` })).status);
    }
    // Not open (the 5th guess is refused), not shut (the first four are answered 401, not 500 or 503).
    expect(guesses).toEqual([401, 401, 401, 401, 429]);
    const onCall: number[] = [];
    for (let index = 0; index < 5; index++) onCall.push((await me(auth('reviewer'))).status);
    expect(onCall).toEqual([200, 200, 200, 200, 429]);
    expect(warnings).toEqual([expect.stringMatching(/Redis failed; counting requests in this process/)]);

    await blinking.restart();
    // Back on Redis (the counter there starts afresh for the admin): poll until the store answers again.
    const deadline = Date.now() + 30_000;
    while (!warnings.some((warning) => /Redis answers again/.test(warning)) && Date.now() < deadline) {
      await me(auth('admin'));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(warnings.at(-1)).toMatch(/Redis answers again; counting in Redis/);
    expect(await client.keys('{rl-down:rl:*')).toContain('{rl-down:rl:token:ana}');
    store.shutdown();
    await client.quit();
    await blinking.stop();
  });
});
