// test/webhooks/delivery.test.ts
// Webhooks from the review router: signed events reach a receiver that was down when the decision was made;
// retries, giving up, the outbox bound and the options checks.

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
  eventFor,
  type ReviewEvent,
  resolveWebhookOptions,
  WebhookOutbox,
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
      webhooks: {
        endpoints: [{ url: `http://127.0.0.1:${port}/hooks`, secret: SECRET }],
        baseDelayMs: 40,
        maxDelayMs: 160,
        timeoutMs: 2_000,
      },
      rateLimit: false,
      logger,
    });
    const app = express().use('/review', router);
    try {
      await request(app)
        .post('/review/api/holds/wh-1/reject')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({ note: 'leaked voucher' })
        .expect(200);
      // Nothing listens yet: the outbox keeps the event and retries.
      await until(() => router.webhooks!.stats().failedAttempts >= 2);
      expect(router.webhooks!.stats().pending).toBe(1);

      const received: Array<{ body: string; headers: Record<string, string | string[] | undefined> }> = [];
      const hooks = express();
      hooks.post('/hooks', express.raw({ type: 'application/json' }), (req, res) => {
        received.push({ body: req.body.toString('utf8'), headers: req.headers });
        res.status(204).end();
      });
      receiver = hooks.listen(port, '127.0.0.1');
      expect(await router.webhooks!.drain(10_000)).toBe(true);

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
      expect(router.webhooks!.stats()).toMatchObject({ pending: 0, delivered: 1, givenUp: 0 });
      // Metrics: one rejection; every failed attempt counted as a retry, then one delivery.
      expect(metrics.actions).toEqual(['rejectedx1']);
      const { failedAttempts } = router.webhooks!.stats();
      expect(metrics.outcomes).toEqual([...Array(failedAttempts).fill('retried'), 'delivered']);
    } finally {
      await router.close();
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
      webhooks: {
        endpoints: [{ url: `http://127.0.0.1:${port}/hooks`, secret: SECRET }],
        baseDelayMs: 10,
        maxDelayMs: 20,
        maxAttempts: 3,
      },
      rateLimit: false,
      logger,
    });
    try {
      await request(express().use('/review', router))
        .post('/review/api/holds/wh-2/approve')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({})
        .expect(200);
      expect(await router.webhooks!.drain(5_000)).toBe(true);
      expect(calls).toBe(3);
      expect(router.webhooks!.stats()).toMatchObject({ delivered: 0, givenUp: 1, failedAttempts: 3 });
      expect(logs.some((message) => message.includes('gave up after 3 attempts'))).toBe(true);
      expect(metrics.outcomes).toEqual(['retried', 'retried', 'failed']);
      expect(metrics.actions).toEqual(['approvedx1']);
    } finally {
      await router.close();
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
    const options = resolveWebhookOptions(
      {
        endpoints: [{ url: `http://127.0.0.1:${port}/hooks`, secret: SECRET }],
        maxAttempts: 3,
        baseDelayMs: 10,
        maxDelayMs: 20,
        timeoutMs: 5_000,
        concurrency: 8,
        maxOutbox: 200,
      },
      (message) => {
        throw new Error(message);
      },
    )!;
    const memory = new MemoryOutbox();
    const outbox = new WebhookOutbox(options, memory, logger);
    outbox.start(); // the first claim turns recording on
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
      await outbox.close();
    }
  });

  it('rejects bad webhook options at construction, naming the option', () => {
    const base = {
      store: new MemoryStore(),
      tokens: [{ name: 'rudi', role: 'reviewer' as const, sha256: hashToken(TOKEN) }],
    };
    expect(() =>
      reviewRouter({ ...base, webhooks: { endpoints: [{ url: 'ftp://x', secret: SECRET }] } }),
    ).toThrow(/webhooks\.endpoints\[0\]\.url/);
    expect(() =>
      reviewRouter({ ...base, webhooks: { endpoints: [{ url: 'http://x', secret: 'short' }] } }),
    ).toThrow(/webhooks\.endpoints\[0\]\.secret/);
    expect(() => reviewRouter({ ...base, webhooks: { endpoints: [], retries: 3 } as never })).toThrow(
      /webhooks\.retries/,
    );
    expect(() =>
      reviewRouter({ ...base, webhooks: { endpoints: [{ url: 'http://x', secret: 'a'.repeat(40) }] } }),
    ).toThrow(/webhooks\.endpoints\[0\]\.secret" must be a Standard Webhooks secret: "whsec_"/);
    expect(() =>
      reviewRouter({
        ...base,
        webhooks: { endpoints: [{ url: 'http://x', secret: SECRET, events: ['order.shipped'] as never }] },
      }),
    ).toThrow(/webhooks\.endpoints\[0\]\.events" must be a non-empty list of order\.held, order\.released/);
    expect(() =>
      reviewRouter({
        ...base,
        webhooks: {
          endpoints: [
            { url: 'http://x/hooks', secret: SECRET },
            { url: 'http://x/hooks', secret: SECRET },
          ],
        },
      }),
    ).toThrow(/webhooks\.endpoints\[1\]\.url" repeats/);
    expect(() => reviewRouter({ ...base, webhooks: { endpoints: [], pollIntervalMs: 0 } })).toThrow(
      /webhooks\.pollIntervalMs" must be a positive whole number/,
    );
  });
});
