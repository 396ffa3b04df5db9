// test/adversarial/fuzz.test.ts
// Thousands of random and mutated bodies against the real service on Redis: no 5xx but a retryable 503, no crash.

import fc from 'fast-check';
import { anything, mutated, order, validOrder } from '../helpers/arbitraries';
import { Harness } from './harness';

const harness = new Harness();

beforeAll(
  () =>
    harness.start({
      floors: { 'sku-1': { IDR: 1000 } },
      discountCaps: { skus: { constructor: 5000 } },
      vouchers: { tmrw100: { paymentMethods: ['card:uob*'], maxUsesPerCustomer: 1 } },
    }),
  60_000,
);
afterAll(() => harness.close());

/** Bodies as sent on the wire: JSON of any value, and a few that are not JSON at all. */
const body = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.oneof(validOrder, mutated, order, anything).map((value) => JSON.stringify(value) ?? 'null'),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('{', '{"orderId":', '[1,2', '\u0000', '{"a":1}}', '"\\ud800"', '1e999'),
  },
  { weight: 1, arbitrary: fc.nat(40).map((depth) => `${'['.repeat(depth * 50)}${']'.repeat(depth * 50)}`) },
);

/** Sends one body with keep-alive (fetch), returning the status and the Retry-After header. */
async function send(path: string, text: string): Promise<{ status: number; retryAfter: string | null }> {
  const response = await fetch(`${harness.service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: text,
  });
  await response.arrayBuffer();
  return { status: response.status, retryAfter: response.headers.get('retry-after') };
}

test('no body makes the service answer 5xx or die, with Redis up and with Redis down', async () => {
  const statuses = new Map<number, number>();
  const unexpected: Array<{ phase: string; path: string; status: number; body: string }> = [];
  const run = async (phase: 'up' | 'down', count: number, seed: number) => {
    const samples = fc.sample(body, { numRuns: count, seed });
    for (const [index, text] of samples.entries()) {
      const path = index % 2 === 0 ? '/v1/evaluate' : '/checkout';
      const { status, retryAfter } = await send(path, text);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      // While Redis is down, a hold that cannot be stored is a retryable 503; nothing else may be a 5xx.
      const allowed = status < 500 || (phase === 'down' && status === 503 && retryAfter !== null);
      if (!allowed) unexpected.push({ phase, path, status, body: text.slice(0, 200) });
    }
  };
  await run('up', 2500, 11);
  await harness.redis.kill();
  await run('down', 600, 12);
  await harness.redis.restart();
  await harness.waitReady();
  await run('up', 900, 13);
  expect(unexpected).toEqual([]);
  expect(harness.service.child.exitCode).toBeNull();
  // The run exercised every kind of answer: decisions, refusals, and (with Redis down) retryable 503s.
  for (const status of [200, 202, 400, 409, 503]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
}, 180_000);
