// test/service/catalog-upload.test.ts
// Catalog uploads through the real service on a real Redis: streamed into a new version and switched in whole,
// while orders flow; refusals leave the previous catalog in force; every instance reads the catalog in force.

import type { Cluster, Redis } from 'ioredis';
import request from 'supertest';
import { parseConfig } from '../../src/config/service';
import { createService, type Service } from '../../src/service/service';
import { createRedisClient } from '../../src/state/redis/connection';
import { RedisOverlayStore } from '../../src/state/redis/overlay';
import { RedisStore } from '../../src/state/redis/store';
import { line, order } from '../helpers/orders';
import { type RedisInstance, startRedis } from '../helpers/redis';

const ADMIN = 'catalog-upload-admin-token-0123456789';
const auth = { Authorization: `Bearer ${ADMIN}` };
const ROWS = 20_000;

let redis: RedisInstance;
let admin: Redis | Cluster;
const services: Service[] = [];
let prefix: string;
let count = 0;

beforeAll(async () => {
  redis = await startRedis();
  admin = createRedisClient(redis.url, { commandTimeoutMs: 5_000 });
});
afterAll(async () => {
  await admin.quit();
  await redis.stop();
});
beforeEach(() => {
  prefix = `upload${++count}`;
});
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

/** One instance of the service on the shared Redis (its store and its overlay on connections of their own). */
async function instance(): Promise<Service> {
  const config = parseConfig({ service: { logLevel: 'silent' } }, undefined, {
    PRICE_GUARD_ADMIN_TOKEN: ADMIN,
  });
  const store = new RedisStore({
    client: createRedisClient(redis.url, { commandTimeoutMs: 5_000 }),
    prefix,
    closeClient: true,
  });
  await store.init();
  const overlay = new RedisOverlayStore(createRedisClient(redis.url, { commandTimeoutMs: 5_000 }), prefix);
  const service = createService(config, { store, overlay });
  services.push(service);
  await service.whenReady();
  return service;
}

/** A CSV catalog: `rows` SKUs at `price` + index, with a header. */
function csv(rows: number, price: number, edit?: (index: number) => string | undefined): string {
  const lines = ['sku,currency,listPrice'];
  for (let index = 0; index < rows; index++) lines.push(edit?.(index) ?? `SKU-${index},IDR,${price + index}`);
  return `${lines.join('\n')}\n`;
}

const put = (service: Service, body: string, query = '') =>
  request(service.app).put(`/v1/admin/catalog${query}`).set(auth).set('content-type', 'text/csv').send(body);

const size = async (service: Service) =>
  (await request(service.app).get('/v1/admin/catalog').set(auth)).body as { skus: number; prices: number };

/** The catalog version hashes in Redis (one once an upload is done, none before the first). */
async function versionKeys(): Promise<string[]> {
  return (admin as Redis).keys(`{${prefix}:policy-overlay}:catalog:v:*`);
}

test('an upload while orders flow: every order answered, the upload answered once, then in force', async () => {
  const service = await instance();
  let uploading = true;
  const answers: number[] = [];
  const sent: Array<ReturnType<typeof order>> = [];
  const flow = async () => {
    while (uploading) {
      const judged = order({ lines: [line(`SKU-${answers.length % ROWS}`, 150_000)] });
      sent.push(judged);
      const response = await request(service.app).post('/v1/evaluate').send(judged);
      answers.push(response.status);
      expect(['allow', 'hold']).toContain(response.body.decision);
    }
  };
  const orders = Promise.all([flow(), flow(), flow(), flow()]);
  const upload = await put(service, csv(ROWS, 100_000));
  uploading = false;
  await orders;
  expect(upload.status).toBe(200);
  expect(upload.body).toMatchObject({ replaced: true, skus: ROWS, prices: ROWS, catalog: { skus: ROWS } });
  expect(answers.length).toBeGreaterThan(0);
  expect(answers.filter((status) => status !== 200)).toEqual([]);
  // No order's id binding was skipped while the upload ran (the field test lost one): each id sent again with other
  // content is refused as reused.
  const reused: number[] = [];
  for (let start = 0; start < sent.length; start += 50) {
    const batch = sent.slice(start, start + 50).map((judged) =>
      request(service.app)
        .post('/v1/evaluate')
        .send({ ...judged, total: judged.total + 1 }),
    );
    for (const response of await Promise.all(batch)) reused.push(response.status);
  }
  expect(reused.filter((status) => status !== 409)).toEqual([]);
  const audit = await service.store.auditTrail({ limit: 10 });
  expect(audit.filter((entry) => entry.action === 'catalog_uploaded')).toHaveLength(1);
  expect(await versionKeys()).toHaveLength(1);
  // In force: a SKU sold at 1/100 of its declared price is held from its first sale.
  const launch = await request(service.app)
    .post('/v1/evaluate')
    .send(order({ lines: [line('sku-42', 1_000)] }));
  expect(launch.body.reasons.map((reason: { rule: string }) => reason.rule)).toContain('reference_price');
});

