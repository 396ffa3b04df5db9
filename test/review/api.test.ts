// test/review/api.test.ts
// The review API against MemoryStore and RedisStore (real Redis): filters, pages, claim, decide, bulk, auth.

import type { Server } from 'node:http';
import express from 'express';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import request from 'supertest';
import type { OrderInput } from '../../src/core/order';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/guard';
import { createMetrics, DEFAULT_PREFIX, METRIC_NAMES } from '../../src/observability/metrics';
import { type ReviewRouter, type ReviewRouterOptions, reviewRouter } from '../../src/review/router';
import type { ReviewEvent } from '../../src/review/webhooks';
import { MemoryStore } from '../../src/state/memory/store';
import { RedisStore } from '../../src/state/redis/store';
import type { GuardStore, HeldOrder } from '../../src/state/types';
import { line, order } from '../helpers/orders';
import { deleteKeysContaining } from '../helpers/redis';
import { reviewTokens } from '../helpers/review';

const { tokens: TOKENS, config: CONFIG, auth } = reviewTokens('api');
const SILENT = { warn() {}, error() {} };
const T0 = Date.UTC(2026, 10, 11, 10, 0, 0);
const policy = parsePolicy({});

/** A zero-total order (always held); with a voucher when given. */
function glitch(orderId: string, sku: string, voucher?: string): OrderInput {
  return voucher
    ? order({ orderId, lines: [line(sku, 150_000)], vouchers: [{ code: voucher, discount: 150_000 }] })
    : order({ orderId, lines: [line(sku, 4_700_000, 4_700_000)] });
}

interface StoreFactory {
  create(): Promise<GuardStore>;
  destroy(): Promise<void>;
}

const prefix = `cpg-test-review-api-${process.pid}-${Date.now()}`;
let redisClient: Redis | undefined;
let redisStores: RedisStore[] = [];

const FACTORIES: Array<[string, StoreFactory]> = [
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
        redisClient ??= new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
        const store = new RedisStore({
          client: redisClient,
          prefix: `${prefix}-${redisStores.length}`,
          logger: SILENT,
        });
        redisStores.push(store);
        await store.init();
        return store;
      },
      destroy: async () => {
        for (const store of redisStores) await store.shutdown();
        redisStores = [];
        if (redisClient) {
          await deleteKeysContaining(redisClient, prefix);
          await redisClient.quit();
          redisClient = undefined;
        }
      },
    },
  ],
];

