// test/service/one-validation.test.ts
// One validation (property): a value the configuration accepts is one the part it configures accepts, and the
// reverse, so validate-config passes exactly what serve starts with.

import fc from 'fast-check';
import { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/service';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { priceGuard } from '../../src/middleware/price-guard';
import { createMetrics } from '../../src/observability/metrics';
import { hashToken } from '../../src/review/auth';
import { reviewRouter } from '../../src/review/router';
import { MemoryStore } from '../../src/state/memory/store';
import { createWebhookDelivery } from '../../src/webhooks/delivery';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const SILENT = { warn() {}, error() {} };
const policy = parsePolicy({});

/** True when `build` does not throw. */
function accepts(build: () => unknown): boolean {
  try {
    build();
    return true;
  } catch {
    return false;
  }
}

/** True when the configuration document parses (the file alone, as validate-config --ignore-env checks it). */
const configAccepts = (data: unknown) =>
  accepts(() => parseConfig(data, 'test.yaml', {}, { environment: false }));

const anyValue = fc.oneof(
  fc.integer({ min: -5, max: 100_000 }),
  fc.constantFrom(0, 1, 1.5, -1, 2 ** 53, Number.NaN, '200', '', true, null, [], {}),
);
const limitValue = fc.oneof(
  fc.record(
    {
      maxLines: anyValue,
      maxQuantity: anyValue,
      maxVouchers: anyValue,
      strict: fc.constantFrom(true, false, 'yes', 1),
      maxLine: fc.constant(5),
    },
    { requiredKeys: [] },
  ),
  anyValue,
);

describe('what the configuration accepts, the part it configures accepts', () => {
  test('service.storeTimeoutMs, mode and limits: the Guard', () => {
    fc.assert(
      fc.property(
        anyValue,
        fc.constantFrom('enforce', 'shadow', 'off', 3),
        limitValue,
        (timeout, mode, limits) => {
          const config = configAccepts({ service: { storeTimeoutMs: timeout, mode, limits } });
          const guard = accepts(() => new Guard({ policy, storeTimeoutMs: timeout, mode, limits } as never));
          expect({ timeout, mode, limits, config }).toEqual({ timeout, mode, limits, config: guard });
        },
      ),
      { numRuns: 300 },
    );
  });

  test('service.retryAfterSeconds: the middleware', () => {
    const guard = new Guard({ policy });
    fc.assert(
      fc.property(anyValue, (seconds) => {
        const config = configAccepts({ service: { retryAfterSeconds: seconds } });
        const middleware = accepts(() => priceGuard({ guard, retryAfterSeconds: seconds } as never));
        expect({ seconds, config }).toEqual({ seconds, config: middleware });
      }),
    );
  });

  test('review.tokens: the review router', () => {
    const name = fc.constantFrom('ana', 'bob', 'a b', '', 'x'.repeat(65), 7);
    const role = fc.constantFrom('viewer', 'reviewer', 'admin', 'owner');
    const sha256 = fc.constantFrom(hashToken('a'), hashToken('b'), hashToken('a').toUpperCase(), 'abc', 1);
    const token = fc.oneof(
      fc.record({ name, role, sha256 }),
      fc.record({ name, role, sha256, token: fc.constant('plain') }),
      fc.record({ name, role }),
    );
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 3 }), (tokens) => {
        const config = configAccepts({ review: { tokens } });
        const router = accepts(() =>
          reviewRouter({ store: new MemoryStore(), tokens, logger: SILENT } as never),
        );
        expect({ tokens, config }).toEqual({ tokens, config: router });
      }),
    );
  });

  test('review.webhooks: the delivery worker', () => {
    const url = fc.constantFrom(
      'https://shop.example/hooks',
      'http://127.0.0.1:9/hooks',
      'file:///etc/passwd',
      'ftp://shop.example/hooks',
      'javascript:alert(1)',
      'not a url',
      '',
    );
    const events = fc.option(
      fc.array(fc.constantFrom('order.held', 'order.released', 'voucher.resumed', 'order.shipped'), {
        maxLength: 3,
      }),
      { nil: undefined },
    );
    const endpoint = fc.record({ url, events }, { requiredKeys: ['url'] });
    fc.assert(
      fc.property(fc.array(endpoint, { minLength: 1, maxLength: 3 }), (endpoints) => {
        const withSecrets = endpoints.map((hook) => ({ ...hook, secret: SECRET }));
        const config = configAccepts({ review: { webhooks: withSecrets } });
        const worker = accepts(() =>
          createWebhookDelivery({
            store: new MemoryStore(),
            endpoints: withSecrets,
            logger: SILENT,
          } as never),
        );
        expect({ endpoints, config }).toEqual({ endpoints, config: worker });
      }),
    );
  });

  test('review.timeZone: the review router', () => {
    const zone = fc.constantFrom('UTC', 'Asia/Jakarta', 'asia/jakarta', 'Mars/Olympus', '', 'GMT+7', 7, null);
    fc.assert(
      fc.property(zone, (timeZone) => {
        const config = configAccepts({ review: { timeZone } });
        const tokens = [{ name: 'ana', role: 'viewer', sha256: hashToken('a') }];
        const router = accepts(() =>
          reviewRouter({ store: new MemoryStore(), tokens, timeZone, logger: SILENT } as never),
        );
        expect({ timeZone, config }).toEqual({ timeZone, config: router });
      }),
    );
  });

  test('metrics.voucherLabels: the metrics', () => {
    const code = fc.constantFrom(
      'LEAK50',
      'tmrw 100',
      'other',
      'LEAK\u200b50',
      '',
      'X'.repeat(65),
      'X'.repeat(64),
      5,
    );
    fc.assert(
      fc.property(fc.array(code, { maxLength: 3 }), (voucherLabels) => {
        const config = configAccepts({ metrics: { voucherLabels } });
        const metrics = accepts(() => createMetrics({ registry: new Registry(), voucherLabels } as never));
        expect({ voucherLabels, config }).toEqual({ voucherLabels, config: metrics });
      }),
    );
  });
});
