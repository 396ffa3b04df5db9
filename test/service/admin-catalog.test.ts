// test/service/admin-catalog.test.ts
// The admin API's catalog: 100,000 declared list prices in one request, JSON or CSV, taken whole or refused whole,
// answered 200 once in force.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { parseConfig } from '../../src/config/service';
import { createService, type Service } from '../../src/service/service';
import { MemoryStore } from '../../src/state/memory/store';
import { line, order } from '../helpers/orders';

const ADMIN = 'catalog-admin-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${ADMIN}` };

let service: Service;

beforeEach(async () => {
  const config = parseConfig({ service: { logLevel: 'silent' } }, undefined, {
    PRICE_GUARD_ADMIN_TOKEN: ADMIN,
  });
  service = createService(config);
  await service.whenReady();
});
afterEach(() => service.close());

const evaluate = (sku: string, unitPrice: number) =>
  request(service.app)
    .post('/v1/evaluate')
    .send(order({ lines: [line(sku, unitPrice)] }));

test('a CSV catalog of 100,000 SKUs is taken in one request and judges new SKUs from their first sale', async () => {
  const rows = ['sku,currency,listPrice'];
  for (let index = 0; index < 100_000; index++) rows.push(`SKU-${index},IDR,${100_000 + index}`);
  const upload = await request(service.app)
    .put('/v1/admin/catalog')
    .set(auth)
    .set('content-type', 'text/csv')
    .send(rows.join('\n'));
  expect(upload.status).toBe(200);
  expect(upload.body).toMatchObject({ replaced: true, skus: 100_000, prices: 100_000 });
  await service.refreshOverlay();
  expect((await request(service.app).get('/v1/admin/catalog').set(auth)).body).toEqual({
    skus: 100_000,
    prices: 100_000,
  });
  // A new SKU launched at 1/100 of its declared price is held from its first sale.
  const launch = await evaluate('sku-42', 1_000);
  expect(launch.body.decision).toBe('hold');
  expect(launch.body.reasons.map((reason: { rule: string }) => reason.rule)).toContain('reference_price');
  expect((await evaluate('SKU-42', 100_042)).body.decision).toBe('allow');
});

test('a JSON catalog merges (PATCH) or replaces (PUT); a SKU can be removed', async () => {
  const put = await request(service.app)
    .put('/v1/admin/catalog')
    .set(auth)
    .send({ TOTE: { IDR: 4_700_000 } });
  expect(put.body).toMatchObject({ skus: 1, prices: 1 });
  await request(service.app)
    .patch('/v1/admin/catalog')
    .set(auth)
    .send([{ sku: 'card', currency: 'IDR', listPrice: 1_250_000 }]);
  await service.refreshOverlay();
  expect((await request(service.app).get('/v1/admin/catalog').set(auth)).body).toEqual({
    skus: 2,
    prices: 2,
  });
  expect((await request(service.app).delete('/v1/admin/catalog/card').set(auth)).status).toBe(204);
  expect((await request(service.app).delete('/v1/admin/catalog/card').set(auth)).status).toBe(404);
  const audit = await service.store.auditTrail({ limit: 5 });
  expect(audit.map((entry) => entry.action)).toEqual([
    'catalog_removed',
    'catalog_uploaded',
    'catalog_uploaded',
  ]);
});

test('a catalog with any bad row is refused whole, each problem named by line or path', async () => {
  const csv = ['sku,currency,listPrice', 'A,IDR,100', 'B,XYZ,100', 'C,IDR,-5', 'D,IDR', 'E\u202e,IDR,9'].join(
    '\n',
  );
  const refused = await request(service.app)
    .put('/v1/admin/catalog')
    .set(auth)
    .set('content-type', 'text/csv')
    .send(csv);
  expect(refused.status).toBe(400);
  expect(refused.body.problems.map((problem: { path: string }) => problem.path)).toEqual([
    'line 3, currency',
    'line 4, listPrice',
    'line 5',
    'line 6, sku',
  ]);
  expect((await request(service.app).get('/v1/admin/catalog').set(auth)).body).toEqual({
    skus: 0,
    prices: 0,
  });
  const json = await request(service.app)
    .put('/v1/admin/catalog')
    .set(auth)
    .send({ A: { IDR: 1.5 }, B: 7 });
  expect(json.body.problems).toEqual([
    {
      path: 'A.IDR',
      message: 'must be a positive list price: a whole number of minor units (IDR 4,700,000 is 4700000)',
    },
    { path: 'B', message: 'must be an object of list prices by currency: { "IDR": 4700000 }' },
  ]);
  expect((await request(service.app).put('/v1/admin/catalog').send({})).status).toBe(401);
});

