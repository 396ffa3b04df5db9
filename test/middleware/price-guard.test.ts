// test/middleware/price-guard.test.ts
// priceGuard() mounted in a real Express app: 202 holds, next() on allow, 400s, shadow, annotate, toOrder, 503.

import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import request from 'supertest';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { OptionsError, type PriceGuardOptions, priceGuard } from '../../src/middleware/price-guard';
import type { GuardStore } from '../../src/ports/store';
import { MemoryStore } from '../../src/state/memory/store';
import { line, MARC_JACOBS_ORDER, order } from '../helpers/orders';

const silent = { warn() {}, error() {} };

/** A minimal shop: the guard on POST /checkout, a handler that places the order, and an error handler. */
function createShop(options: PriceGuardOptions = {}, path = '/checkout'): Express {
  const app = express();
  app.post(path, express.json(), priceGuard({ logger: silent, ...options }), (_req, res) => {
    res.status(201).json({ placed: true, guard: res.locals.priceGuard });
  });
  app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ crashed: error.message });
  });
  return app;
}

const good = order({ orderId: 'ok-1', lines: [line('CARD-CASE', 1_250_000)] });

describe('priceGuard middleware', () => {
  it('calls next() on allow with the decision on res.locals', async () => {
    const response = await request(createShop()).post('/checkout').send(good).expect(201);
    expect(response.body.guard).toMatchObject({ decision: 'allow', orderId: 'ok-1', reasons: [] });
  });

  it('answers a held order itself with 202 and a friendly message, and does not place it', async () => {
    const store = new MemoryStore();
    const response = await request(createShop({ store }))
      .post('/checkout')
      .send(MARC_JACOBS_ORDER)
      .expect(202);
    expect(response.body).toEqual({
      status: 'held',
      orderId: 'ord_8f2c',
      reviewId: 'ord_8f2c',
      language: 'en',
      message: expect.stringContaining('double-checking its price'),
    });
    expect(JSON.stringify(response.body)).not.toContain('discount_cap'); // no rule details for shoppers
    expect((await store.getHold('ord_8f2c'))?.status).toBe('pending');
  });

  it('speaks Indonesian when the shopper asks for it', async () => {
    const response = await request(createShop())
      .post('/checkout')
      .set('Accept-Language', 'id-ID,id;q=0.9,en;q=0.5')
      .send(MARC_JACOBS_ORDER)
      .expect(202);
    expect(response.body.language).toBe('id');
    expect(response.body.message).toContain('Terima kasih');
  });

  it('is idempotent: a retried held order returns the same hold', async () => {
    const store = new MemoryStore();
    const app = createShop({ store });
    await request(app).post('/checkout').send(MARC_JACOBS_ORDER).expect(202);
    await request(app).post('/checkout').send(MARC_JACOBS_ORDER).expect(202);
    expect((await store.listHolds({}, 10)).items).toHaveLength(1);
  });

  it('answers 400 with every problem for a malformed order', async () => {
    const response = await request(createShop())
      .post('/checkout')
      .send({
        orderId: 'bad',
        currency: 'IDR',
        lines: [{ sku: 'A', quantity: 1, unitPrice: 12.5 }],
        total: -1,
      })
      .expect(400);
    expect(response.body).toEqual({
      error: 'invalid_order',
      message: 'The order is malformed (2 problems).',
      problems: [
        { path: 'lines[0].unitPrice', message: expect.stringContaining('not a fraction') },
        { path: 'total', message: 'must not be negative' },
      ],
    });
  });

  it('in shadow mode lets a suspicious order through with the would-be decision attached', async () => {
    const store = new MemoryStore();
    const response = await request(createShop({ mode: 'shadow', store }))
      .post('/checkout')
      .send(MARC_JACOBS_ORDER)
      .expect(201);
    expect(response.body.guard).toMatchObject({ decision: 'allow', wouldDecide: 'hold', mode: 'shadow' });
    expect(response.body.guard.reasons[0]).toMatchObject({ rule: 'discount_cap', sku: 'MJ-TOTE-TIGER' });
    expect((await store.listHolds({}, 10)).items).toHaveLength(0);
  });

  it('in annotate style calls next() with the stored hold on res.locals', async () => {
    const store = new MemoryStore();
    const response = await request(createShop({ style: 'annotate', store }))
      .post('/checkout')
      .send(MARC_JACOBS_ORDER)
      .expect(201);
    expect(response.body.guard).toMatchObject({ decision: 'hold', reviewId: 'ord_8f2c' });
    expect(await store.getHold('ord_8f2c')).toBeDefined();
  });

  it('lets the storefront answer holds itself with onHold', async () => {
    const app = createShop({
      onHold(_req, res, _next, hold) {
        res
          .status(200)
          .json({ custom: true, rules: hold.decision.reasons.map((r) => r.rule), text: hold.message });
      },
    });
    const response = await request(app).post('/checkout').send(MARC_JACOBS_ORDER).expect(200);
    expect(response.body).toMatchObject({ custom: true, rules: ['discount_cap'] });
  });

  it('maps another body shape through toOrder', async () => {
    const app = createShop({
      toOrder: (req) => ({
        orderId: req.body.id,
        currency: req.body.money.currency,
        lines: req.body.items.map((item: { code: string; price: number }) => ({
          sku: item.code,
          quantity: 1,
          unitPrice: item.price,
        })),
        total: req.body.money.amount,
      }),
    });
    const shop = { id: 'x1', money: { currency: 'USD', amount: 0 }, items: [{ code: 'TEE', price: 2500 }] };
    await request(app).post('/checkout').send(shop).expect(202);
    await request(app)
      .post('/checkout')
      .send({ ...shop, id: 'x2', money: { currency: 'USD', amount: 2500 } })
      .expect(201);
  });

  it('answers a retryable 503 when a hold cannot be stored, and never places the order', async () => {
    const broken: GuardStore = Object.assign(new MemoryStore(), {
      hold: async () => {
        throw new Error('redis down');
      },
    });
    const response = await request(createShop({ store: broken }))
      .post('/checkout')
      .send(MARC_JACOBS_ORDER)
      .expect(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(response.body).toMatchObject({ error: 'guard_unavailable', orderId: 'ord_8f2c' });
  });

  it('still holds a zero-total order when the store cannot give facts', async () => {
    const failing: GuardStore = Object.assign(new MemoryStore(), {
      prepare: () => new Promise<never>(() => {}), // never answers: the timeout must cut in
    });
    const zero = order({ orderId: 'z1', lines: [line('TOTE', 4_700_000, 4_700_000)] });
    const response = await request(createShop({ store: failing, storeTimeoutMs: 50 }))
      .post('/checkout')
      .send(zero)
      .expect(202);
    expect(response.body.status).toBe('held');
  });

  it.each([
    ['text/plain', 'text/plain', JSON.stringify(MARC_JACOBS_ORDER)],
    ['a form', 'application/x-www-form-urlencoded', 'orderId=1&total=0'],
    ['an empty form', 'application/x-www-form-urlencoded', ''],
  ])('answers 415 to an order sent as %s, on Express 4 as on 5', async (_name, type, body) => {
    const app = express();
    // A form parser too: on Express 4 it and express.json() leave `{}` behind for what they skip.
    app.post(
      '/checkout',
      express.urlencoded({ extended: false }),
      express.json(),
      priceGuard({ logger: silent }),
      (_req, res) => {
        res.sendStatus(201);
      },
    );
    const response = await request(app).post('/checkout').set('Content-Type', type).send(body);
    expect({ status: response.status, body: response.body }).toEqual({
      status: 415,
      body: { error: 'unsupported_media_type', message: expect.stringContaining('application/json') },
    });
  });

  it('answers 415 to a body with no content type at all', async () => {
    const server = createShop().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // fetch sends a byte body with no Content-Type header at all.
      const response = await fetch(`http://127.0.0.1:${port}/checkout`, {
        method: 'POST',
        body: new TextEncoder().encode(JSON.stringify(good)),
      });
      expect(response.status).toBe(415);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('judges a JSON {} as an order (400 naming the missing fields), not as a missing body', async () => {
    const response = await request(createShop()).post('/checkout').send({}).expect(400);
    expect(response.body.problems.map((problem: { path: string }) => problem.path)).toEqual(
      expect.arrayContaining(['orderId', 'currency', 'lines', 'total']),
    );
  });

  it('passes an error to next() when express.json() is missing', async () => {
    const app = express();
    app.post('/checkout', priceGuard({ logger: silent }), (_req, res) => {
      res.sendStatus(201);
    });
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ crashed: error.message });
    });
    const response = await request(app).post('/checkout').send(good).expect(500);
    expect(response.body.crashed).toContain('mount express.json() before priceGuard()');
  });
});

