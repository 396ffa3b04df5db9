// test/review/api-incidents.test.ts
// The incident API on both stores: incidents that partition the queue, exposure, a bulk preview with breakdown and
// samples narrowed by rule and payment method, tripped vouchers listed with or without holds, and the segment a trip
// scoped to the surge holds.

import type { Server } from 'node:http';
import express from 'express';
import Redis from 'ioredis';
import request from 'supertest';
import type { OrderInput } from '../../src/core/order';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import type { GuardStore } from '../../src/ports/store';
import { reviewRouter } from '../../src/review/router';
import { MemoryStore } from '../../src/state/memory/store';
import { RedisStore } from '../../src/state/redis/store';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis } from '../helpers/redis';
import { reviewTokens } from '../helpers/review';
import { normalDay, stackedSegment, stackedSurge, useOf } from '../helpers/surge';

const { config, auth } = reviewTokens('incidents-api');
const T0 = Date.UTC(2026, 11, 7, 17, 0, 0);
/** A bank-only code that trips after 4 uses in its window: then even the bank's own cards are held. */
const policy = parsePolicy({
  vouchers: { BANKDAY: { paymentMethods: ['card:mandiri*'], velocity: { maxPerWindow: 4 } } },
});

/** The night: 7 uses of the leaked code (5 wrong methods, 2 the bank's cards), a 100%-off lamp, tampered totals. */
function night(): OrderInput[] {
  const leak = (n: number, paymentMethod: string) =>
    order({
      orderId: `bank-${n}`,
      customerId: `cus-${n}`,
      paymentMethod,
      lines: [line('POWERBANK', 300_000 + n * 1_000)],
      vouchers: [{ code: n === 0 ? 'bankday' : 'BANKDAY', discount: 150_000 }],
    });
  return [
    leak(0, 'ewallet:dana'),
    leak(1, 'ewallet:dana'),
    leak(2, 'qris'),
    leak(3, 'ewallet:gopay'),
    leak(4, 'card:mandiri-platinum'), // the 5th use trips the code
    leak(5, 'card:mandiri-platinum'),
    leak(6, 'ewallet:dana'),
    order({ orderId: 'lamp-0', lines: [line('LAMP', 650_000, 650_000)], shipping: 20_000 }),
    order({ orderId: 'lamp-1', lines: [line('LAMP', 650_000, 650_000), line('BULB', 35_000)] }),
    order({
      orderId: 'cam-0',
      lines: [line('CAMERA', 7_450_000)],
      shipping: 25_000,
      tax: 10_000,
      total: 99_000,
    }),
    order({ orderId: 'cam-1', lines: [line('CAMERA', 7_450_000)], total: 74_500 }),
  ];
}

type Factory = { create(): Promise<GuardStore>; destroy(): Promise<void> };

/** The review API over `store` on a free port, on the test's clock, with no rate limit. */
function serveReview(store: GuardStore, clock: () => number): Server {
  const router = reviewRouter({
    store,
    tokens: config,
    logger: { warn() {}, error() {} },
    clock,
    rateLimit: false,
  });
  return express().use('/review', router).listen(0);
}

const memory: Factory = { create: async () => new MemoryStore(), destroy: async () => {} };
function redis(): Factory {
  let server: RedisInstance | undefined;
  let client: Redis | undefined;
  let store: RedisStore | undefined;
  return {
    async create() {
      server = await startRedis();
      client = new Redis(server.url, { maxRetriesPerRequest: 2 });
      store = new RedisStore({ client, prefix: 'incidents-api', logger: { warn() {}, error() {} } });
      await store.init();
      return store;
    },
    async destroy() {
      await store?.shutdown();
      await client?.quit();
      await server?.stop();
    },
  };
}

