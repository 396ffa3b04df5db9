// test/service/admin-preflight.test.ts
// POST /v1/admin/preflight: the policy in force or a proposed one, with the uploaded catalog, without stalling the
// checkout; bad bodies refused with the field named.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../src/config/service';
import { createService, type Service } from '../../src/service/service';
import { line, order } from '../helpers/orders';

const ADMIN = 'preflight-admin-token-0123456789abcdef';
const REVIEWER = 'preflight-review-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${ADMIN}` };
const AT = '2026-12-12T10:00:00+07:00';
const LAUNCH = parseYaml(readFileSync(join(__dirname, '..', '..', 'examples', 'policy.launch.yaml'), 'utf8'));

let service: Service;

beforeEach(async () => {
  const config = parseConfig(
    {
      service: { logLevel: 'silent' },
      policy: { catalog: { TOTE: { IDR: 4_700_000 } }, floors: { TOTE: { IDR: 2_000_000 } } },
    },
    undefined,
    { PRICE_GUARD_ADMIN_TOKEN: ADMIN, PRICE_GUARD_REVIEW_TOKENS: `lead:reviewer:${REVIEWER}` },
  );
  service = createService(config);
  await service.whenReady();
});
afterEach(() => service.close());

const run = (body?: unknown) => {
  const call = request(service.app).post('/v1/admin/preflight').set(auth);
  return body === undefined ? call : call.send(body as object);
};

test('a bodyless call checks the policy in force, with the catalog uploaded at run time', async () => {
  const clean = await run();
  expect(clean.status).toBe(200);
  expect(clean.body).toMatchObject({ ok: true, summary: { skus: 1, rows: 1, errors: 0 } });

  const upload = await request(service.app)
    .put('/v1/admin/catalog')
    .set(auth)
    .set('content-type', 'text/csv')
    .send('sku,currency,listPrice\nCARD,IDR,1250000\n');
  expect(upload.status).toBe(200);
  await service.refreshOverlay();
  const withUpload = await run({ at: AT });
  expect(withUpload.body.summary).toMatchObject({ skus: 2, rows: 2 });
  expect(withUpload.body.at).toBe('2026-12-12T03:00:00.000Z');
});

test('a proposed policy is checked as it would be in force, and its mistakes come back as errors', async () => {
  const report = await run({ policy: LAUNCH, at: AT });
  expect(report.status).toBe(200);
  expect(report.body.ok).toBe(false);
  const codes = report.body.errors.map(
    (finding: { code: string; sku?: string }) => `${finding.code} ${finding.sku}`,
  );
  expect(codes).toContain('free MJ-TOTE-TIGER');
  // The policy in force is unchanged: checking a proposal deploys nothing.
  expect(
    (
      await request(service.app)
        .post('/v1/evaluate')
        .send(order({ lines: [line('TOTE', 0)] }))
    ).body.decision,
  ).toBe('hold');
  expect((await run()).body.summary.skus).toBe(1);
});

test('an extra catalog in the body is priced with the policy in force', async () => {
  const report = await run({
    catalog: [{ sku: 'mug', currency: 'IDR', listPrice: 90_000, category: 'kitchen' }],
  });
  expect(report.status).toBe(200);
  expect(report.body.skus.map((row: { sku: string }) => row.sku)).toEqual(['MUG', 'TOTE']);
});

test('bad bodies are refused with the field named, and nothing runs', async () => {
  const typo = await run({ polcy: {} });
  expect(typo.status).toBe(400);
  expect(typo.body.problems).toEqual([
    { path: 'polcy', message: 'is not a known field; did you mean "policy"?' },
  ]);

  const badPolicy = await run({ policy: { floors: { TOTE: { IDR: -1 } } } });
  expect(badPolicy.status).toBe(400);
  expect(badPolicy.body.problems).toEqual([
    { path: 'policy.floors.TOTE.IDR', message: 'must not be negative' },
  ]);

  const badCatalog = await run({ catalog: { MUG: { IDR: 1.5 } } });
  expect(badCatalog.status).toBe(400);
  expect(badCatalog.body.problems[0].path).toBe('catalog.MUG.IDR');

  const badAt = await run({ at: 'tomorrow' });
  expect(badAt.status).toBe(400);
  expect(badAt.body.problems[0].path).toBe('at');

  const badWithin = await run({ within: '7' });
  expect(badWithin.status).toBe(400);
  expect(badWithin.body.problems[0]).toMatchObject({ path: 'within' });
});

test('within says how far ahead window starts are judged; 0 judges the instant alone', async () => {
  const sale = {
    ...LAUNCH,
    campaigns: LAUNCH.campaigns.filter((campaign: { id: string }) => campaign.id === 'flash-1212'),
  };
  const before = '2026-12-10T10:00:00+07:00';
  const ahead = await run({ policy: sale, at: before });
  expect(ahead.body).toMatchObject({ ok: false, conflictAhead: '2026-12-11T17:00:00.000Z' });
  const alone = await run({ policy: sale, at: before, within: '0' });
  expect(alone.body).toMatchObject({ ok: true, conflictAhead: null, until: '2026-12-10T03:00:00.000Z' });
});

test('only an admin token runs a preflight', async () => {
  expect((await request(service.app).post('/v1/admin/preflight')).status).toBe(401);
  const reviewer = await request(service.app)
    .post('/v1/admin/preflight')
    .set({ Authorization: `Bearer ${REVIEWER}` });
  // A known token of a weaker role: 403, naming the role it needs.
  expect(reviewer.status).toBe(403);
  expect(reviewer.body.message).toMatch(/needs the admin role/);
});

test('a preflight of 20,000 SKUs gives the event loop back while it runs, and a second waits its turn', async () => {
  const catalog: Record<string, Record<string, number>> = {};
  for (let index = 0; index < 20_000; index++) catalog[`SKU-${index}`] = { IDR: 100_000 + index };
  let done = false;
  const first = run({ catalog }).then((response) => {
    done = true;
    return response;
  });
  // While the big one runs, orders are still judged and a second preflight is turned away.
  const during: number[] = [];
  while (!done) {
    const [second, checkout] = await Promise.all([
      run({}),
      request(service.app)
        .post('/v1/evaluate')
        .send(order({ lines: [line('TOTE', 4_700_000)] })),
    ]);
    expect(checkout.body.decision).toBe('allow');
    if (!done) during.push(second.status);
    if (second.status === 429) expect(second.headers['retry-after']).toBe('5');
  }
  const big = await first;
  expect(big.status).toBe(200);
  expect(big.body.summary.rows).toBe(20_001);
  expect(during).toContain(429);
});
