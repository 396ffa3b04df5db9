// test/review/incidents.test.ts
// The incident view on real Redis: 300 orders of one leaked code among 50 other holds, grouped and decided as one.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Redis from 'ioredis';
import request from 'supertest';
import type { OrderInput } from '../../src/core/order';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import type { MoneyAtStake } from '../../src/ports/store';
import { hashToken } from '../../src/review/auth';
import { type ReviewRouter, reviewRouter } from '../../src/review/router';
import { RedisStore } from '../../src/state/redis/store';
import { createWebhookDelivery, type WebhookDelivery } from '../../src/webhooks/delivery';
import { line, order, orderAmounts } from '../helpers/orders';
import { type RedisInstance, startRedis } from '../helpers/redis';

const TOKEN = 'tok-reviewer-incidents-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };
/** A Standard Webhooks secret: `whsec_` and the base64 of 32 bytes. */
const SECRET = `whsec_${Buffer.from('incidents-secret-0123456789abcdef').toString('base64')}`;
const LEAKED = 'TMRW100PEKR6X50';
const T0 = Date.UTC(2023, 0, 28, 1, 20, 0); // the code was posted at 01:20
const policy = parsePolicy({
  vouchers: {
    // Meant only for one bank's cards: used with any other card, the order is held.
    [LEAKED]: { paymentMethods: ['card:uob-tmrw'] },
    OTHER50: { paymentMethods: ['card:bca'] },
  },
});