describe.each([
  ['MemoryStore', () => memory],
  ['RedisStore', redis],
])('incident API on %s', (_name, makeFactory) => {
  const factory = makeFactory();
  let store: GuardStore;
  let server: Server;
  let now = T0;

  beforeAll(async () => {
    store = await factory.create();
    const guard = new Guard({ policy, store, clock: () => now, storeTimeoutMs: 5_000 });
    for (const input of night()) {
      now += 60_000;
      const result = await guard.check(input);
      if (result.kind !== 'held') throw new Error(`${input.orderId} was ${result.kind}`);
      await (store as { flush?: () => Promise<void> }).flush?.();
    }
    server = serveReview(store, () => now);
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await factory.destroy();
  });

  const get = (path: string, role: 'viewer' | 'reviewer' | 'admin' = 'viewer') =>
    request(server).get(`/review/api/${path}`).set(auth(role));
  const bulk = (body: object) => request(server).post('/review/api/bulk').set(auth('reviewer')).send(body);

  it('answers the incidents: one per primary cause, counts adding up to the pending holds, ranked by exposure', async () => {
    const response = await get('incidents');
    expect(response.status).toBe(200);
    const { incidents, pending, total, others, by, currency } = response.body;
    expect({ pending, total, others, by, currency }).toEqual({
      pending: 11,
      total: 3,
      others: { incidents: 0, count: 0 },
      by: 'exposure',
      currency: 'IDR',
    });
    // The tampered cameras leave the most unpaid, then the lamps (IDR 1,300,000), then the leak (7 × 150,000).
    const camUnpaid = 7_450_000 + 25_000 + 10_000 - 99_000 + (7_450_000 - 74_500);
    expect(incidents.map((one: { id: string; count: number }) => [one.id, one.count])).toEqual([
      ['rule:total_mismatch', 2],
      ['sku:LAMP', 2],
      ['voucher:BANKDAY', 7],
    ]);
    const cameras = incidents[0];
    expect(cameras).toMatchObject({
      cause: { kind: 'rule', key: 'total_mismatch' },
      filter: { incident: 'rule:total_mismatch' },
      exposure: { IDR: { orders: 2, discount: 0, exposure: camUnpaid, overcharge: 0 } },
      display: { exposure: { IDR: { exposure: `IDR ${camUnpaid.toLocaleString('en-US')}` } } },
    });
    expect(cameras.trip).toBeUndefined(); // only a voucher incident says whether its code is tripped
    const leak = incidents[2];
    expect(leak).toMatchObject({
      firstHeldAt: T0 + 60_000,
      lastHeldAt: T0 + 7 * 60_000,
      breakdown: {
        rules: { voucher_ineligible: 5, voucher_velocity: 3 },
        paymentMethods: { 'EWALLET:DANA': 3, QRIS: 1, 'EWALLET:GOPAY': 1, 'CARD:MANDIRI-PLATINUM': 2 },
      },
      trip: { code: 'BANKDAY', trippedAt: T0 + 5 * 60_000, sticky: false },
    });
    // The top incident only: the rest are counted in `others`, so the numbers still add up.
    const top = await get('incidents?limit=1&by=count');
    expect(top.body.incidents.map((one: { id: string }) => one.id)).toEqual(['voucher:BANKDAY']);
    expect(top.body.others).toEqual({ incidents: 2, count: 4 });
  });

  it('refuses a bad incident query, naming the field', async () => {
    const response = await get('incidents?by=money&currency=XXX&limit=0&color=red');
    expect(response.status).toBe(400);
    expect(response.body.problems.map((p: { path: string }) => p.path).sort()).toEqual([
      'by',
      'color',
      'currency',
      'limit',
    ]);
    expect((await request(server).get('/review/api/incidents')).status).toBe(401);
  });

  it('lists exactly an incident’s orders by its filter, narrowed by rule and payment method', async () => {
    const ids = async (query: string) =>
      (await get(`holds?status=pending&${query}`)).body.items
        .map((held: { orderId: string }) => held.orderId)
        .sort();
    expect(await ids('incident=voucher:bankday')).toEqual([
      'bank-0',
      'bank-1',
      'bank-2',
      'bank-3',
      'bank-4',
      'bank-5',
      'bank-6',
    ]);
    expect(await ids('incident=voucher:BANKDAY&paymentMethod=card:mandiri-platinum')).toEqual([
      'bank-4',
      'bank-5',
    ]);
    expect(await ids('incident=sku:lamp')).toEqual(['lamp-0', 'lamp-1']);
    const bad = await get('holds?incident=coupon:X&paymentMethod=%E2%80%AEqris');
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p: { path: string }) => p.path).sort()).toEqual([
      'incident',
      'paymentMethod',
    ]);
  });

  it('previews a bulk action with the incident’s breakdown and samples, then cleans the leak up in two actions', async () => {
    const incidents = (await get('incidents')).body.incidents;
    const leak = incidents.find((one: { id: string }) => one.id === 'voucher:BANKDAY');
    const preview = await bulk({ action: 'reject', filter: leak.filter, dryRun: true });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      matched: 7,
      changed: 0,
      money: leak.exposure,
      breakdown: leak.breakdown,
    });
    // One sample per payment method first: the bank's own card is among them, not hidden behind the majority.
    const samples = preview.body.samples as Array<{
      orderId: string;
      paymentMethod: string;
      rules: string[];
    }>;
    expect(samples).toHaveLength(5);
    expect(new Set(samples.map((sample) => sample.paymentMethod))).toEqual(
      new Set(['EWALLET:DANA', 'QRIS', 'EWALLET:GOPAY', 'CARD:MANDIRI-PLATINUM']),
    );
    expect(samples[0]).toEqual({
      orderId: expect.stringMatching(/^bank-/),
      heldAt: expect.any(Number),
      customerId: expect.stringMatching(/^cus-/),
      paymentMethod: expect.any(String),
      rules: expect.arrayContaining(['voucher_ineligible']),
      currency: 'IDR',
      total: expect.any(Number),
      exposure: 150_000,
      display: { total: expect.stringMatching(/^IDR /), exposure: 'IDR 150,000' },
    });

    // First action: the ineligible ones (the wrong payment methods).
    const ineligible = { ...leak.filter, rule: 'voucher_ineligible' };
    const narrowed = await bulk({ action: 'reject', filter: ineligible, dryRun: true });
    expect(narrowed.body).toMatchObject({
      matched: 5,
      breakdown: { paymentMethods: { 'EWALLET:DANA': 3, QRIS: 1, 'EWALLET:GOPAY': 1 } },
    });
    const rejected = await bulk({ action: 'reject', filter: ineligible, note: 'leaked bank-only code' });
    expect(rejected.body).toMatchObject({ matched: 5, changed: 5, skipped: 0 });
    // Second action: what is left of the incident is the bank's own cards.
    const rest = (await get('incidents')).body.incidents.find(
      (one: { id: string }) => one.id === 'voucher:BANKDAY',
    );
    expect(rest).toMatchObject({ count: 2, breakdown: { paymentMethods: { 'CARD:MANDIRI-PLATINUM': 2 } } });
    const approved = await bulk({ action: 'approve', filter: rest.filter, note: 'the bank’s own customers' });
    expect(approved.body).toMatchObject({ matched: 2, changed: 2 });
    for (const n of [0, 1, 2, 3, 6]) expect((await store.getHold(`bank-${n}`))?.status).toBe('rejected');
    for (const n of [4, 5]) expect((await store.getHold(`bank-${n}`))?.status).toBe('approved');
    const after = (await get('incidents')).body;
    expect(after.incidents.map((one: { id: string }) => one.id)).toEqual(['rule:total_mismatch', 'sku:LAMP']);
    expect(after.pending).toBe(4);
  });

  it('lists the tripped code after its holds are decided, with its reason, uses and when it may end', async () => {
    const response = await get('vouchers?state=tripped');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      state: 'tripped',
      vouchers: [
        {
          code: 'BANKDAY',
          trippedAt: T0 + 5 * 60_000,
          until: T0 + 7 * 60_000 + 30 * 60_000,
          sticky: false,
          reason: 'Voucher BANKDAY was redeemed 5 times in the last 10 min; its limit is 4.',
          uses: 7,
          usesWindowSeconds: 1800,
        },
      ],
    });
    expect((await get('vouchers')).body.vouchers).toHaveLength(1);
    const bad = await get('vouchers?state=active');
    expect(bad.status).toBe(400);
    expect(bad.body.problems[0].path).toBe('state');
    expect((await request(server).get('/review/api/vouchers?state=tripped')).status).toBe(401);
  });

  it('shows a held order’s amounts so the total reconciles, and the code and payment method as the order spells them', async () => {
    const camera = (await get('holds/cam-0')).body.held;
    expect(camera.display).toMatchObject({
      listValue: 'IDR 7,450,000',
      discount: 'IDR 0',
      shipping: 'IDR 25,000',
      shippingDiscount: 'IDR 0',
      tax: 'IDR 10,000',
      recomputedTotal: 'IDR 7,485,000',
      total: 'IDR 99,000',
      exposure: 'IDR 7,386,000',
      overcharge: 'IDR 0',
    });
    const typed = (await get('holds/bank-0')).body.held;
    const index = typed.decision.reasons.findIndex((r: { rule: string }) => r.rule === 'voucher_ineligible');
    // The reason names the code and the payment method as the order spells them; the policy's pattern as written.
    expect(typed.decision.reasons[index].message).toBe(
      'Voucher BANKDAY is only for payment by CARD:MANDIRI*; this order pays by EWALLET:DANA.',
    );
    expect(typed.display.reasons[index].message).toBe(
      'Voucher bankday is only for payment by CARD:MANDIRI*; this order pays by ewallet:dana.',
    );
    expect(typed.order.paymentMethod).toBe('EWALLET:DANA');
    expect(typed.display.paymentMethod).toBe('ewallet:dana');
  });
});

