// test/webhooks/delivery.test.ts
// Webhooks of the review queue, delivered by a worker started on its own: signed events reach a receiver that was
// down when the decision was made; retries, giving up, the outbox bound, the options checks, nothing without start().

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { MESSAGES } from '../../src/core/messages';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { hashToken } from '../../src/review/auth';
import { reviewRouter } from '../../src/review/router';
import { MemoryOutbox } from '../../src/state/memory/outbox';
import { MemoryStore } from '../../src/state/memory/store';
import {
  createWebhookDelivery,
  eventFor,
  type ReviewEvent,
  type WebhookDeliveryOptions,
  WebhookOptionsError,
} from '../../src/webhooks/delivery';
import { generateWebhookSecret, verifyWebhookSignature } from '../../src/webhooks/signature';
import { line, order } from '../helpers/orders';

const SECRET = generateWebhookSecret();
const TOKEN = 'tok-reviewer-webhooks-0123';
const logs: string[] = [];
const logger = {
  warn: (_: object, m?: string) => logs.push(m ?? ''),
  error: (_: object, m?: string) => logs.push(m ?? ''),
};

/** Records what the router reports to its metrics, in order. */
function recordingMetrics() {
  const actions: string[] = [];
  const outcomes: string[] = [];
  return {
    actions,
    outcomes,
    reviewAction: (action: string, count = 1) => actions.push(`${action}x${count}`),
    webhook: (outcome: string) => outcomes.push(outcome),
  };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('review webhooks', () => {
  let receiver: Server | undefined;
  afterEach(async () => {
    if (receiver) await new Promise((resolve) => receiver!.close(resolve));
    receiver = undefined;
  });

  it('retries with backoff until a receiver that was down comes back, and the event verifies', async () => {
    const port = await freePort();
    const store = new MemoryStore();
    const guard = new Guard({ policy: parsePolicy({}), store });
    const held = await guard.check(
      order({ orderId: 'wh-1', lines: [line('MJ-TOTE', 4_700_000, 4_700_000)] }),
    );
    expect(held.kind).toBe('held');
    const metrics = recordingMetrics();
    const router = reviewRouter({
      store,
      metrics,
      tokens: [{ name: 'rudi', role: 'reviewer', sha256: hashToken(TOKEN) }],
      rateLimit: false,
      logger,
    });
    const webhooks = createWebhookDelivery({
      store,
      endpoints: [{ url: `http://127.0.0.1:${port}/hooks`, secret: SECRET }],
      baseDelayMs: 40,
      maxDelayMs: 160,
      timeoutMs: 2_000,
      pollIntervalMs: 20,
      logger,
      metrics,
    });
    webhooks.start();
    await webhooks.ready();
    const app = express().use('/review', router);
    try {
      await request(app)
        .post('/review/api/holds/wh-1/reject')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({ note: 'leaked voucher' })
        .expect(200);
      // Nothing listens yet: the outbox keeps the event and retries.
      await until(() => webhooks.stats().failedAttempts >= 2);
      expect(webhooks.stats().pending).toBe(1);

      const received: Array<{ body: string; headers: Record<string, string | string[] | undefined> }> = [];
      const hooks = express();
      hooks.post('/hooks', express.raw({ type: 'application/json' }), (req, res) => {
        received.push({ body: req.body.toString('utf8'), headers: req.headers });
        res.status(204).end();
      });
      receiver = hooks.listen(port, '127.0.0.1');
      expect(await webhooks.drain(10_000)).toBe(true);

      expect(received).toHaveLength(1);
      const [delivery] = received;
      expect(verifyWebhookSignature(delivery!.body, delivery!.headers, SECRET)).toBe(true);
      expect(verifyWebhookSignature(delivery!.body.replace('wh-1', 'wh-2'), delivery!.headers, SECRET)).toBe(
        false,
      );
      const event = JSON.parse(delivery!.body) as ReviewEvent;
      // The webhook-id is the event's id, the same the in-process event and every retry carry.
      expect(delivery!.headers['webhook-id']).toBe(event.id);
      expect(event.id).toBe(eventFor((await store.getHold('wh-1'))!).id);
      expect(event.timestamp).toBe(new Date(event.at).toISOString());
      expect(event).toMatchObject({
        type: 'order.cancelled',
        orderId: 'wh-1',
        actor: 'rudi',
        note: 'leaked voucher',
        shopperMessage: { en: MESSAGES.en.cancelled, id: MESSAGES.id.cancelled },
      });
      expect(event.id).toMatch(/^evt_[0-9a-f]{32}$/);
      expect(webhooks.stats()).toMatchObject({ pending: 0, delivered: 1, givenUp: 0 });
      // Metrics: one rejection; every failed attempt counted as a retry, then one delivery.
      expect(metrics.actions).toEqual(['rejectedx1']);
      const { failedAttempts } = webhooks.stats();
      expect(metrics.outcomes).toEqual([...Array(failedAttempts).fill('retried'), 'delivered']);
    } finally {
      await webhooks.stop();
    }
  });

  it('keeps retrying a receiver that answers 5xx, and gives up after maxAttempts (logged)', async () => {
    let calls = 0;
    const hooks = express();
    hooks.post('/hooks', (_req, res) => {
      calls += 1;
      res.status(503).end();
    });
    receiver = hooks.listen(0, '127.0.0.1');
    await new Promise((resolve) => receiver!.once('listening', resolve));
    const { port } = receiver.address() as AddressInfo;
    const store = new MemoryStore();
    await new Guard({ policy: parsePolicy({}), store }).check(
      order({ orderId: 'wh-2', lines: [line('MJ-TOTE', 4_700_000, 4_700_000)] }),
    );
    const metrics = recordingMetrics();
    const router = reviewRouter({
      store,
      metrics,
      tokens: [{ name: 'rudi', role: 'reviewer', sha256: hashToken(TOKEN) }],
      rateLimit: false,
      logger,
    });
    const webhooks = createWebhookDelivery({
      store,
      endpoints: [{ url: `http://127.0.0.1:${port}/hooks`, secret: SECRET }],
      baseDelayMs: 10,
      maxDelayMs: 20,
      maxAttempts: 3,
      logger,
      metrics,
    });
    webhooks.start();
    await webhooks.ready();
    try {
      await request(express().use('/review', router))
        .post('/review/api/holds/wh-2/approve')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({})
        .expect(200);
      expect(await webhooks.drain(5_000)).toBe(true);
      expect(calls).toBe(3);
      expect(webhooks.stats()).toMatchObject({ delivered: 0, givenUp: 1, failedAttempts: 3 });
      expect(logs.some((message) => message.includes('gave up after 3 attempts'))).toBe(true);
      expect(metrics.outcomes).toEqual(['retried', 'retried', 'failed']);
      expect(metrics.actions).toEqual(['approvedx1']);
    } finally {
      await webhooks.stop();
    }
  });

  it('delivers a bulk-sized burst once each, and drops (and logs) beyond maxOutbox', async () => {
    const ids = new Set<string>();
    let calls = 0;
    const hooks = express();
    hooks.post('/hooks', express.raw({ type: 'application/json' }), (req, res) => {
      calls += 1;
      if (verifyWebhookSignature(req.body, req.headers, SECRET)) ids.add(JSON.parse(req.body).id);
      res.status(200).end();
    });
    receiver = hooks.listen(0, '127.0.0.1');
    await new Promise((resolve) => receiver!.once('listening', resolve));
    const { port } = receiver.address() as AddressInfo;
    const memory = new MemoryOutbox();
    const outbox = createWebhookDelivery({
      store: { outbox: memory },
      endpoints: [{ url: `http://127.0.0.1:${port}/hooks`, secret: SECRET }],
      maxAttempts: 3,
      baseDelayMs: 10,
      maxDelayMs: 20,
      timeoutMs: 5_000,
      concurrency: 8,
      maxOutbox: 200,
      logger,
    });
    outbox.start(); // the first claim turns recording on
    await outbox.ready();
    const held = {
      orderId: 'burst',
      status: 'rejected',
      updatedAt: 1,
      resolution: { by: 'rudi', at: 1, note: 'bulk' },
    } as Parameters<typeof eventFor>[0];
    for (let index = 0; index < 300; index++) memory.record(eventFor({ ...held, orderId: `burst-${index}` }));
    try {
      expect(await outbox.drain(20_000)).toBe(true);
      expect(outbox.stats()).toMatchObject({ delivered: 200, dropped: 100, pending: 0 });
      expect(ids.size).toBe(200);
      expect(calls).toBe(200);
      expect(logs.some((message) => message.includes('outbox full'))).toBe(true);
    } finally {
      await outbox.stop();
    }
  });

  it('rejects bad options at construction, naming the option and what was given', () => {
    const base: WebhookDeliveryOptions = {
      store: new MemoryStore(),
      endpoints: [{ url: 'https://shop.example/hooks', secret: SECRET }],
    };
    const refused = (options: Partial<WebhookDeliveryOptions> & Record<string, unknown>) => {
      try {
        createWebhookDelivery({ ...base, ...options } as WebhookDeliveryOptions);
      } catch (error) {
        expect(error).toBeInstanceOf(WebhookOptionsError);
        expect(error).toMatchObject({ code: 'ERR_WEBHOOK_OPTIONS' });
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ endpoints: [{ url: 'ftp://x', secret: SECRET }] })).toBe(
      'createWebhookDelivery: option "endpoints[0].url" must be an http(s) URL, got "ftp://x"',
    );
    // file: and other schemes are refused here exactly as in the service configuration (one check).
    expect(refused({ endpoints: [{ url: 'file:///etc/passwd', secret: SECRET }] })).toMatch(
      /option "endpoints\[0\]\.url" must be an http\(s\) URL/,
    );
    expect(refused({ endpoints: [{ url: 'http://x', secret: 'short' }] })).toMatch(
      /option "endpoints\[0\]\.secret" must be a Standard Webhooks secret: "whsec_"/,
    );
    expect(refused({ retries: 3 })).toMatch(/unknown option "retries"/);
    expect(refused({ maxAtempts: 3 })).toMatch(/unknown option "maxAtempts"; did you mean "maxAttempts"\?/);
    expect(
      refused({ endpoints: [{ url: 'http://x', secret: SECRET, events: ['order.shipped'] as never }] }),
    ).toMatch(/option "endpoints\[0\]\.events\[0\]" must be one of order\.held, order\.released/);
    expect(
      refused({
        endpoints: [
          { url: 'http://x/hooks', secret: SECRET },
          { url: 'http://x/hooks', secret: SECRET },
        ],
      }),
    ).toMatch(/option "endpoints\[1\]\.url" repeats an earlier endpoint/);
    expect(refused({ pollIntervalMs: 0 })).toMatch(
      /option "pollIntervalMs" must be a positive whole number of milliseconds, got 0/,
    );
    expect(refused({ endpoints: [] })).toMatch(/option "endpoints" must list at least one endpoint/);
    expect(refused({ store: {} as never })).toMatch(
      /option "store" must be the store the guard holds orders in/,
    );
  });

  it('delivers nothing until started, and the review router never starts it', async () => {
    let calls = 0;
    const hooks = express();
    hooks.post('/hooks', (_req, res) => {
      calls += 1;
      res.status(204).end();
    });
    receiver = hooks.listen(0, '127.0.0.1');
    await new Promise((resolve) => receiver!.once('listening', resolve));
    const { port } = receiver.address() as AddressInfo;
    const store = new MemoryStore();
    await new Guard({ policy: parsePolicy({}), store }).check(
      order({ orderId: 'wh-3', lines: [line('MJ-TOTE', 4_700_000, 4_700_000)] }),
    );
    const webhooks = createWebhookDelivery({
      store,
      endpoints: [{ url: `http://127.0.0.1:${port}/hooks`, secret: SECRET, events: ['order.released'] }],
      pollIntervalMs: 20,
      logger,
    });
    const router = reviewRouter({
      store,
      tokens: [{ name: 'rudi', role: 'reviewer', sha256: hashToken(TOKEN) }],
      rateLimit: false,
      logger,
    });
    expect(router).not.toHaveProperty('webhooks');
    // No worker has claimed: the store records no event for a decision made now.
    await request(express().use('/review', router))
      .post('/review/api/holds/wh-3/approve')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({})
      .expect(200);
    webhooks.start();
    try {
      await webhooks.ready();
      expect(await webhooks.drain(5_000)).toBe(true);
      expect(calls).toBe(0);
    } finally {
      await webhooks.stop();
    }
  });

  it('tells a router built with the old webhooks option where webhooks went', () => {
    expect(() =>
      reviewRouter({
        store: new MemoryStore(),
        tokens: [{ name: 'rudi', role: 'reviewer', sha256: hashToken(TOKEN) }],
        webhooks: { endpoints: [] },
      } as never),
    ).toThrow(
      /option "webhooks" is no longer the review router's: deliver webhooks with createWebhookDelivery/,
    );
  });
});
