// test/adversarial/operations.test.ts
// Routine operations cannot open a hole: restarts, reloads, tokens, a full Redis, a stop with Redis gone.

import { Redis } from 'ioredis';
import { buildService, runFailing } from '../helpers/service-process';
import { Harness, idrOrder, TOKENS } from './harness';

const FLOOR = { 'mj-tote-tiger': { IDR: 2_000_000 } };
const harness = new Harness();

beforeAll(() => harness.start({ floors: FLOOR }), 60_000);
afterAll(() => harness.close());

/** An order for the tote at a price under the emergency floor set at run time (no file floor covers it). */
const underFloor = () =>
  idrOrder({ lines: [{ sku: 'MJ-TOTE-TIGER', quantity: 1, unitPrice: 4_700_000, discount: 4_000_000 }] });
const pouchUnderFloor = () =>
  idrOrder({ lines: [{ sku: 'POUCH', quantity: 1, unitPrice: 900_000, discount: 300_000 }] });

test('a runtime floor holds from the first order after each of 6 restarts', async () => {
  expect((await harness.admin('PUT', '/floors/pouch', { currency: 'IDR', floor: 800_000 })).status).toBe(200);
  for (let restart = 0; restart < 6; restart++) {
    await harness.stopService();
    // Back as soon as it listens: a storefront sends orders from that moment, not from /readyz.
    await harness.start({ floors: FLOOR }, {}, {}, { waitReady: false });
    const statuses: number[] = [];
    const decisions: string[] = [];
    for (let n = 0; n < 400 && decisions.length < 5; n++) {
      const response = await harness.evaluate(pouchUnderFloor());
      statuses.push(response.status);
      if (response.status === 200) decisions.push(response.body.decision);
    }
    expect(new Set(statuses.filter((status) => status !== 200 && status !== 503))).toEqual(new Set());
    expect(decisions).toEqual(['hold', 'hold', 'hold', 'hold', 'hold']);
  }
}, 120_000);

test('SIGHUP with an empty file or an empty policy keeps the running policy', async () => {
  const held = async () => (await harness.evaluate(underFloor())).body.decision as string;
  expect(await held()).toBe('hold');
  for (const content of ['', '{}\n', 'policy: {}\n']) {
    harness.writeConfig(content);
    const seen = harness.service.logs.length;
    harness.service.child.kill('SIGHUP');
    await harness.service.waitForLog(
      (line) => harness.service.logs.indexOf(line) >= seen && /reload (rejected|refused)/.test(line.msg),
    );
    expect(await held()).toBe('hold');
  }
  // Said on purpose, an empty policy applies.
  harness.writeConfig({ policy: {}, confirmEmpty: true });
  const seen = harness.service.logs.length;
  harness.service.child.kill('SIGHUP');
  await harness.service.waitForLog(
    (line) => harness.service.logs.indexOf(line) >= seen && /config reloaded/.test(line.msg),
  );
  expect(await held()).toBe('allow');
  harness.writeConfig({ policy: { floors: FLOOR } });
  harness.service.child.kill('SIGHUP');
  await harness.service.waitForLog(
    (line) => /config reloaded/.test(line.msg) && harness.service.logs.indexOf(line) > seen + 1,
  );
});

test('a token keeps every character after the second colon; a short one stops the start', async () => {
  const cli = buildService();
  const token = `abc:def-long-${'0'.repeat(24)}`;
  const other = new Harness();
  other.redis = harness.redis;
  await other.start({}, { PRICE_GUARD_REVIEW_TOKENS: `ana:admin:${token}` });
  try {
    expect((await other.admin('GET', '/policy', undefined, 'abc')).status).toBe(401);
    expect((await other.admin('GET', '/policy', undefined, token)).status).toBe(200);
  } finally {
    await other.stopService();
  }
  const failed = await runFailing(cli, [], { PRICE_GUARD_REVIEW_TOKENS: 'ana:admin:x' });
  expect(failed.code).toBe(78);
  expect(failed.stderr).toMatch(
    /PRICE_GUARD_REVIEW_TOKENS\[0\]: the token of "ana" must be at least 32 characters/,
  );
});

test('/readyz is not ready while Redis cannot write, and holds answer 503, then it recovers', async () => {
  const client = new Redis(harness.redis.url);
  try {
    expect((await harness.raw('GET', '/readyz')).status).toBe(200);
    await client.config('SET', 'maxmemory-policy', 'noeviction');
    await client.config('SET', 'maxmemory', '1');
    const notReady = await harness.raw('GET', '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({
      status: 'store_unavailable',
      message: expect.stringMatching(/OOM/),
    });
    const hold = await harness.evaluate(underFloor());
    expect(hold.status).toBe(503);
    expect(hold.headers['retry-after']).toBeDefined();
  } finally {
    await client.config('SET', 'maxmemory', '0');
    client.disconnect();
  }
  expect((await harness.raw('GET', '/readyz')).status).toBe(200);
});

test('a stop with Redis gone reports the lost writes and exits 1', async () => {
  // Allowed orders leave price samples and verdicts to write behind; then Redis dies before the stop.
  for (let n = 0; n < 5; n++) {
    expect(
      (await harness.evaluate(idrOrder({ lines: [{ sku: 'SCARF', quantity: 1, unitPrice: 150_000 }] }))).body
        .decision,
    ).toBe('allow');
  }
  await harness.redis.kill();
  const code = await harness.stopService();
  expect(code).toBe(1);
  const lost = await harness.service.waitForLog((line) => /they are lost/.test(line.msg));
  expect(lost.unflushed).toBeDefined();
  expect(harness.service.logs.some((line) => /store flushed; bye/.test(line.msg))).toBe(false);
  await harness.redis.restart();
}, 60_000);

// The tokens of the harness are long enough; this keeps TOKENS in use for readers of the suite.
void TOKENS;
