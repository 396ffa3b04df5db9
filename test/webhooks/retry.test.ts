// test/webhooks/retry.test.ts
// The retry schedule of webhook deliveries: backoff bounds with jitter, Retry-After honoured but capped, give-up.

import fc from 'fast-check';
import { leaseMs, nextRetryInMs, retryAfterMs, retryDelay } from '../../src/webhooks/retry';
import { EndpointRoutes, endpointId } from '../../src/webhooks/routes';

const OPTIONS = { baseDelayMs: 1_000, maxDelayMs: 300_000, maxAttempts: 24 };

describe('webhook retry schedule', () => {
  it('waits half to all of the doubled delay, never more than maxDelayMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseDelayMs, maxDelayMs, random) => {
          const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt - 1, 30));
          const delay = retryDelay(attempt, { baseDelayMs, maxDelayMs }, () => random);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
    expect(retryDelay(1, OPTIONS, () => 0)).toBe(500);
    expect(retryDelay(3, OPTIONS, () => 0.999_999)).toBe(4_000);
  });

  it('gives up after maxAttempts, and honours a later Retry-After up to maxDelayMs', () => {
    expect(nextRetryInMs(24, 0, OPTIONS)).toBeUndefined();
    expect(nextRetryInMs(23, 0, OPTIONS)).toBeLessThanOrEqual(300_000);
    expect(nextRetryInMs(1, 120_000, OPTIONS)).toBe(120_000);
    expect(nextRetryInMs(1, 10 * 3_600_000, OPTIONS)).toBe(300_000);
  });

  it('reads Retry-After in seconds, ignoring what is not a positive number', () => {
    expect(retryAfterMs('30')).toBe(30_000);
    expect(retryAfterMs(null)).toBe(0);
    expect(retryAfterMs('Wed, 21 Oct 2026 07:28:00 GMT')).toBe(0);
    expect(retryAfterMs('-5')).toBe(0);
  });

  it('leases a claimed delivery for the request timeout and 5 s more', () => {
    expect(leaseMs({ timeoutMs: 10_000 })).toBe(15_000);
  });
});

describe('webhook endpoint routing', () => {
  const endpoint = (url: string) => ({ url, secret: 'whsec_x', events: ['order.released' as const] });

  it('names each endpoint by its URL, the same across instances', () => {
    expect(endpointId('https://shop.example/hooks')).toBe(endpointId('https://shop.example/hooks'));
    expect(endpointId('https://shop.example/hooks')).toMatch(/^ep_[0-9a-f]{16}$/);
    expect(endpointId('https://shop.example/hooks')).not.toBe(endpointId('https://shop.example/other'));
  });

  it('turns the claim order one place each time, so every endpoint leads in turn', () => {
    const urls = ['https://a.example/', 'https://b.example/', 'https://c.example/'];
    const routes = new EndpointRoutes(urls.map(endpoint));
    const leaders = [1, 2, 3].map(() => routes.nextTurn()[0]!.id);
    expect(new Set(leaders)).toEqual(new Set(urls.map(endpointId)));
    expect(routes.endpoint(endpointId(urls[1]!))?.url).toBe(urls[1]);
    expect(routes.endpoint('ep_unknown')).toBeUndefined();
  });
});
