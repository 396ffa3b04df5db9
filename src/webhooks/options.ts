// src/webhooks/options.ts
// The options of createWebhookDelivery(): endpoints and delivery knobs, their defaults, checked once by one schema.

import { z } from 'zod';
import { distinctUrls, webhookEvents, webhookUrl } from '../core/option-fields';
import {
  loggerOption,
  type OptionProblem,
  OptionsProblemError,
  parseOptions,
  positiveWhole,
  withMethods,
} from '../core/options';
import { DEFAULT_EVENT_TYPES, type EventType, webhookSecretProblem } from '../core/webhook-contract';
import type { Logger } from '../ports/logger';
import type { GuardMetrics } from '../ports/metrics';
import type { EventOutbox, OutboxStore } from '../ports/store';

/** One receiver of webhooks. */
export interface WebhookEndpoint {
  /** An http(s) URL that answers 2xx once it has taken the event. Each URL once. */
  url: string;
  /** The signing secret in the Standard Webhooks format: `whsec_` and the base64 of 24 to 64 random bytes. */
  secret: string;
  /**
   * The event types it receives: `order.held`, `order.released`, `order.cancelled`, `voucher.tripped`,
   * `voucher.resumed`. Defaults to `order.released` and `order.cancelled`.
   */
  events?: EventType[];
}

/** Webhook delivery knobs. */
export interface WebhookOptions {
  /** Delivery attempts per event and endpoint before it is given up (and logged). Defaults to 24. */
  maxAttempts?: number;
  /** Delay before the first retry, in milliseconds; doubles each retry, with jitter. Defaults to 1,000. */
  baseDelayMs?: number;
  /** Longest delay between retries, in milliseconds. Defaults to 300,000 (24 attempts then span 40 to 80 minutes). */
  maxDelayMs?: number;
  /**
   * Milliseconds to wait for a receiver's answer. A delivery whose instance died mid-attempt is attempted again
   * once `timeoutMs` + 5 s have passed. Defaults to 10,000.
   */
  timeoutMs?: number;
  /** Most deliveries waiting per endpoint; beyond it new events are dropped and logged. Defaults to 100,000. */
  maxOutbox?: number;
  /** Deliveries in flight at once, per instance. Defaults to 8. */
  concurrency?: number;
  /** How often the outbox is polled for events recorded and retries that fell due. Defaults to 1,000. */
  pollIntervalMs?: number;
}

/** Options of `createWebhookDelivery()`. */
export interface WebhookDeliveryOptions extends WebhookOptions {
  /**
   * The store whose outbox holds the events: the same instance as `priceGuard({ store })` and
   * `reviewRouter({ store })` (MemoryStore and RedisStore keep one). Required.
   */
  store: OutboxStore;
  /** Receivers; each gets the events it subscribes to. Required, at least one. */
  endpoints: WebhookEndpoint[];
  /** Where failed and given-up deliveries are logged. Defaults to console. */
  logger?: Logger;
  /** Counts each attempt's outcome (`createMetrics()` fits). Defaults to none. */
  metrics?: Required<Pick<GuardMetrics, 'webhook'>>;
}

/** Thrown by createWebhookDelivery for a bad option; names the option and the fix. */
export class WebhookOptionsError extends OptionsProblemError {
  constructor(problems: readonly OptionProblem[]) {
    super('ERR_WEBHOOK_OPTIONS', 'createWebhookDelivery', problems);
  }
}

/** A Standard Webhooks secret. */
const secret = z.string({ error: webhookSecretProblem(undefined) }).superRefine((value, context) => {
  const problem = webhookSecretProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

const endpoint = z.strictObject({
  url: webhookUrl,
  secret,
  events: webhookEvents.default(() => [...DEFAULT_EVENT_TYPES]),
});

const OUTBOX_METHODS = ['publish', 'claim', 'settle', 'size'] as const;

/** A store with an outbox (its `outbox` has the EventOutbox methods). */
const outboxStore = z.custom<OutboxStore>(
  (value) => {
    const outbox = (value as { outbox?: unknown } | null | undefined)?.outbox as
      | Record<string, unknown>
      | undefined;
    return (
      typeof outbox === 'object' &&
      outbox !== null &&
      OUTBOX_METHODS.every((method) => typeof outbox[method] === 'function')
    );
  },
  {
    error:
      'must be the store the guard holds orders in, with a webhook outbox (MemoryStore and RedisStore keep one; a custom store implements `outbox`)',
  },
);

/** The delivery options' schema, with every default. */
const deliverySchema = z.strictObject({
  store: outboxStore,
  endpoints: z
    .array(endpoint, { error: 'must be a list of { url, secret, events? }' })
    .min(1, { error: 'must list at least one endpoint { url, secret, events? }' })
    .superRefine(distinctUrls),
  maxAttempts: positiveWhole('attempts').default(24),
  baseDelayMs: positiveWhole('milliseconds').default(1_000),
  maxDelayMs: positiveWhole('milliseconds').default(300_000),
  timeoutMs: positiveWhole('milliseconds').default(10_000),
  maxOutbox: positiveWhole('deliveries').default(100_000),
  concurrency: positiveWhole('deliveries').default(8),
  pollIntervalMs: positiveWhole('milliseconds').default(1_000),
  logger: loggerOption<Logger>().default(() => console),
  metrics: withMethods<Required<Pick<GuardMetrics, 'webhook'>>>('webhook() (createMetrics() does)', [
    'webhook',
  ]).optional(),
} satisfies Record<keyof WebhookDeliveryOptions, z.ZodType>);

/** Validated delivery options, every default applied and every endpoint's event types filled in. */
export type ResolvedWebhookOptions = z.output<typeof deliverySchema> & { outbox: EventOutbox };

/** Checks the options of createWebhookDelivery once; throws a WebhookOptionsError naming each bad one. */
export function resolveWebhookOptions(options: WebhookDeliveryOptions): ResolvedWebhookOptions {
  const resolved = parseOptions(deliverySchema, options, (problems) => new WebhookOptionsError(problems));
  return { ...resolved, outbox: resolved.store.outbox };
}