describe.each(FACTORIES)('review API on %s', (_name, factory) => {
  let store: GuardStore;
  let router: ReviewRouter;
  let server: Server;
  let now = T0;
  let guard: Guard;

  async function hold(input: OrderInput, at = now): Promise<HeldOrder> {
    now = at;
    const result = await guard.check(input);
    if (result.kind !== 'held') throw new Error(`expected a hold, got ${result.kind}`);
    return result.held;
  }

  function build(extra: Partial<ReviewRouterOptions> = {}) {
    router = reviewRouter({
      store,
      tokens: CONFIG,
      logger: SILENT,
      clock: () => now,
      rateLimit: false,
      ...extra,
    });
    const app = express();
    app.use('/review', router);
    return app;
  }

  beforeAll(async () => {
    store = await factory.create();
    guard = new Guard({ policy, store, clock: () => now, storeTimeoutMs: 2_000 });
    server = build().listen(0);
  });

  afterAll(async () => {
    router.close();
    await new Promise((resolve) => server.close(resolve));
    await factory.destroy();
  });

  describe('access control', () => {
    it('answers 401 without a token or with an unknown one, and 403 for a viewer acting; nothing changes', async () => {
      const held = await hold(glitch('auth-1', 'SKU-AUTH'));
      const attempts = [
        request(server).post('/review/api/holds/auth-1/approve').send({}),
        request(server).post('/review/api/holds/auth-1/approve').set('Authorization', 'Bearer nope').send({}),
        request(server)
          .post('/review/api/holds/auth-1/approve')
          .set('Authorization', TOKENS.reviewer)
          .send({}),
        request(server).post('/review/api/holds/auth-1/reject').set(auth('viewer')).send({ note: 'x' }),
        request(server).post('/review/api/holds/auth-1/claim').set(auth('viewer')).send({}),
        request(server)
          .post('/review/api/bulk')
          .set(auth('viewer'))
          .send({ action: 'reject', filter: { sku: 'SKU-AUTH' }, note: 'x' }),
        request(server).post('/review/api/vouchers/ANY/clear').set(auth('reviewer')).send({}),
        request(server).post('/review/api/skus/SKU-AUTH/reset-history').set(auth('reviewer')).send({}),
        request(server).get('/review/api/holds'),
      ];
      const statuses = (await Promise.all(attempts)).map((response) => response.status);
      expect(statuses).toEqual([401, 401, 401, 403, 403, 403, 403, 403, 401]);
      const after = await store.getHold('auth-1');
      expect(after).toMatchObject({ status: 'pending', version: held.version });
      expect(after?.assignee).toBeUndefined();
      const trail = await store.auditTrail({ orderId: 'auth-1', limit: 10 });
      expect(trail.map((entry) => entry.action)).toEqual(['held']);
    });

    it('lets a viewer read', async () => {
      const response = await request(server).get('/review/api/holds/auth-1').set(auth('viewer'));
      expect(response.status).toBe(200);
      expect(response.body.held.orderId).toBe('auth-1');
      const me = await request(server).get('/review/api/me').set(auth('viewer'));
      expect(me.body).toEqual({ name: 'vera', role: 'viewer' });
    });
  });

  describe('cross-site requests', () => {
    it('refuses a foreign Origin and a non-JSON body, even with a valid token; nothing changes', async () => {
      await hold(glitch('csrf-1', 'SKU-CSRF'));
      const foreign = await request(server)
        .post('/review/api/holds/csrf-1/approve')
        .set(auth('reviewer'))
        .set('Origin', 'https://evil.example')
        .send({});
      expect(foreign.status).toBe(403);
      const opaque = await request(server)
        .post('/review/api/holds/csrf-1/approve')
        .set(auth('reviewer'))
        .set('Origin', 'null')
        .send({});
      expect(opaque.status).toBe(403);
      const form = await request(server)
        .post('/review/api/holds/csrf-1/approve')
        .set(auth('reviewer'))
        .type('form')
        .send('note=x');
      expect(form.status).toBe(415);
      const crossSite = await request(server)
        .post('/review/api/holds/csrf-1/approve')
        .set(auth('reviewer'))
        .set('Sec-Fetch-Site', 'cross-site')
        .send({});
      expect(crossSite.status).toBe(403);
      expect((await store.getHold('csrf-1'))?.status).toBe('pending');
      const sameOrigin = await request(server)
        .post('/review/api/holds/csrf-1/approve')
        .set(auth('reviewer'))
        .set('Origin', `http://127.0.0.1:${(server.address() as { port: number }).port}`)
        .send({});
      expect(sameOrigin.status).toBe(200);
    });
  });

  describe('list and filters', () => {
    beforeAll(async () => {
      await hold(glitch('f-1', 'SKU-F1', 'LEAKF'), T0 + 60_000);
      await hold(glitch('f-2', 'SKU-F2', 'LEAKF'), T0 + 120_000);
      await hold(glitch('f-3', 'SKU-F1'), T0 + 180_000);
      await hold(order({ orderId: 'f-4', lines: [line('SKU-F2', 50_000)], total: 49_000 }), T0 + 240_000);
    });

    const ids = async (query: string) => {
      const response = await request(server).get(`/review/api/holds?${query}`).set(auth('viewer'));
      expect(response.status).toBe(200);
      return (response.body.items as HeldOrder[]).map((held) => held.orderId);
    };

    it('filters by SKU, voucher, rule, time range and status, newest first', async () => {
      expect(await ids('sku=SKU-F1')).toEqual(['f-3', 'f-1']);
      expect(await ids('voucher=LEAKF')).toEqual(['f-2', 'f-1']);
      expect(await ids('rule=total_mismatch')).toEqual(['f-4']);
      expect(await ids(`from=${T0 + 120_000}&to=${T0 + 240_000}`)).toEqual(['f-3', 'f-2']);
      expect(await ids(`sku=SKU-F2&from=${new Date(T0 + 200_000).toISOString()}`)).toEqual(['f-4']);
      expect(await ids('sku=SKU-F1&status=approved')).toEqual([]);
    });

    it('returns the reasons with the numbers formatted', async () => {
      const response = await request(server).get('/review/api/holds/f-4').set(auth('viewer'));
      const { held } = response.body;
      const index = held.decision.reasons.findIndex((r: { rule: string }) => r.rule === 'total_mismatch');
      expect(index).toBeGreaterThanOrEqual(0);
      expect(held.decision.reasons[index].message).toEqual(expect.any(String));
      expect(held.display.total).toBe('IDR 49,000');
      expect(response.body.audit[0]).toMatchObject({ action: 'held', actor: 'guard', orderId: 'f-4' });
    });

    it('answers 400 naming the field for a bad filter', async () => {
      const response = await request(server).get('/review/api/holds?rule=nope&limit=0').set(auth('viewer'));
      expect(response.status).toBe(400);
      expect(response.body.problems.map((p: { path: string }) => p.path).sort()).toEqual(['limit', 'rule']);
    });
  });

  describe('claim, approve, reject', () => {
    it('claims, then approves, records the token name, emits the event; a stale or second decision is 409', async () => {
      const events: ReviewEvent[] = [];
      router.events.on('released', (event) => events.push(event));
      await hold(glitch('d-1', 'SKU-D'));
      const claimed = await request(server)
        .post('/review/api/holds/d-1/claim')
        .set(auth('reviewer'))
        .send({});
      expect(claimed.status).toBe(200);
      expect(claimed.body.held).toMatchObject({ assignee: 'rudi', status: 'pending' });
      const stale = await request(server)
        .post('/review/api/holds/d-1/approve')
        .set(auth('reviewer'))
        .send({ expectedVersion: claimed.body.held.version - 1 });
      expect(stale.status).toBe(409);
      expect(stale.body.error).toBe('version_conflict');
      const approved = await request(server)
        .post('/review/api/holds/d-1/approve')
        .set(auth('reviewer'))
        .send({ expectedVersion: claimed.body.held.version, note: 'catalog fixed, price was right' });
      expect(approved.status).toBe(200);
      expect(approved.body.held.resolution).toMatchObject({
        by: 'rudi',
        note: 'catalog fixed, price was right',
      });
      const late = await request(server)
        .post('/review/api/holds/d-1/reject')
        .set(auth('admin'))
        .send({ note: 'no' });
      expect(late.status).toBe(409);
      expect(late.body.error).toBe('already_decided');
      expect((await store.getHold('d-1'))?.status).toBe('approved');
      expect(events).toEqual([
        expect.objectContaining({ type: 'order.released', orderId: 'd-1', actor: 'rudi' }),
      ]);
      const trail = await request(server).get('/review/api/audit?orderId=d-1').set(auth('viewer'));
      expect(
        trail.body.entries.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`),
      ).toEqual(['approved:rudi', 'claimed:rudi', 'held:guard']);
    });

    it('requires a note to reject, and 404s an unknown order', async () => {
      await hold(glitch('d-2', 'SKU-D'));
      const bare = await request(server)
        .post('/review/api/holds/d-2/reject')
        .set(auth('reviewer'))
        .send({ note: ' ' });
      expect(bare.status).toBe(400);
      expect(bare.body.problems[0].path).toBe('note');
      expect((await store.getHold('d-2'))?.status).toBe('pending');
      const rejected = await request(server)
        .post('/review/api/holds/d-2/reject')
        .set(auth('reviewer'))
        .send({ note: 'leaked voucher' });
      expect(rejected.status).toBe(200);
      expect(rejected.body.held.status).toBe('rejected');
      const missing = await request(server)
        .post('/review/api/holds/nope/approve')
        .set(auth('reviewer'))
        .send({});
      expect(missing.status).toBe(404);
    });

    it('lets exactly one of many concurrent decisions win', async () => {
      const held = await hold(glitch('race-1', 'SKU-RACE'));
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          request(server)
            .post(`/review/api/holds/race-1/${index % 2 === 0 ? 'approve' : 'reject'}`)
            .set(auth(index % 3 === 0 ? 'admin' : 'reviewer'))
            .send({ note: `decision ${index}`, expectedVersion: held.version }),
        ),
      );
      const winners = responses.filter((response) => response.status === 200);
      expect(winners).toHaveLength(1);
      expect(responses.filter((response) => response.status === 409)).toHaveLength(11);
      const final = await store.getHold('race-1');
      expect(final?.status).toBe(winners[0]!.body.held.status);
      expect(final?.resolution?.note).toBe(winners[0]!.body.held.resolution.note);
      const trail = await store.auditTrail({ orderId: 'race-1', limit: 50 });
      expect(trail.filter((entry) => entry.action !== 'held')).toHaveLength(1);
    });
  });

  describe('bulk actions', () => {
    it('rejects every pending order of a voucher, skips decided ones, and is safe to retry', async () => {
      const cancelled: string[] = [];
      router.events.on('cancelled', (event) => cancelled.push(event.orderId));
      for (let index = 0; index < 30; index++)
        await hold(glitch(`v-${index}`, `SKU-V${index % 3}`, 'LEAK100'));
      await hold(glitch('other-voucher', 'SKU-V0', 'OTHER'));
      await request(server).post('/review/api/holds/v-7/approve').set(auth('reviewer')).send({}).expect(200);

      const preview = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'reject', filter: { voucher: 'LEAK100' }, dryRun: true });
      expect(preview.body).toMatchObject({ matched: 29, changed: 0, dryRun: true });
      expect((await store.getHold('v-0'))?.status).toBe('pending');

      const first = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'reject', filter: { voucher: 'LEAK100' }, note: 'leaked code' });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ matched: 29, changed: 29, skipped: 0, truncated: false });
      expect((await store.getHold('v-7'))?.status).toBe('approved');
      expect(await store.getHold('v-3')).toMatchObject({ status: 'rejected', resolution: { by: 'rudi' } });
      expect((await store.getHold('other-voucher'))?.status).toBe('pending');
      expect(cancelled.sort()).toHaveLength(29);

      const retry = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'reject', filter: { voucher: 'LEAK100' }, note: 'leaked code' });
      expect(retry.body).toMatchObject({ matched: 0, changed: 0, skipped: 0 });
      const trail = await store.auditTrail({ orderId: 'v-3', limit: 10 });
      expect(trail[0]).toMatchObject({ action: 'rejected', actor: 'rudi', note: 'leaked code' });
    });

    it('approves the pending orders of a SKU held in a time range, and nothing outside it', async () => {
      const base = T0 + 3_600_000;
      for (let minute = 0; minute < 60; minute += 5) {
        await hold(glitch(`s-${minute}`, 'SKU-TIGER'), base + minute * 60_000);
      }
      const response = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({
          action: 'approve',
          filter: {
            sku: 'SKU-TIGER',
            from: base + 10 * 60_000,
            to: new Date(base + 40 * 60_000).toISOString(),
          },
          note: 'price was right',
        });
      expect(response.body).toMatchObject({ matched: 6, changed: 6, skipped: 0 });
      const statuses = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => (await store.getHold(`s-${i * 5}`))?.status),
      );
      expect(statuses).toEqual([
        'pending',
        'pending',
        'approved',
        'approved',
        'approved',
        'approved',
        'approved',
        'approved',
        'pending',
        'pending',
        'pending',
        'pending',
      ]);
    });

    it('refuses a bulk action without a narrowing filter', async () => {
      const response = await request(server)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'approve', filter: {} });
      expect(response.status).toBe(400);
      expect(response.body.problems[0].path).toBe('filter');
    });
  });

  describe('clearing an incident', () => {
    it('resets a SKU history and reports a voucher that is not tripped, as admin, in the audit trail', async () => {
      const reset = await request(server)
        .post('/review/api/skus/SKU-F1/reset-history')
        .set(auth('admin'))
        .send({});
      expect(reset.status).toBe(200);
      const clear = await request(server)
        .post('/review/api/vouchers/NEVER-SEEN/clear')
        .set(auth('admin'))
        .send({});
      expect(clear.status).toBe(404);
      const trail = await request(server).get('/review/api/audit?limit=5').set(auth('viewer'));
      expect(trail.body.entries[0]).toMatchObject({ action: 'history_reset', actor: 'ana', sku: 'SKU-F1' });
    });
  });

  describe('metrics', () => {
    it('counts each claim, decision, bulk decision and admin action once it took effect', async () => {
      const registry = new Registry();
      const counted = reviewRouter({
        store,
        tokens: CONFIG,
        logger: SILENT,
        clock: () => now,
        rateLimit: false,
        metrics: createMetrics({ registry }),
      });
      const app = express().use('/review', counted);
      for (let index = 0; index < 4; index++) await hold(glitch(`m-${index}`, 'SKU-METRICS'));
      await request(app).post('/review/api/holds/m-0/claim').set(auth('reviewer')).send({}).expect(200);
      await request(app).post('/review/api/holds/m-0/approve').set(auth('reviewer')).send({}).expect(200);
      // A refused decision (already decided) is not an action.
      await request(app).post('/review/api/holds/m-0/approve').set(auth('reviewer')).send({}).expect(409);
      await request(app)
        .post('/review/api/bulk')
        .set(auth('reviewer'))
        .send({ action: 'reject', filter: { sku: 'SKU-METRICS' }, note: 'glitch' })
        .expect(200);
      await request(app)
        .post('/review/api/skus/SKU-METRICS/reset-history')
        .set(auth('admin'))
        .send({})
        .expect(200);
      await request(app)
        .post('/review/api/vouchers/NEVER-SEEN/clear')
        .set(auth('admin'))
        .send({})
        .expect(404);
      counted.close();

      const metric = registry.getSingleMetric(`${DEFAULT_PREFIX}${METRIC_NAMES.reviewerActions}`);
      const { values } = await metric!.get();
      const byAction = Object.fromEntries(values.map((sample) => [sample.labels.action, sample.value]));
      expect(byAction).toMatchObject({
        claimed: 1,
        approved: 1,
        rejected: 3,
        history_reset: 1,
        voucher_cleared: 0,
      });
    });
  });
});

describe.each(FACTORIES)('pagination over 10,000 held orders on %s', (_name, factory) => {
  let store: GuardStore;
  let router: ReviewRouter;
  let server: Server;

  beforeAll(async () => {
    store = await factory.create();
    let now = T0;
    const guard = new Guard({ policy, store, clock: () => now, storeTimeoutMs: 5_000 });
    for (let start = 0; start < 10_000; start += 250) {
      await Promise.all(
        Array.from({ length: 250 }, (_, offset) => {
          const index = start + offset;
          return guard.check(
            glitch(
              `p-${String(index).padStart(5, '0')}`,
              `SKU-P${index % 7}`,
              index % 10 === 0 ? 'PAGEV' : undefined,
            ),
          );
        }),
      );
      now += 1_000;
    }
    router = reviewRouter({ store, tokens: CONFIG, logger: SILENT, rateLimit: false });
    const app = express();
    app.use('/review', router);
    server = app.listen(0);
  }, 120_000);

  afterAll(async () => {
    router.close();
    await new Promise((resolve) => server.close(resolve));
    await factory.destroy();
  });

  it('walks every held order once, newest first, with the cursor', async () => {
    const seen: HeldOrder[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? 'limit=200' : `limit=200&cursor=${encodeURIComponent(cursor)}`;
      const response = await request(server).get(`/review/api/holds?${query}`).set(auth('viewer'));
      expect(response.status).toBe(200);
      seen.push(...response.body.items);
      cursor = response.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 200);
    expect(seen).toHaveLength(10_000);
    expect(new Set(seen.map((held) => held.orderId)).size).toBe(10_000);
    const outOfOrder = seen.findIndex((held, index) => index > 0 && seen[index - 1]!.heldAt < held.heldAt);
    expect(outOfOrder).toBe(-1);
  });

  it('pages a filter by SKU and by voucher completely', async () => {
    const walk = async (query: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/review/api/holds?${query}&limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const response = await request(server).get(url).set(auth('viewer'));
        ids.push(...response.body.items.map((held: HeldOrder) => held.orderId));
        cursor = response.body.nextCursor;
      } while (cursor !== null);
      return ids;
    };
    const sku = await walk('sku=SKU-P3');
    expect(sku).toHaveLength(Array.from({ length: 10_000 }, (_, i) => i).filter((i) => i % 7 === 3).length);
    const voucher = await walk('voucher=PAGEV');
    expect(voucher).toHaveLength(1_000);
    expect(voucher.every((id) => Number(id.slice(2)) % 10 === 0)).toBe(true);
  });
});