describe.each([
  ['MemoryStore', () => memory],
  ['RedisStore', redis],
])('a trip scoped to the surge, in the incident API on %s', (_name, makeFactory) => {
  const factory = makeFactory();
  let server: Server;
  let trippedAt = 0;
  let now = T0;

  beforeAll(async () => {
    const store = await factory.create();
    const guard = new Guard({
      policy: parsePolicy({ vouchers: { DAILY: {}, EXTRA: { velocity: { expectedPerHour: 1000 } } } }),
      store,
      clock: () => now,
      storeTimeoutMs: 5_000,
    });
    // DAILY's normal day (alone), then a surge of it stacked with EXTRA, and its normal use going on meanwhile.
    for (const use of [...normalDay('DAILY', T0), ...stackedSurge('DAILY', 'EXTRA', T0)]) {
      now = use.at;
      const result = await guard.check(use.input);
      if (result.kind === 'held') trippedAt ||= use.at;
      await (store as { flush?: () => Promise<void> }).flush?.();
    }
    now = T0 + 90_000;
    const alone = await guard.check(useOf('alone', ['DAILY']));
    if (alone.kind !== 'allowed') throw new Error(`the code's normal use was ${alone.kind}`);
    server = serveReview(store, () => now);
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await factory.destroy();
  });

  const get = (path: string) => request(server).get(`/review/api/${path}`).set(auth('viewer'));

  it('lists the tripped code with the segment it holds, in the reason and on its own (what the trip panel shows)', async () => {
    const response = await get('vouchers?state=tripped');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      state: 'tripped',
      vouchers: [
        {
          code: 'DAILY',
          trippedAt,
          until: expect.any(Number),
          sticky: false,
          reason: expect.stringContaining(
            `Its new uses ${stackedSegment('EXTRA')} are held while the surge lasts`,
          ),
          uses: expect.any(Number),
          usesWindowSeconds: 1800,
          segment: stackedSegment('EXTRA'),
        },
      ],
    });
  });

  it('names the segment on the code’s incident, whose orders are the stacked uses only', async () => {
    const { incidents } = (await get('incidents')).body;
    const daily = incidents.find((one: { id: string }) => one.id === 'voucher:DAILY');
    expect(daily.trip).toMatchObject({ code: 'DAILY', trippedAt, segment: stackedSegment('EXTRA') });
    const held = (await get('holds?status=pending&incident=voucher:DAILY')).body.items;
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBe(daily.count);
    for (const one of held) expect(one.vouchers).toEqual(['DAILY', 'EXTRA']);
  });
});
