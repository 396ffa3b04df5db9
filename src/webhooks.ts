// src/webhooks.ts
// `checkout-price-guard/webhooks`: the review queue's events as Standard Webhooks, and the helpers a receiver needs.

// The outbox a store keeps for delivery, for custom stores.
export type {
  EventOutbox,
  OutboxClaim,
  OutboxClaimRequest,
  OutboxDelivery,
  OutboxRoute,
  OutboxStore,
} from './ports/store';
export type {
  EventType,
  GuardEvent,
  HeldEvent,
  OutboxStats,
  ReviewEvent,
  VoucherTrippedEvent,
} from './webhooks/delivery';
// The events (held, released, cancelled, voucher tripped and resumed), in process and over HTTP, and the delivery
// worker over the store's outbox: createWebhookDelivery({ store, endpoints }), then start() and stop() it.
export { createWebhookDelivery, EVENT_TYPES, ReviewEvents, WebhookDelivery } from './webhooks/delivery';
export type { WebhookDeliveryOptions, WebhookEndpoint, WebhookOptions } from './webhooks/options';
// Its options error: names each bad option.
export { WebhookOptionsError } from './webhooks/options';
export type {
  SignedWebhookHeaders,
  VerifyOptions,
  WebhookHeaders,
  WebhookSignatureFailure,
} from './webhooks/signature';
// Signatures: the verification a storefront runs on its receiving endpoint, a signer, and `whsec_` secrets.
export {
  assertWebhookSignature,
  generateWebhookSecret,
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  WebhookSignatureError,
} from './webhooks/signature';
