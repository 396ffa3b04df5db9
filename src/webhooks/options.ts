// src/webhooks/options.ts
// The `webhooks` option: its endpoints and delivery knobs, their defaults, and their checks at construction.

import { DEFAULT_EVENT_TYPES, EVENT_TYPES, type EventType } from '../state/events';
import { webhookSecretProblem } from './signature';

/** One receiver of webhooks. */
export interface WebhookEndpoint {
  /** An http(s) URL that answers 2xx once it has taken the event. Each URL once. */
  url: string;
  /** The signing secret in the Standard Webhooks format: `whsec_` and the base64 of 24 to 64 random bytes. */
  secret: string;
  /**
   * The event types it receives: `order.held`, `order.released`, `order.cancelled`, `voucher.tripped`.
   * Defaults to `order.released` and `order.cancelled`.
   */
  events?: EventType[];
}

/** Webhook delivery options. */
export interface WebhookOptions {
  /** Receivers; each gets the events it subscribes to. Defaults to none. */
  endpoints?: WebhookEndpoint[];
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
  /** How often the outbox is polled for events other instances recorded and retries that fell due. Defaults to 1,000. */
  pollIntervalMs?: number;
}

/** Validated options, with every endpoint's event types filled in. */
export type ResolvedWebhookOptions = Required<Omit<WebhookOptions, 'endpoints'>> & {
  endpoints: Array<Required<WebhookEndpoint>>;
};

const WEBHOOK_DEFAULTS: Required<Omit<WebhookOptions, 'endpoints'>> = {
  maxAttempts: 24,
  baseDelayMs: 1_000,
  maxDelayMs: 300_000,
  timeoutMs: 10_000,
  maxOutbox: 100_000,
  concurrency: 8,
  pollIntervalMs: 1_000,
};

/**
 * Validates the `webhooks` option once, at construction: every bad value is reported through `fail` (which
 * throws) with the option's path and the fix. Returns undefined when webhooks are not configured.
 */
export function resolveWebhookOptions(
  options: WebhookOptions | undefined,
  fail: (message: string) => never,
): ResolvedWebhookOptions | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    fail('option "webhooks" must be an object like { endpoints: [{ url, secret }] }');
  }
  const resolved: Record<string, unknown> = { ...WEBHOOK_DEFAULTS, endpoints: [] };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key !== 'endpoints' && !(key in WEBHOOK_DEFAULTS)) {
      fail(
        `unknown option "webhooks.${key}" (known: endpoints, ${Object.keys(WEBHOOK_DEFAULTS).join(', ')})`,
      );
    }
    if (key !== 'endpoints' && (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)) {
      fail(`option "webhooks.${key}" must be a positive whole number, got ${JSON.stringify(value)}`);
    }
    resolved[key] = value;
  }
  const endpoints = resolved.endpoints;
  if (!Array.isArray(endpoints)) fail('option "webhooks.endpoints" must be a list');
  const seen = new Set<string>();
  resolved.endpoints = (endpoints as unknown[]).map((endpoint, index) =>
    resolveEndpoint(endpoint, `webhooks.endpoints[${index}]`, seen, fail),
  );
  return resolved as ResolvedWebhookOptions;
}

/** One endpoint checked: an http(s) URL not seen before, a Standard Webhooks secret, known event types. */
function resolveEndpoint(
  endpoint: unknown,
  path: string,
  seen: Set<string>,
  fail: (message: string) => never,
): Required<WebhookEndpoint> {
  if (endpoint === null || typeof endpoint !== 'object')
    fail(`option "${path}" must be { url, secret, events? }`);
  const { url, secret, events, ...rest } = endpoint as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) fail(`unknown option "${path}.${unknown}" (known: url, secret, events)`);
  let parsed: URL | undefined;
  try {
    parsed = new URL(String(url));
  } catch {
    parsed = undefined;
  }
  if (typeof url !== 'string' || !parsed || !['http:', 'https:'].includes(parsed.protocol)) {
    fail(`option "${path}.url" must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (seen.has(url)) fail(`option "${path}.url" repeats ${JSON.stringify(url)}: list each URL once`);
  seen.add(url);
  const problem = webhookSecretProblem(secret);
  if (problem) fail(`option "${path}.secret" ${problem}`);
  let types: EventType[] = [...DEFAULT_EVENT_TYPES];
  if (events !== undefined) {
    if (
      !Array.isArray(events) ||
      events.length === 0 ||
      events.some((type) => !(EVENT_TYPES as readonly unknown[]).includes(type))
    ) {
      fail(
        `option "${path}.events" must be a non-empty list of ${EVENT_TYPES.join(', ')}; got ${JSON.stringify(events)}`,
      );
    }
    types = [...new Set(events as EventType[])];
  }
  return { url, secret: secret as string, events: types };
}
