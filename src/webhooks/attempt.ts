// src/webhooks/attempt.ts
// One delivery attempt: POST the event to its endpoint, signed as Standard Webhooks say, and read the outcome.

import type { OutboxDelivery } from '../ports/store';
import type { WebhookEndpoint } from './options';
import { retryAfterMs } from './retry';
import { signWebhook } from './signature';

/** What one attempt came to: taken (a 2xx), or failed with the reason and how long the receiver asked to wait. */
export type AttemptResult = { ok: true } | { ok: false; failure: string; retryAfterMs: number };

/**
 * POSTs a delivery's body to its endpoint with the Standard Webhooks headers (the event id as `webhook-id`, so
 * every retry carries the same one). Redirects are not followed; the answer is awaited at most `timeoutMs`.
 */
export async function attemptDelivery(
  endpoint: Pick<WebhookEndpoint, 'url' | 'secret'>,
  delivery: Pick<OutboxDelivery, 'eventId' | 'body'>,
  timeoutMs: number,
): Promise<AttemptResult> {
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'checkout-price-guard-webhooks',
        ...signWebhook(delivery.body, endpoint.secret, {
          id: delivery.eventId,
          timestampSeconds: Math.floor(Date.now() / 1000),
        }),
      },
      body: delivery.body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true };
    return {
      ok: false,
      failure: `HTTP ${response.status}`,
      retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
    };
  } catch (error) {
    const failure = (error as Error).cause instanceof Error ? String((error as Error).cause) : String(error);
    return { ok: false, failure, retryAfterMs: 0 };
  }
}

/** The order id in an event body, for the log line of a delivery given up. */
export function orderIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { orderId?: unknown };
    return typeof parsed.orderId === 'string' ? parsed.orderId : undefined;
  } catch {
    return undefined;
  }
}
