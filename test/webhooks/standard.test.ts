// test/webhooks/standard.test.ts
// What the outbox sends verifies with the Standard Webhooks reference library (the `standardwebhooks` package),
// on the MemoryStore and on Redis: every event type, per-endpoint subscriptions, webhook-id = the event's id, and the
// voucher.resumed of a code that calmed down.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import type { GuardStore, OutboxStore } from '../../src/ports/store';
import { hashToken } from '../../src/review/auth';
import { reviewRouter } from '../../src/review/router';
import { MemoryStore } from '../../src/state/memory/store';
import { RedisStore } from '../../src/state/redis/store';
import { createWebhookDelivery } from '../../src/webhooks/delivery';
import { generateWebhookSecret } from '../../src/webhooks/signature';
import { line, order } from '../helpers/orders';
import { startRedis, stopAll } from '../helpers/redis';

const TOKEN = 'tok-reviewer-standard-0123';
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 10, 3, 0, 0);
const logger = { warn() {}, error() {} };

interface Received {
  path: string;
  body: string;
  headers: IncomingHttpHeaders;
}

let receiver: Server;
let base: string;
const received: Received[] = [];
const clients: Redis[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await Promise.all(clients.map((client) => client.quit()));
  await stopAll();
});

const stores: Array<[string, () => Promise<GuardStore & OutboxStore>]> = [
  ['MemoryStore', async () => new MemoryStore()],
  [
    'RedisStore',
    async () => {
      const redis = await startRedis();
      const client = new Redis(redis.url, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
      clients.push(client);
      const store = new RedisStore({ client, prefix: `standard${clients.length}`, flushIntervalMs: 50 });
      await store.init();
      return store;
    },
  ],
];

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(stores)('Standard Webhooks from the %s outbox', (name, makeStore) => {
  test('every event verifies with the reference library; each endpoint gets the types it subscribed to', async () => {
    received.length = 0;
    const store = await makeStore();
    const everything = generateWebhookSecret();
    const decisions = generateWebhookSecret(48);
    const router = reviewRouter({
      store,
      tokens: [{ name: 'dewi', role: 'reviewer', sha256: hashToken(TOKEN) }],
      rateLimit: false,
      logger,
    });
    const worker = createWebhookDelivery({
      store,
      endpoints: [
        {
          url: `${base}/all/${name}`,
          secret: everything,
          events: ['order.held', 'order.released', 'order.cancelled', 'voucher.tripped'],
        },
        { url: `${base}/decisions/${name}`, secret: decisions },
      ],
      pollIntervalMs: 50,
      logger,
    });
    const app = express().use('/review', router);
    try {
      // The worker's first claim turns recording on.
      worker.start();
      await worker.ready();
      const policy = parsePolicy({ vouchers: { LEAK: { velocity: { maxPerWindow: 1 } } } });
      const guard = new Guard({ policy, store });
      const leak = (orderId: string) =>
        order({ orderId, lines: [line('TOTE', 1_000_000)], vouchers: [{ code: 'LEAK', discount: 10_000 }] });
      expect((await guard.check(leak('std-1'))).kind).toBe('allowed');
      if (store instanceof RedisStore) await store.flush();
      expect((await guard.check(leak('std-2'))).kind).toBe('held');
      expect(
        (await guard.check(order({ orderId: 'std-3', lines: [line('TOTE', 1_000_000, 1_000_000)] }))).kind,
      ).toBe('held');
      await request(app)
        .post('/review/api/holds/std-2/reject')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({ note: 'leaked code' })
        .expect(200);
      await request(app)
        .post('/review/api/holds/std-3/approve')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({})
        .expect(200);
      expect(await worker.drain(10_000)).toBe(true);
      await until(() => received.length >= 7);

      const verified = received.map((delivery) => {
        const secret = delivery.path.startsWith('/all/') ? everything : decisions;
        // The reference library throws unless webhook-id, webhook-timestamp and webhook-signature verify.
        const payload = new Webhook(secret).verify(
          delivery.body,
          delivery.headers as Record<string, string>,
        ) as {
          id: string;
          type: string;
          timestamp: string;
          at: number;
          orderId?: string;
          voucher?: string;
        };
        expect(delivery.headers['webhook-id']).toBe(payload.id);
        expect(payload.timestamp).toBe(new Date(payload.at).toISOString());
        expect(delivery.headers['content-type']).toBe('application/json');
        expect(delivery.headers['checkout-price-guard-signature']).toBeUndefined();
        return `${delivery.path.split('/')[1]} ${payload.type} ${payload.orderId ?? payload.voucher}`;
      });
      expect(verified.sort()).toEqual(
        [
          'all order.held std-2',
          'all order.held std-3',
          'all voucher.tripped LEAK',
          'all order.cancelled std-2',
          'all order.released std-3',
          'decisions order.cancelled std-2',
          'decisions order.released std-3',
        ].sort(),
      );
      // A secret of one endpoint does not verify another's deliveries.
      const other = received.find((delivery) => delivery.path.startsWith('/decisions/'))!;
      expect(() =>
        new Webhook(everything).verify(other.body, other.headers as Record<string, string>),
      ).toThrow();
    } finally {
      await worker.stop();
      await store.shutdown?.();
    }
  });

  test('a code that trips and calms down past resumeAfterSeconds sends one signed voucher.resumed', async () => {
    received.length = 0;
    const store = await makeStore();
    const secret = generateWebhookSecret();
    const worker = createWebhookDelivery({
      store,
      endpoints: [{ url: `${base}/resumed/${name}`, secret, events: ['voucher.resumed'] }],
      pollIntervalMs: 50,
      logger,
    });
    try {
      // The worker's first claim turns recording on.
      worker.start();
      await worker.ready();
      let now = T0;
      const policy = parsePolicy({
        vouchers: { LEAK: { velocity: { maxPerWindow: 1, windowSeconds: 60, resumeAfterSeconds: 600 } } },
      });
      const guard = new Guard({ policy, store, clock: () => now });
      const flush = async () => {
        if (store instanceof RedisStore) await store.flush();
      };
      const use = async (orderId: string) => {
        const result = await guard.check(
          order({
            orderId,
            lines: [line('TOTE', 1_000_000)],
            vouchers: [{ code: 'LEAK', discount: 10_000 }],
          }),
        );
        await flush();
        return result.kind;
      };
      // Two uses in the same minute: over its limit of one a minute, the code trips.
      await expect(use('res-1')).resolves.toBe('allowed');
      now += 5_000;
      const trippedAt = now;
      await expect(use('res-2')).resolves.toBe('held');
      // Within resumeAfterSeconds (10 min) of the last anomalous use, a use at a normal rate is still held.
      now += 5 * MINUTE;
      await expect(use('res-3')).resolves.toBe('held');
      // Past it, the next use at a normal rate resumes the code: allowed, and the event is recorded.
      now += 6 * MINUTE;
      const resumedAt = now;
      await expect(use('res-4')).resolves.toBe('allowed');
      now += 2 * MINUTE;
      await expect(use('res-5')).resolves.toBe('allowed');

      expect(await worker.drain(10_000)).toBe(true);
      await until(() => received.length >= 1);
      // Nothing else was sent: the endpoint subscribed to voucher.resumed only, and the code resumed once.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toHaveLength(1);
      const [delivery] = received;
      expect(delivery!.path).toBe(`/resumed/${name}`);
      // The reference library throws unless webhook-id, webhook-timestamp and webhook-signature verify.
      const payload = new Webhook(secret).verify(
        delivery!.body,
        delivery!.headers as Record<string, string>,
      ) as Record<string, unknown>;
      expect(payload).toMatchObject({
        type: 'voucher.resumed',
        voucher: 'LEAK',
        trippedAt,
        at: resumedAt,
        timestamp: new Date(resumedAt).toISOString(),
      });
      expect(delivery!.headers['webhook-id']).toBe(payload.id);
      expect(() =>
        new Webhook(generateWebhookSecret()).verify(
          delivery!.body,
          delivery!.headers as Record<string, string>,
        ),
      ).toThrow();
      const trail = await store.auditTrail({ limit: 10 });
      expect(trail.filter((entry) => entry.action === 'voucher_resumed')).toEqual([
        expect.objectContaining({ actor: 'guard', voucher: 'LEAK', at: resumedAt }),
      ]);
    } finally {
      await worker.stop();
      await store.shutdown?.();
    }
  });
});