test('a header-only or empty upload is refused unless confirmed; confirmed, it empties the catalog', async () => {
  const service = await instance();
  expect((await put(service, csv(10, 1_000))).status).toBe(200);
  const refusals = [
    await put(service, 'sku,currency,listPrice\n'),
    await put(service, ''),
    await request(service.app).put('/v1/admin/catalog').set(auth).send([]),
    await request(service.app).put('/v1/admin/catalog').set(auth).send({}),
    await request(service.app)
      .patch('/v1/admin/catalog')
      .set(auth)
      .set('content-type', 'text/csv')
      .send('sku,currency,listPrice'),
  ];
  for (const refused of refusals) {
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('empty_catalog');
    expect(refused.body.message).toContain('?confirmEmpty=true');
  }
  expect(await size(service)).toEqual({ skus: 10, prices: 10 });
  expect((await put(service, 'sku,currency,listPrice\n', '?confirmEmpty=maybe')).status).toBe(400);
  const confirmed = await put(service, 'sku,currency,listPrice\n', '?confirmEmpty=true');
  expect(confirmed.status).toBe(200);
  expect(confirmed.body).toMatchObject({
    replaced: true,
    skus: 0,
    prices: 0,
    catalog: { skus: 0, prices: 0 },
  });
  expect(
    (await request(service.app).put('/v1/admin/catalog?confirmEmpty=true').set(auth).send([])).status,
  ).toBe(200);
});

test('a bad row at line N is refused with that line; the previous catalog stays in force, the partial version is gone', async () => {
  const service = await instance();
  expect((await put(service, csv(100, 5_000))).status).toBe(200);
  const [before] = await versionKeys();
  const bad = csv(ROWS, 100_000, (index) => (index === 15_000 ? `SKU-${index},IDR,12.50` : undefined));
  const refused = await put(service, bad);
  expect(refused.status).toBe(400);
  expect(refused.body.error).toBe('invalid_catalog');
  // Line 1 is the header: the 15,001st row is on line 15,002.
  expect(refused.body.problems).toEqual([
    {
      path: 'line 15002, listPrice',
      message:
        'must be a positive list price: a whole number of minor units (IDR 4,700,000 is 4700000), got "12.50"',
    },
  ]);
  expect(await size(service)).toEqual({ skus: 100, prices: 100 });
  expect(await versionKeys()).toEqual([before]);
  const json = await request(service.app)
    .patch('/v1/admin/catalog')
    .set(auth)
    .set('content-type', 'application/json')
    .send(`[{"sku":"A","currency":"IDR","listPrice":1},\n{"sku":"B","currency":"IDR","listPrice":"1"}]`);
  expect(json.status).toBe(400);
  expect(json.body.problems.map((problem: { path: string }) => problem.path)).toEqual(['[1].listPrice']);
  expect(await size(service)).toEqual({ skus: 100, prices: 100 });
  expect(
    (
      await request(service.app)
        .put('/v1/admin/catalog')
        .set(auth)
        .set('content-type', 'text/xml')
        .send('<a/>')
    ).status,
  ).toBe(415);
});

test('a reader never sees a half-switched catalog: each read is one whole version', async () => {
  const service = await instance();
  const rows = 5_000;
  expect((await put(service, csv(rows, 500_000))).status).toBe(200);
  let uploading = true;
  const seen = new Set<number>();
  const reads = (async () => {
    let reads = 0;
    while (uploading || reads < 3) {
      const reader = new RedisOverlayStore(admin, prefix, false);
      const { catalog } = await reader.read();
      expect(catalog.prices).toBe(rows);
      // Every price of one version has the same base: a mix of two versions would show two.
      const bases = new Set<number>();
      catalog.forEach((sku, _currency, price) => {
        bases.add(price - Number(sku.slice(4)));
      });
      expect(bases.size).toBe(1);
      seen.add([...bases][0]!);
      reads++;
    }
  })();
  for (let round = 1; round <= 6; round++) {
    expect((await put(service, csv(rows, round * 1_000_000))).status).toBe(200);
  }
  uploading = false;
  await reads;
  expect(seen.size).toBeGreaterThan(1);
  expect(await versionKeys()).toHaveLength(1);
});

test('a second instance reads the uploaded catalog; PATCH adds to it; a removal reaches every instance', async () => {
  const first = await instance();
  expect((await put(first, csv(ROWS, 100_000))).status).toBe(200);
  const second = await instance();
  expect(await size(second)).toEqual({ skus: ROWS, prices: ROWS });
  const held = await request(second.app)
    .post('/v1/evaluate')
    .send(order({ lines: [line('SKU-19999', 1_000)] }));
  expect(held.body.reasons.map((reason: { rule: string }) => reason.rule)).toContain('reference_price');
  const added = await request(second.app)
    .patch('/v1/admin/catalog')
    .set(auth)
    .send({ NEW: { IDR: 5_000, USD: 3 } });
  expect(added.status).toBe(200);
  expect(added.body).toMatchObject({ replaced: false, skus: 1, prices: 2, catalog: { skus: ROWS + 1 } });
  expect((await request(first.app).delete('/v1/admin/catalog/sku-7').set(auth)).status).toBe(204);
  await Promise.all([first.refreshOverlay(), second.refreshOverlay()]);
  for (const service of [first, second])
    expect(await size(service)).toEqual({ skus: ROWS, prices: ROWS + 1 });
  expect(await versionKeys()).toHaveLength(1);
});