async function until(condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function money(orders: OrderInput[]): MoneyAtStake {
  const out = { orders: 0, listValue: 0, discount: 0, total: 0, exposure: 0, overcharge: 0 };
  for (const input of orders) {
    const amounts = orderAmounts(input);
    out.orders += 1;
    out.listValue += amounts.listValue;
    out.discount += amounts.discount;
    out.total += input.total;
    out.exposure += amounts.exposure;
    out.overcharge += amounts.overcharge;
  }
  return out;
}

describe('incident view on Redis: one leaked code among other holds', () => {
  let redis: RedisInstance;
  let client: Redis;
  let store: RedisStore;
  let router: ReviewRouter;
  let webhooks: WebhookDelivery;
  let app: express.Express;
  let receiver: Server;
  const received: Array<{ type: string; orderId: string }> = [];
  const leaked: OrderInput[] = [];
  const others: OrderInput[] = [];

  beforeAll(async () => {
    receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const event = JSON.parse(body) as { type: string; orderId: string };
        received.push({ type: event.type, orderId: event.orderId });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;

    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: 2 });
    store = new RedisStore({ client, prefix: 'incidents', logger: { warn() {}, error() {} } });
    await store.init();
    let now = T0;
    const guard = new Guard({ policy, store, clock: () => now, storeTimeoutMs: 5_000 });

    for (let index = 0; index < 300; index++) {
      // Prices differ per order, so the sums below are not a multiple of one order.
      const price = 150_000 + index * 1_000;
      leaked.push(
        order({
          orderId: `leak-${String(index).padStart(3, '0')}`,
          customerId: `cus-${index}`,
          paymentMethod: index % 2 === 0 ? 'card:other-bank' : 'ewallet:ovo',
          lines: [line(index % 3 === 0 ? 'HP-CASE' : 'EARBUDS', price)],
          // Spelled as shoppers typed it: every spelling is the one canonical code.
          vouchers: [{ code: index % 5 === 0 ? 'tmrw100pekr6x50' : LEAKED, discount: 100_000 }],
        }),
      );
    }
    for (let index = 0; index < 50; index++) {
      const id = `other-${String(index).padStart(2, '0')}`;
      if (index < 25) {
        // The 100% discount glitch on the tote.
        others.push(order({ orderId: id, lines: [line('MJ-TOTE-TIGER', 4_700_000, 4_700_000)] }));
      } else if (index < 40) {
        others.push(
          order({
            orderId: id,
            paymentMethod: 'card:other-bank',
            lines: [line('HP-CASE', 200_000)],
            vouchers: [{ code: 'OTHER50', discount: 50_000 }],
          }),
        );
      } else {
        // Same SKU as many leaked orders, held for a tampered total: a SKU-wide action would take these too.
        others.push(order({ orderId: id, lines: [line('HP-CASE', 180_000)], total: 1_000 }));
      }
    }
    // Interleaved, as they arrive in a real incident.
    const arrivals = [...leaked];
    for (const [index, input] of others.entries()) arrivals.splice(index * 7, 0, input);
    for (let start = 0; start < arrivals.length; start += 25) {
      const batch = arrivals.slice(start, start + 25);
      const results = await Promise.all(batch.map((input) => guard.check(input)));
      results.forEach((result, index) => {
        if (result.kind !== 'held') throw new Error(`${batch[index]!.orderId} was ${result.kind}`);
      });
      now += 60_000;
    }

    webhooks = createWebhookDelivery({
      store,
      endpoints: [{ url: `http://127.0.0.1:${port}/hooks`, secret: SECRET }],
      baseDelayMs: 50,
      logger: { warn() {}, error() {} },
    });
    webhooks.start();
    router = reviewRouter({
      store,
      tokens: [{ name: 'dewi', role: 'reviewer', sha256: hashToken(TOKEN) }],
      rateLimit: false,
      logger: { warn() {}, error() {} },
      clock: () => now,
    });
    app = express().use('/review', router);
  }, 120_000);

  afterAll(async () => {
    await webhooks?.stop();
    await store?.shutdown();
    await client?.quit();
    await redis?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('shows the leak as one group with its exact count, times and money', async () => {
    const response = await request(app).get('/review/api/groups?kind=voucher').set(auth);
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(2);
    const group = response.body.groups[0];
    const expected = money(leaked);
    expect(group).toMatchObject({
      kind: 'voucher',
      key: LEAKED,
      count: 300,
      firstHeldAt: T0,
      filter: { voucher: LEAKED },
      money: { IDR: expected },
    });
    expect(expected).toEqual({
      orders: 300,
      listValue: 89_850_000,
      discount: 30_000_000,
      total: 59_850_000,
      exposure: 30_000_000,
      overcharge: 0,
    });
    expect(group.display.money.IDR).toEqual({
      listValue: 'IDR 89,850,000',
      discount: 'IDR 30,000,000',
      total: 'IDR 59,850,000',
      exposure: 'IDR 30,000,000',
      overcharge: 'IDR 0',
    });
    const latest = Math.max(
      ...(await Promise.all(leaked.map((input) => store.getHold(input.orderId)))).map((held) => held!.heldAt),
    );
    expect(group.lastHeldAt).toBe(latest);
    expect(response.body.groups[1]).toMatchObject({ key: 'OTHER50', count: 15 });

    // Every kind at once, top by count; and by money at stake (IDR, the queue's main currency).
    const all = await request(app).get('/review/api/groups?limit=3').set(auth);
    const top = (all.body.groups as Array<{ kind: string; key: string; count: number }>).map(
      (g) => `${g.kind}:${g.key}:${g.count}`,
    );
    expect(top[0]).toBe('rule:voucher_ineligible:315');
    // The velocity rule tripped on the leak too (its group may tie with the voucher's).
    expect(top).toContain(`voucher:${LEAKED}:300`);
    expect(top.map((entry) => Number(entry.split(':').pop()))).toEqual(
      top.map((entry) => Number(entry.split(':').pop())).sort((x, y) => y - x),
    );
    const byMoney = await request(app).get('/review/api/groups?kind=voucher&by=money').set(auth);
    expect(byMoney.body).toMatchObject({ by: 'money', currency: 'IDR' });
    expect(byMoney.body.groups[0]).toMatchObject({ key: LEAKED });

    const stats = await request(app).get('/review/api/stats').set(auth);
    expect(stats.body.byStatus.pending).toBe(350);
    expect(stats.body.pendingValue.IDR).toEqual(
      Object.fromEntries(
        Object.entries(money(leaked)).map(([field, value]) => [
          field,
          value + money(others)[field as keyof MoneyAtStake],
        ]),
      ),
    );
  });

  it('previews, then decides exactly the group’s 300 orders in one action, with 300 webhooks', async () => {
    const groups = await request(app).get('/review/api/groups?kind=voucher').set(auth);
    const group = groups.body.groups.find((g: { key: string }) => g.key === LEAKED);
    const preview = await request(app)
      .post('/review/api/bulk')
      .set(auth)
      .send({ action: 'reject', filter: group.filter, dryRun: true });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ matched: 300, changed: 0, dryRun: true, money: group.money });
    expect(preview.body.display.money.IDR.discount).toBe('IDR 30,000,000');

    const decided = await request(app)
      .post('/review/api/bulk')
      .set(auth)
      .send({ action: 'reject', filter: group.filter, note: 'leaked bank-only code, used with other cards' });
    expect(decided.body).toMatchObject({ matched: 300, changed: 300, skipped: 0, truncated: false });

    const statuses = await Promise.all(
      [...leaked, ...others].map(async (input) => [
        input.orderId,
        (await store.getHold(input.orderId))!.status,
      ]),
    );
    expect(statuses.filter(([id, status]) => id!.startsWith('leak-') && status === 'rejected')).toHaveLength(
      300,
    );
    expect(statuses.filter(([id, status]) => id!.startsWith('other-') && status === 'pending')).toHaveLength(
      50,
    );

    await until(() => received.length >= 300);
    await webhooks.drain(10_000);
    const cancelled = new Set(
      received.filter((event) => event.type === 'order.cancelled').map((event) => event.orderId),
    );
    expect(cancelled).toEqual(new Set(leaked.map((input) => input.orderId)));
    expect(received).toHaveLength(300);

    // The incident is gone from the view; the other 50 holds and their money remain, exactly.
    const after = await request(app).get('/review/api/groups?kind=voucher').set(auth);
    expect(after.body.groups.map((g: { key: string }) => g.key)).toEqual(['OTHER50']);
    const stats = await request(app).get('/review/api/stats').set(auth);
    expect(stats.body.pendingValue).toEqual({ IDR: money(others) });
  });
});
