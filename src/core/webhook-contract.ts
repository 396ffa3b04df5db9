// src/core/webhook-contract.ts
// The webhook contract's pure parts: the event types an endpoint can subscribe to, and the secret format.

/** Every event type a webhook endpoint can subscribe to. */
export const EVENT_TYPES = [
  'order.held',
  'order.released',
  'order.cancelled',
  'voucher.tripped',
  'voucher.resumed',
] as const;

/** One event type. */
export type EventType = (typeof EVENT_TYPES)[number];

/** What an endpoint receives when it names no `events`: the decisions, as before order.held and voucher.tripped existed. */
export const DEFAULT_EVENT_TYPES: readonly EventType[] = Object.freeze(['order.released', 'order.cancelled']);

const SECRET_PREFIX = 'whsec_';
const SECRET_FORMAT = /^whsec_(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Why `secret` is not a Standard Webhooks secret (`whsec_` and the base64 of 24 to 64 random bytes), or undefined
 * when it is one. The option, configuration and verification checks all use it.
 */
export function webhookSecretProblem(secret: unknown): string | undefined {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) {
    return 'must be a Standard Webhooks secret: "whsec_" then the base64 of 24 to 64 random bytes (make one with: echo "whsec_$(openssl rand -base64 32)")';
  }
  if (!SECRET_FORMAT.test(secret)) {
    return 'must be "whsec_" then standard base64 (A-Z, a-z, 0-9, "+", "/", "=" padding) of 24 to 64 random bytes';
  }
  const bytes = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64').length;
  if (bytes < 24 || bytes > 64) {
    return `must hold 24 to 64 random bytes after "whsec_" (this one decodes to ${bytes}); make one with: echo "whsec_$(openssl rand -base64 32)"`;
  }
  return undefined;
}