test('the upload takes the files preflight reads (a category column too) and refuses a 0 from an empty export column', async () => {
  const harbolnas = readFileSync(join(__dirname, '..', '..', 'examples', 'catalog.harbolnas.csv'), 'utf8');
  const taken = await request(service.app)
    .put('/v1/admin/catalog')
    .set(auth)
    .set('content-type', 'text/csv')
    .send(harbolnas);
  expect(taken.status).toBe(200);
  expect(taken.body.skus).toBe(harbolnas.trim().split('\n').length - 1);

  const zero = await request(service.app)
    .patch('/v1/admin/catalog')
    .set(auth)
    .set('content-type', 'text/csv')
    .send('sku,currency,listPrice\nTOTE,IDR,0\n');
  expect(zero.status).toBe(400);
  expect(zero.body.problems).toEqual([
    {
      path: 'line 2, listPrice',
      message:
        'must be a positive list price: a whole number of minor units (IDR 4,700,000 is 4700000), got "0"',
    },
  ]);
});

test('a refused upload lists its first 100 problems and counts them all', async () => {
  const rows = ['sku,currency,listPrice'];
  for (let index = 0; index < 250; index++) rows.push(`SKU-${index},IDR,free`);
  const refused = await request(service.app)
    .put('/v1/admin/catalog')
    .set(auth)
    .set('content-type', 'text/csv')
    .send(rows.join('\n'));
  expect(refused.status).toBe(400);
  expect(refused.body.problems).toHaveLength(100);
  expect(refused.body.message).toBe(
    'The catalog was not taken: 250 problems, the first 100 listed. The catalog in force is unchanged.',
  );
});

test('an upload switched in is answered 200 even when its audit fails afterwards (never a 500 once applied)', async () => {
  const config = parseConfig({ service: { logLevel: 'silent' } }, undefined, {
    PRICE_GUARD_ADMIN_TOKEN: ADMIN,
  });
  const store = new MemoryStore();
  Object.assign(store, { audit: () => Promise.reject(new Error('audit store down')) });
  const broken = createService(config, { store });
  try {
    await broken.whenReady();
    const upload = await request(broken.app)
      .put('/v1/admin/catalog')
      .set(auth)
      .set('content-type', 'text/csv')
      .send('sku,currency,listPrice\nTOTE,IDR,4700000\n');
    expect(upload.status).toBe(200);
    await broken.refreshOverlay();
    expect((await request(broken.app).get('/v1/admin/catalog').set(auth)).body).toEqual({
      skus: 1,
      prices: 1,
    });
    expect((await request(broken.app).delete('/v1/admin/catalog/tote').set(auth)).status).toBe(204);
  } finally {
    await broken.close();
  }
});

test('a gzip-compressed upload is taken; a body that is not gzip data is refused 400 and changes nothing', async () => {
  const csv = 'sku,currency,listPrice\nTOTE,IDR,4700000\nCARD,IDR,1250000\n';
  const taken = await request(service.app)
    .put('/v1/admin/catalog')
    .set(auth)
    .set('content-type', 'text/csv')
    .set('content-encoding', 'gzip')
    .send(gzipSync(csv));
  expect(taken.status).toBe(200);
  expect(taken.body).toMatchObject({ skus: 2, prices: 2 });
  const broken = await request(service.app)
    .put('/v1/admin/catalog')
    .set(auth)
    .set('content-type', 'text/csv')
    .set('content-encoding', 'gzip')
    .send(Buffer.from(csv));
  expect(broken.status).toBe(400);
  expect(broken.body.error).toBe('invalid_encoding');
  const brotli = await request(service.app)
    .put('/v1/admin/catalog')
    .set(auth)
    .set('content-type', 'text/csv')
    .set('content-encoding', 'br')
    .send(Buffer.from(csv));
  expect(brotli.status).toBe(415);
  expect((await request(service.app).get('/v1/admin/catalog').set(auth)).body).toEqual({
    skus: 2,
    prices: 2,
  });
});
