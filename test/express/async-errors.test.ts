// test/express/async-errors.test.ts
// A failing store or overlay is answered on every async route instead of hanging (the review API's store outage a
// retryable 503, the admin API's failed write a 500): Express 4 and 5 alike.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { parseConfig } from '../../src/config/service';
import { asyncRoute } from '../../src/express/async-route';
import { priceGuard } from '../../src/middleware/price-guard';
import type { GuardStore } from '../../src/ports/store';
import { hashToken } from '../../src/review/auth';
import { createService, type Service } from '../../src/service/service';
import { MemoryOverlayStore } from '../../src/state/memory/overlay';
import { MemoryStore } from '../../src/state/memory/store';
import { MARC_JACOBS_ORDER } from '../helpers/orders';
import { buildService } from '../helpers/service-process';

const ADMIN = 'admin-token-for-async-error-tests';
const auth = { Authorization: `Bearer ${ADMIN}` };
const silent = pino({ level: 'silent' });

/** A MemoryStore whose review and audit calls reject, as a Redis store does when Redis is gone. */
function brokenQueue(): GuardStore {
  const store = new MemoryStore();
  const fail = () => Promise.reject(new Error('store down'));
  return Object.assign(store, {
    queueStats: fail,
    listHolds: fail,
    getHold: fail,
    claim: fail,
    transition: fail,
    auditTrail: fail,
    audit: fail,
    clearTrip: fail,
    forgetHistory: fail,
  });
}

/** An overlay whose writes reject. */
function brokenOverlay(): MemoryOverlayStore {
  const overlay = new MemoryOverlayStore();
  const fail = () => Promise.reject(new Error('overlay down'));
  return Object.assign(overlay, { setFloor: fail, deleteFloor: fail, setCap: fail, deleteCap: fail });
}

let service: Service;
beforeAll(() => {
  const config = parseConfig(
    { review: { tokens: [{ name: 'ops', role: 'admin', sha256: hashToken(ADMIN) }] } },
    undefined,
    {},
  );
  service = createService(config, { store: brokenQueue(), overlay: brokenOverlay(), logger: silent });
});
afterAll(() => service.close());

describe('every async route of the service passes a rejection to the error handler', () => {
  // Every row has three cells: with fewer, Jest would pass its `done` callback as the body.
  const cases: Array<[string, string, object | undefined]> = [
    ['get', '/review/api/stats', undefined],
    ['get', '/review/api/holds', undefined],
    ['get', '/review/api/holds/ord_1', undefined],
    ['post', '/review/api/holds/ord_1/claim', {}],
    ['post', '/review/api/holds/ord_1/approve', {}],
    ['post', '/review/api/holds/ord_1/reject', { note: 'leaked voucher' }],
    ['post', '/review/api/bulk', { action: 'approve', filter: { sku: 'A' } }],
    ['get', '/review/api/audit', undefined],
    ['post', '/review/api/vouchers/CODE/clear', {}],
    ['post', '/review/api/skus/A/reset-history', {}],
  ];
  it.each(cases)('%s %s answers a retryable 503 from the review API', async (method, path, body) => {
    const call =
      method === 'get' ? request(service.app).get(path) : request(service.app).post(path).send(body);
    const response = await call.set(auth).expect(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toEqual({
      error: 'store_unavailable',
      message: 'The review store failed; retrying is safe (decisions are final and idempotent).',
    });
  });

  const admin: Array<[string, string, object | undefined]> = [
    ['put', '/v1/admin/floors/A', { currency: 'IDR', floor: 1000 }],
    ['delete', '/v1/admin/floors/A', undefined],
    ['put', '/v1/admin/caps/A', { capBp: 5000 }],
    ['delete', '/v1/admin/caps/A', undefined],
  ];
  it.each(admin)('%s %s answers 500 from the admin API', async (method, path, body) => {
    const agent = request(service.app);
    const call = method === 'put' ? agent.put(path).send(body) : agent.delete(path);
    const response = await call.set(auth).expect(500);
    expect(response.body.error).toBe('internal_error');
  });
});

describe('the Express under test', () => {
  it('is the major version CPG_EXPRESS asks for (4 through the express4 alias, else 5)', () => {
    // express.query (the query-string middleware) exists in Express 4 only.
    const major = typeof (express as unknown as { query?: unknown }).query === 'function' ? '4' : '5';
    expect(major).toBe(process.env.CPG_EXPRESS ?? '5');
  });

  it('is also the one the service processes of the suites load (test/helpers/service-process.ts)', () => {
    const code = readFileSync(join(dirname(buildService()), 'service', 'service.js'), 'utf8');
    expect(code).toContain(process.env.CPG_EXPRESS === '4' ? 'require("express4")' : 'require("express")');
    expect(code).not.toContain(
      process.env.CPG_EXPRESS === '4' ? 'require("express")' : 'require("express4")',
    );
  });
});

describe('asyncRoute', () => {
  function appWith(handler: Parameters<typeof asyncRoute>[0]) {
    const app = express();
    app.get('/', asyncRoute(handler));
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ caught: error.message });
    });
    return app;
  }

  it('hands a rejection to next()', async () => {
    const app = appWith(async () => {
      throw new Error('late failure');
    });
    expect((await request(app).get('/').expect(500)).body).toEqual({ caught: 'late failure' });
  });

  it('hands a rejection without a reason to next() as an error', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: a rejection with no reason is what is under test
    const app = appWith(() => Promise.reject(undefined as any));
    expect((await request(app).get('/').expect(500)).body.caught).toMatch(/rejected without a reason/);
  });

  it('keeps the handler name for stack traces', () => {
    expect(asyncRoute(async function listHolds() {}).name).toBe('listHolds');
  });
});

describe('priceGuard under Express 4 and 5', () => {
  it('passes an exception thrown by onHold to next()', async () => {
    const app = express();
    app.post(
      '/checkout',
      express.json(),
      priceGuard({
        logger: { warn() {}, error() {} },
        onHold() {
          throw new Error('the storefront handler failed');
        },
      }),
    );
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ caught: error.message });
    });
    const response = await request(app).post('/checkout').send(MARC_JACOBS_ORDER).expect(500);
    expect(response.body).toEqual({ caught: 'the storefront handler failed' });
  });
});
