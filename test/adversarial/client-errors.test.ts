// test/adversarial/client-errors.test.ts
// Client mistakes are 4xx and never count as store failures; the admin API is gated like the review API.

import { Harness, idrOrder } from './harness';

const harness = new Harness();

beforeAll(() => harness.start(), 60_000);
afterAll(() => harness.close());

const storeErrors = async () => {
  const { text } = await harness.raw('GET', '/metrics');
  return text
    .split('\n')
    .filter((line) => line.startsWith('checkout_price_guard_store_errors_total'))
    .reduce((sum, line) => sum + Number(line.split(' ')[1]), 0);
};

test.each([
  ['text/plain', 'text/plain'],
  ['a form', 'application/x-www-form-urlencoded'],
  ['no content type', undefined],
])('an order sent as %s is a 415 on /checkout and /v1/evaluate', async (_name, type) => {
  for (const path of ['/checkout', '/v1/evaluate']) {
    const body =
      type === 'application/x-www-form-urlencoded' ? 'orderId=1&total=0' : JSON.stringify(idrOrder());
    // fetch sends a byte body with no content type at all when none is given.
    const sent = await fetch(`${harness.service.url}${path}`, {
      method: 'POST',
      body: new TextEncoder().encode(body),
      headers: type === undefined ? {} : { 'content-type': type },
    });
    const response = {
      status: sent.status,
      body: (await sent.json().catch(() => undefined)) as { error?: string },
    };
    expect({ path, status: response.status, error: response.body?.error }).toEqual({
      path,
      status: 415,
      error: 'unsupported_media_type',
    });
  }
});

test('bad cursors and bad path encodings are 400s that do not count as store errors', async () => {
  const before = await storeErrors();
  for (const cursor of ['abc', '12', ':x', 'x:1:2', '%00']) {
    const response = await harness.review('GET', `/holds?cursor=${encodeURIComponent(cursor)}`);
    expect({ cursor, status: response.status }).toEqual({ cursor, status: 400 });
  }
  for (const path of ['/holds/%E0%A4%A', '/holds/%', '/vouchers/%C0%80/clear']) {
    const response = await harness.review(path.endsWith('clear') ? 'POST' : 'GET', path);
    expect({ path, status: response.status }).toEqual({ path, status: 400 });
  }
  expect((await harness.raw('GET', '/v1/admin/floors/%E0%A4%A')).status).toBeLessThan(500);
  expect(await storeErrors()).toBe(before);
});

test('a bulk action needs a voucher, a SKU or a rule: a time range alone is refused', async () => {
  for (const filter of [{}, { from: 0 }, { from: 0, to: Date.now() }]) {
    const response = await harness.review('POST', '/bulk', { action: 'reject', note: 'x', filter });
    expect({ filter, status: response.status }).toEqual({ filter, status: 400 });
  }
});

test('the admin API rate-limits wrong tokens and sends the security headers', async () => {
  const statuses = new Map<number, number>();
  // 1,300 guesses: the limiter's window is fixed, and may turn once while they go out; one window still sees 600+.
  for (let n = 0; n < 1_300; n++) {
    const response = await harness.admin('GET', '/policy', undefined, `wrong-token-${n}`);
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (n === 0) {
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      });
    }
  }
  // 600 a minute per address (earlier tests may have counted a few guesses already), then 429.
  expect([...statuses.keys()].sort()).toEqual([401, 429]);
  expect(statuses.get(401)).toBeLessThanOrEqual(1_200);
  expect(statuses.get(429)).toBeGreaterThanOrEqual(100);
});
