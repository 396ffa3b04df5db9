// test/service/service.test.ts
// The service in process: one Guard behind both order routes, a reload that swaps its policy in one place, the
// webhook worker started by the service beside the review router, and 415 for a body that is not JSON.

import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { parseConfig, type ServiceConfig } from '../../src/config/service';
import { createService, type Service } from '../../src/service/service';
import { MemoryStore } from '../../src/state/memory/store';
import { line, order } from '../helpers/orders';

const REVIEWER = 'reviewer-token-for-service-tests-0123';
const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

let service: Service | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

function config(data: Record<string, unknown>): ServiceConfig {
  return parseConfig({ service: { logLevel: 'silent' }, ...data }, 'test.yaml', {
    PRICE_GUARD_REVIEW_TOKENS: `rudi:reviewer:${REVIEWER}`,
  });
}

async function start(data: Record<string, unknown>, store = new MemoryStore()): Promise<Service> {
  service = createService(config(data), { store });
  await service.whenReady();
  return service;
}

/** A tote at IDR 1,500,000: allowed by the defaults, held under a floor of IDR 2,000,000. */
const tote = (orderId: string) => order({ orderId, lines: [line('TOTE', 1_500_000)] });

test('one Guard judges POST /v1/evaluate and the demo POST /checkout', async () => {
  const running = await start({ policy: { floors: { TOTE: { IDR: 2_000_000 } } } });
  expect(running.checkout.guard).toBe(running.guard);
  const evaluated = await request(running.app).post('/v1/evaluate').send(tote('one-1'));
  expect(evaluated.body).toMatchObject({ decision: 'hold', reviewId: 'one-1' });
  // The same order id through the other route is a retry of the same guard's decision, not a new one.
  const checkout = await request(running.app).post('/checkout').send(tote('one-1'));
  expect(checkout.status).toBe(202);
  expect((await running.store.listHolds({}, 10)).items.map((held) => held.orderId)).toEqual(['one-1']);
});

test('a reload swaps the policy of both routes at once; an empty one is refused unless confirmed', async () => {
  const running = await start({ policy: { mode: 'enforce' } });
  expect((await request(running.app).post('/checkout').send(tote('r-1'))).status).toBe(201);

  expect(running.reload(config({ policy: { floors: { TOTE: { IDR: 2_000_000 } } } }))).toBe(true);
  expect((await request(running.app).post('/checkout').send(tote('r-2'))).status).toBe(202);
  expect((await request(running.app).post('/v1/evaluate').send(tote('r-3'))).body.decision).toBe('hold');

  // A file that lost its policy would drop the floor: refused, the floor stays.
  expect(running.reload(config({}))).toBe(false);
  expect((await request(running.app).post('/v1/evaluate').send(tote('r-4'))).body.decision).toBe('hold');
  expect(running.reload(config({ confirmEmpty: true }))).toBe(true);
  expect((await request(running.app).post('/checkout').send(tote('r-5'))).status).toBe(201);
  expect((await request(running.app).post('/v1/evaluate').send(tote('r-6'))).body.decision).toBe('allow');
});

test('the reload keeps the runtime floors merged over the new file policy', async () => {
  const running = await start({ policy: { mode: 'enforce' } });
  await running.overlay.setFloor('BAG', 'IDR', 1_000_000);
  await running.refreshOverlay();
  const bag = (orderId: string) => order({ orderId, lines: [line('BAG', 500_000)] });
  expect((await request(running.app).post('/v1/evaluate').send(bag('o-1'))).body.decision).toBe('hold');
  expect(running.reload(config({ policy: { floors: { TOTE: { IDR: 2_000_000 } } } }))).toBe(true);
  expect((await request(running.app).post('/v1/evaluate').send(bag('o-2'))).body.decision).toBe('hold');
  expect((await request(running.app).post('/v1/evaluate').send(tote('o-3'))).body.decision).toBe('hold');
});

test('the service starts the webhook worker itself; the review router only records and emits', async () => {
  const received: string[] = [];
  const receiver = express()
    .post('/hooks', express.json(), (req, res) => {
      received.push(`${req.body.type} ${req.body.orderId}`);
      res.status(204).end();
    })
    .listen(0, '127.0.0.1');
  await new Promise((resolve) => receiver.once('listening', resolve));
  try {
    const { port } = receiver.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/hooks`;
    const running = await start({ review: { webhooks: [{ url, secret: SECRET, events: ['order.held'] }] } });
    expect(running.webhooks).toBeDefined();
    expect(running.review).not.toHaveProperty('webhooks');
    // Started: its first claim turned the store's recording on, so a hold now becomes an event to deliver.
    await running.webhooks!.ready();
    await request(running.app)
      .post('/v1/evaluate')
      .send(order({ orderId: 'w-1', lines: [line('TOTE', 4_700_000, 4_700_000)] }));
    expect(await running.webhooks!.drain(10_000)).toBe(true);
    expect(received).toEqual(['order.held w-1']);
  } finally {
    await new Promise((resolve) => receiver.close(resolve));
  }
});

test('review.timeZone reaches the review page; a zone the runtime does not know is refused by the config', async () => {
  const running = await start({ review: { timeZone: 'asia/jakarta' } });
  const page = await request(running.app).get('/review/');
  expect(page.status).toBe(200);
  // The router takes the zone as the runtime spells it.
  expect(page.text).toContain('Asia/Jakarta');
  expect(() => config({ review: { timeZone: 'Mars/Olympus' } })).toThrow(
    /review\.timeZone: must be an IANA time zone name such as "Asia\/Jakarta" or "UTC"/,
  );
});

test('no webhook configured, no worker', async () => {
  const running = await start({});
  expect(running.webhooks).toBeUndefined();
});

test.each([
  ['text/plain', 'text/plain', '{"orderId":"x"}'],
  ['a form', 'application/x-www-form-urlencoded', 'orderId=x&total=0'],
])('an order sent as %s is a 415 on both order routes, on Express 4 as on 5', async (_name, type, body) => {
  const running = await start({});
  for (const path of ['/v1/evaluate', '/checkout']) {
    const response = await request(running.app).post(path).set('Content-Type', type).send(body);
    expect({ path, status: response.status, error: response.body.error }).toEqual({
      path,
      status: 415,
      error: 'unsupported_media_type',
    });
  }
});
