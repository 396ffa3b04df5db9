// test/review/custom-rules.test.ts
// Custom rules in the review queue: the list filter, the incident groups, bulk actions and the page's rule menus,
// on MemoryStore and on a private Redis.

import type { Server } from 'node:http';
import express from 'express';
import Redis from 'ioredis';
import request from 'supertest';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import type { GuardStore } from '../../src/ports/store';
import { type ReviewRouter, reviewRouter } from '../../src/review/router';
import { MemoryStore } from '../../src/state/memory/store';
import { RedisStore } from '../../src/state/redis/store';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis } from '../helpers/redis';
import { reviewTokens } from '../helpers/review';

const { config: TOKENS, auth } = reviewTokens('custom');
const SILENT = { warn() {}, error() {} };
const T0 = Date.UTC(2026, 10, 11, 10, 0, 0);

const policy = parsePolicy({
  customRules: [
    {
      id: 'phone_bulk',
      scope: 'line',
      when: 'line.category == "PHONES" && line.quantity > 3',
      message: 'bulk {line.sku}',
    },
    // A custom id may be any rule-id-shaped name, a prototype member's included.
    { id: 'constructor', when: 'order.paymentMethod == "COD" && order.total > 5000000', message: 'big COD' },
  ],
});

let redis: RedisInstance;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  await client.quit();
  await redis.stop();
});

const stores: Array<[string, () => Promise<GuardStore>]> = [
  ['MemoryStore', async () => new MemoryStore()],
  [
    'RedisStore',
    async () => {
      const store = new RedisStore({
        client,
        prefix: `cpg-custom-${Date.now()}-${Math.random()}`,
        logger: SILENT,
      });
      await store.init();
      return store;
    },
  ],
];

describe.each(stores)('custom rules in the review queue on %s', (_name, create) => {
  let store: GuardStore;
  let router: ReviewRouter;
  let server: Server;
  let now = T0;

  beforeEach(async () => {
    store = await create();
    const guard = new Guard({ policy, store, clock: () => now });
    router = reviewRouter({
      store,
      tokens: TOKENS,
      logger: SILENT,
      clock: () => now,
      rateLimit: false,
      customRules: () => guard.policy.customRules.map((rule) => rule.id),
    });
    const app = express();
    app.use('/review', router);
    server = app.listen(0);
    for (let index = 0; index < 6; index++) {
      now += 1000;
      const result = await guard.check(
        order({ orderId: `bulk-${index}`, lines: [line(`phone-${index % 2}`, 1_000_000, 0, 5, 'phones')] }),
      );
      if (result.kind !== 'held') throw new Error('expected a hold');
    }
    await guard.check(order({ orderId: 'cod-1', paymentMethod: 'cod', lines: [line('tv', 9_000_000)] }));
    await guard.check(order({ orderId: 'free-1', lines: [line('tote', 100_000, 100_000)] }));
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    if (store instanceof RedisStore) await store.shutdown();
  });

  it('lists the holds of one custom rule, with its reason', async () => {
    const response = await request(server)
      .get('/review/api/holds?rule=phone_bulk&limit=50')
      .set(auth('viewer'));
    expect(response.status).toBe(200);
    const ids = response.body.items.map((held: { orderId: string }) => held.orderId).sort();
    expect(ids).toEqual(['bulk-0', 'bulk-1', 'bulk-2', 'bulk-3', 'bulk-4', 'bulk-5']);
    expect(response.body.items[0].decision.reasons).toEqual([
      expect.objectContaining({
        rule: 'phone_bulk',
        line: 0,
        message: expect.stringMatching(/^bulk PHONE-[01]$/),
      }),
    ]);
    const prototypeName = await request(server).get('/review/api/holds?rule=constructor').set(auth('viewer'));
    expect(prototypeName.body.items.map((held: { orderId: string }) => held.orderId)).toEqual(['cod-1']);
  });

  it('groups the incident view by custom rule', async () => {
    const response = await request(server).get('/review/api/groups?kind=rule').set(auth('viewer'));
    expect(response.status).toBe(200);
    const counts = Object.fromEntries(
      response.body.groups.map((group: { key: string; count: number }) => [group.key, group.count]),
    );
    expect(counts).toMatchObject({ phone_bulk: 6, constructor: 1, zero_total: 1 });
  });

  it('decides the pending holds of a custom rule in bulk, and nothing else', async () => {
    const filter = { rule: 'phone_bulk' };
    const preview = await request(server)
      .post('/review/api/bulk')
      .set(auth('reviewer'))
      .send({ action: 'approve', filter, dryRun: true });
    expect(preview.body).toMatchObject({ matched: 6, changed: 0 });
    const done = await request(server)
      .post('/review/api/bulk')
      .set(auth('reviewer'))
      .send({ action: 'approve', filter, note: 'reseller restock, confirmed' });
    expect(done.body).toMatchObject({ matched: 6, changed: 6 });
    expect((await store.getHold('cod-1'))?.status).toBe('pending');
    expect((await store.getHold('free-1'))?.status).toBe('pending');
  });

  it('offers the custom rules in force to the page, and refuses a filter that is no rule id', async () => {
    const rules = await request(server).get('/review/api/rules').set(auth('viewer'));
    expect(rules.body.custom).toEqual(['phone_bulk', 'constructor']);
    expect(rules.body.builtIn).toContain('zero_total');
    const bad = await request(server).get('/review/api/holds?rule=Phone%20Bulk').set(auth('viewer'));
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([
      { path: 'rule', message: expect.stringContaining("or a custom rule's id") },
    ]);
    const bulk = await request(server)
      .post('/review/api/bulk')
      .set(auth('reviewer'))
      .send({ action: 'approve', filter: { rule: '__proto__' } });
    expect(bulk.status).toBe(400);
  });
});

describe('the rule menus without the customRules option', () => {
  it('offers the built-in rules only', async () => {
    const router = reviewRouter({
      store: new MemoryStore(),
      tokens: TOKENS,
      logger: SILENT,
      rateLimit: false,
    });
    const app = express();
    app.use('/review', router);
    const response = await request(app).get('/review/api/rules').set(auth('viewer'));
    expect(response.body).toEqual({ builtIn: expect.arrayContaining(['zero_total']), custom: [] });
  });
});