describe('priceGuard options', () => {
  it.each([
    [
      'an unknown option, with a suggestion',
      { polcy: {} },
      /unknown option "polcy"; did you mean "policy"\?/,
    ],
    ['a bad mode', { mode: 'off' }, /option "mode" must be "enforce" or "shadow"/],
    ['a bad style', { style: 'block' }, /option "style"/],
    [
      'a policy with a bad field',
      { policy: { floors: { A: { IDR: -1 } } } },
      /floors\.A\.IDR: must not be negative/,
    ],
    ['policy and policyFile together', { policy: {}, policyFile: 'x.yaml' }, /not both/],
    [
      'a store missing methods',
      { store: { prepare() {} } },
      /option "store" must implement GuardState \(prepare, hold, commit\): its "hold"/,
    ],
    ['a non-function toOrder', { toOrder: 'body' }, /option "toOrder" must be a function/],
    ['a bad limit', { limits: { maxLines: 0 } }, /limits\.maxLines" must be a positive whole number/],
    ['an unknown limit', { limits: { maxLine: 5 } }, /unknown limit "limits\.maxLine"/],
    ['onHold with annotate', { style: 'annotate', onHold() {} }, /"onHold" has no effect/],
    ['a bad language', { defaultLanguage: 'fr' }, /defaultLanguage/],
    [
      'a store timeout of 0',
      { storeTimeoutMs: 0 },
      /option "storeTimeoutMs" must be a positive whole number of milliseconds, got 0/,
    ],
    [
      'a fractional retry delay',
      { retryAfterSeconds: 1.5 },
      /option "retryAfterSeconds" must be a whole number of seconds, got 1\.5/,
    ],
    [
      'a logger without error()',
      { logger: { warn() {} } },
      /option "logger" must implement warn\(\) and error\(\).*"error" is not a function/,
    ],
    [
      'a guard of another kind',
      { guard: {} },
      /option "guard" must be a Guard \(new Guard\(\{ policy, store \}\)\), got \{\}/,
    ],
    [
      'a guard with options that build one',
      { guard: new Guard({ policy: parsePolicy({}) }), store: new MemoryStore(), mode: 'shadow' },
      /option "guard" is a Guard already built, so "store", "mode" would be ignored: set them on the Guard/,
    ],
    ['options that are not an object', 'enforce', /options must be an object, got string/],
  ])('rejects %s at construction', (_name, options, message) => {
    expect(() => priceGuard(options as PriceGuardOptions)).toThrow(OptionsError);
    expect(() => priceGuard(options as PriceGuardOptions)).toThrow(message);
  });

  it('lists every bad option at once, each with a stable kind and its path', () => {
    let error: OptionsError | undefined;
    try {
      priceGuard({ mode: 'off', style: 'block', polcy: {} } as unknown as PriceGuardOptions);
    } catch (caught) {
      error = caught as OptionsError;
    }
    expect(error).toBeInstanceOf(OptionsError);
    expect(error?.code).toBe('ERR_PRICE_GUARD_OPTIONS');
    expect(error?.message.split('\n')[0]).toBe('priceGuard: 2 problems with the options:');
    expect(error?.problems.map(({ kind, option }) => `${kind} ${option}`).sort()).toEqual([
      'invalid_option style',
      'unknown_option polcy',
    ]);
  });

  it("passes the policy's newer sections through unchanged: a custom rule holds, a free item passes", async () => {
    const app = createShop({
      style: 'annotate',
      store: new MemoryStore(),
      policy: {
        customRules: [{ id: 'phone_bulk', scope: 'line', when: 'line.quantity > 3', message: 'bulk' }],
        freeItems: { SAMPLE: { kind: 'free' } },
        history: { anchorFollowBp: 500 },
      },
    });
    const bulk = order({ orderId: 'bulk-1', lines: [{ sku: 'PHONE', quantity: 5, unitPrice: 100_000 }] });
    const held = await request(app).post('/checkout').send(bulk).expect(201);
    expect(held.body.guard).toMatchObject({ decision: 'hold', reasons: [{ rule: 'phone_bulk' }] });
    const free = order({ orderId: 'free-1', lines: [line('CARD-CASE', 1_250_000), line('SAMPLE', 0)] });
    const allowed = await request(app).post('/checkout').send(free).expect(201);
    expect(allowed.body.guard.decision).toBe('allow');
  });

  it('takes a Guard built beforehand, shared with other routes, and judges with it', async () => {
    const store = new MemoryStore();
    const guard = new Guard({ policy: parsePolicy({}), store });
    const app = express().post('/checkout', express.json(), priceGuard({ guard }), (_req, res) => {
      res.sendStatus(201);
    });
    await request(app).post('/checkout').send(MARC_JACOBS_ORDER).expect(202);
    // The same guard's store has the hold: one guard, one store, whichever route judged the order.
    expect((await guard.check(MARC_JACOBS_ORDER)).kind).toBe('held');
    expect((await store.listHolds({}, 10)).items.map((held) => held.orderId)).toEqual(['ord_8f2c']);
    expect(priceGuard({ guard, logger: undefined }).guard).toBe(guard);
  });

  it('warns once at start-up when it keeps holds where nothing can review them, saying what to do', async () => {
    const warnings: Array<{ fields: object; message: string | undefined }> = [];
    const logger = {
      warn: (fields: object, message?: string) => warnings.push({ fields, message }),
      error() {},
    };
    const app = express().post('/checkout', express.json(), priceGuard({ logger }), (_req, res) => {
      res.sendStatus(201);
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toEqual({ store: 'memory' });
    expect(warnings[0]!.message).toContain(
      'pass the same one to priceGuard({ store }) and reviewRouter({ store })',
    );
    expect(warnings[0]!.message).toContain('RedisStore from checkout-price-guard/redis');
    // Not per order: holding two orders says nothing more.
    await request(app).post('/checkout').send(MARC_JACOBS_ORDER).expect(202);
    await request(app)
      .post('/checkout')
      .send({ ...MARC_JACOBS_ORDER, orderId: 'ord_2' })
      .expect(202);
    expect(warnings).toHaveLength(1);
  });

  it.each<[string, PriceGuardOptions]>([
    ['a store given', { store: new MemoryStore() }],
    ['a guard given', { guard: new Guard({ policy: parsePolicy({}) }) }],
    ['shadow mode (nothing is held)', { mode: 'shadow' }],
    ['a shadow policy', { policy: { mode: 'shadow' } }],
  ])('does not warn with %s', (_name, options) => {
    const warnings: string[] = [];
    const logger = { warn: (_fields: object, message?: string) => warnings.push(message ?? ''), error() {} };
    // With a guard the logger is the Guard's: the middleware's own would go to console.
    const consoleWarn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      priceGuard(options.guard ? options : { ...options, logger });
      expect(warnings).toEqual([]);
      expect(consoleWarn).not.toHaveBeenCalled();
    } finally {
      consoleWarn.mockRestore();
    }
  });

  it('explains app.use(priceGuard) without the call', () => {
    expect(() => priceGuard(priceGuard as unknown as PriceGuardOptions)).toThrow(/without being called/);
  });

  it('fails every request with an OptionsError saying to call it when mounted as app.use(priceGuard)', async () => {
    const app = express();
    app.use(express.json());
    app.use(priceGuard as unknown as express.RequestHandler);
    let seen: unknown;
    app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      seen = error;
      res.status(500).json({ error: (error as Error).message });
    });
    const response = await request(app).post('/checkout').send(MARC_JACOBS_ORDER).expect(500);
    expect(seen).toBeInstanceOf(OptionsError);
    expect(response.body.error).toBe(
      'priceGuard: it was passed to app.use() without being called: write app.use(priceGuard({ ... }))',
    );
  });
});
