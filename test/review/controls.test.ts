// test/review/controls.test.ts
// On-call's controls over the guard's state through the review API: accept a new price, keep a voucher held.

import express from 'express';
import request from 'supertest';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { reviewRouter } from '../../src/review/router';
import { MemoryStore } from '../../src/state/memory/store';
import { line, order } from '../helpers/orders';
import { reviewTokens } from '../helpers/review';

const { config: CONFIG, auth } = reviewTokens('controls');
const MINUTE = 60_000;

function setup() {
  let now = Date.UTC(2026, 10, 11, 1, 0, 0);
  const store = new MemoryStore();
  const guard = new Guard({ policy: parsePolicy({ vouchers: { WELCOME: {} } }), store, clock: () => now });
  const router = reviewRouter({ store, tokens: CONFIG, logger: { warn() {}, error() {} }, clock: () => now });
  const app = express().use('/review', router);
  return { store, guard, app, advance: (ms: number) => (now += ms), now: () => now };
}

test('accepting a new price ends the holds of an unannounced markdown at the next order', async () => {
  const { guard, app, advance } = setup();
  for (let index = 0; index < 30; index++) {
    await guard.check(order({ orderId: `w${index}`, lines: [line('lamp', 500_000)] }));
    advance(10 * MINUTE);
  }
  expect((await guard.check(order({ orderId: 'cut-1', lines: [line('lamp', 200_000)] }))).kind).toBe('held');
  const refused = await request(app)
    .post('/review/api/skus/lamp/accept-price')
    .set(auth('reviewer'))
    .send({ currency: 'IDR', unitPrice: 200_000 });
  expect(refused.status).toBe(403);
  const accepted = await request(app)
    .post('/review/api/skus/%20lamp/accept-price')
    .set(auth('admin'))
    .send({ currency: 'IDR', unitPrice: 200_000 });
  expect(accepted.status).toBe(200);
  expect(accepted.body).toEqual({ sku: 'LAMP', currency: 'IDR', unitPrice: 200_000, accepted: true });
  expect((await guard.check(order({ orderId: 'cut-2', lines: [line('LAMP', 200_000)] }))).kind).toBe(
    'allowed',
  );
  const audit = await request(app).get('/review/api/audit').set(auth('admin'));
  expect(audit.body.entries[0]).toMatchObject({ action: 'price_accepted', actor: 'ana', sku: 'LAMP' });
});

test('accept-price names each bad field', async () => {
  const { app } = setup();
  const bad = await request(app)
    .post('/review/api/skus/lamp/accept-price')
    .set(auth('admin'))
    .send({ currency: 'XYZ', unitPrice: 1.5 });
  expect(bad.status).toBe(400);
  expect(bad.body.problems.map((problem: { path: string }) => problem.path).sort()).toEqual([
    'currency',
    'unitPrice',
  ]);
});

test('a tripped voucher can be kept held past its surge, and only a tripped one', async () => {
  const { guard, app, advance, now } = setup();
  const use = (id: string) =>
    guard.check(
      order({
        orderId: id,
        lines: [line('TEE', 200_000)],
        vouchers: [{ code: 'welcome', discount: 10_000 }],
      }),
    );
  const idle = await request(app)
    .post('/review/api/vouchers/welcome/extend')
    .set(auth('admin'))
    .send({ hours: 2 });
  expect(idle.status).toBe(404);
  for (let index = 0; index < 30; index++) {
    await use(`burst-${index}`);
    advance(1_000);
  }
  const extended = await request(app)
    .post('/review/api/vouchers/welcome/extend')
    .set(auth('admin'))
    .send({ hours: 6 });
  expect(extended.status).toBe(200);
  expect(extended.body).toEqual({
    voucher: 'WELCOME',
    extended: true,
    until: new Date(now() + 6 * 3_600_000).toISOString(),
  });
  advance(3 * 3_600_000);
  const held = await use('later');
  expect(held.kind).toBe('held');
  expect(held.kind === 'held' && held.decision.reasons[0]?.message).toContain('extended by on-call');
  const bad = await request(app)
    .post('/review/api/vouchers/welcome/extend')
    .set(auth('admin'))
    .send({ hours: 1, until: 5 });
  expect(bad.status).toBe(400);
});
