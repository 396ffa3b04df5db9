// src/review/webhooks.ts
// Delivers the store's webhook outbox: claims due deliveries, signs them (Standard Webhooks), retries, gives up.

import { EventEmitter } from 'node:events';
import { sha256 } from '../core/sha256';
import type { Logger } from '../guard';
import type { WebhookOutcome } from '../observability/sink';
import { DEFAULT_EVENT_TYPES, EVENT_TYPES, type EventType, type ReviewEvent } from '../state/events';
import type { EventOutbox, HeldOrder, OutboxDelivery, OutboxRoute } from '../state/types';
import { signWebhook, webhookSecretProblem } from './signature';

export type { EventType, GuardEvent, HeldEvent, ReviewEvent, VoucherTrippedEvent } from '../state/events';
export { DEFAULT_EVENT_TYPES, EVENT_TYPES, eventFor } from '../state/events';

/** In-process events for a storefront that mounts the router in its own app. Listener errors are logged. */
export class ReviewEvents extends EventEmitter<{
  released: [event: ReviewEvent, held: HeldOrder];
  cancelled: [event: ReviewEvent, held: HeldOrder];
}> {}

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

/** Counters of the outbox, for tests, health pages and the outbox-size gauge. */
export interface OutboxStats {
  /**
   * Deliveries waiting or in flight for this instance's endpoints, as of the last poll (at most `pollIntervalMs`
   * old): with the Redis store, the shared durable outbox, whichever instance recorded them.
   */
  pending: number;
  /** Deliveries this instance completed with a 2xx. */
  delivered: number;
  /** Attempts of this instance that failed (each retried or, the last, given up). */
  failedAttempts: number;
  /** Deliveries this instance gave up after `maxAttempts`. */
  givenUp: number;
  /** Events the outbox dropped because an endpoint had `maxOutbox` deliveries waiting (a running total). */
  dropped: number;
}

/** The outbox's id of an endpoint: stable across restarts and instances, from its URL. */
export function endpointId(url: string): string {
  return `ep_${sha256(url, 'hex').slice(0, 16)}`;
}

/** Extra time a lease runs past the request timeout before another instance may attempt the delivery again. */
const LEASE_SLACK_MS = 5_000;

/**
 * The delivery worker over the store's outbox. It claims due deliveries (leased to this instance, so of several
 * instances sharing one Redis exactly one attempts each), POSTs each to its endpoint signed as Standard Webhooks
 * say, and settles it: done on a 2xx, else retried with exponential backoff and jitter until `maxAttempts`, then
 * given up (logged at error level). Delivery is at least once: an instance that dies mid-attempt leaves a lease
 * that runs out, and another instance (or this one, restarted) attempts the delivery again with the same id.
 */
export class WebhookOutbox {
  /** True when the outbox survives a restart (the Redis store). */
  readonly durable: boolean;
  private readonly endpoints: Map<string, Required<WebhookEndpoint>>;
  private routes: OutboxRoute[];
  private readonly leaseMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private claiming = false;
  private again = false;
  private closed = false;
  private failing = false;
  private lastPending = 0;
  private lastDropped: number | undefined;
  private readonly firstClaim: Promise<void>;
  private claimed: () => void = () => {};
  private readonly counters = { delivered: 0, failedAttempts: 0, givenUp: 0 };

  /**
   * @param outbox the store's outbox (`store.outbox`), or a MemoryOutbox for a store without one.
   * @param record counts each attempt's outcome: `delivered`, `retried` (failed, will retry) or `failed`
   *   (failed for the last time, given up).
   */
  constructor(
    private readonly options: ResolvedWebhookOptions,
    private readonly outbox: EventOutbox,
    private readonly logger: Logger,
    private readonly record: (outcome: WebhookOutcome) => void = () => {},
  ) {
    this.durable = outbox.durable;
    this.endpoints = new Map(options.endpoints.map((endpoint) => [endpointId(endpoint.url), endpoint]));
    this.routes = [...this.endpoints].map(([id, endpoint]) => ({ id, events: endpoint.events }));
    this.leaseMs = options.timeoutMs + LEASE_SLACK_MS;
    this.firstClaim = new Promise((resolve) => {
      this.claimed = resolve;
    });
  }

  /**
   * Resolves once the first claim has reached the store: from then on the store records events for the endpoints
   * (in Redis, for every instance sharing it). Rejects after `timeoutMs` (the store is unreachable).
   */
  ready(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`webhook outbox not ready within ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref();
      void this.firstClaim.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Starts polling; the first claim also tells the store to record events from now on. */
  start(): void {
    this.pump();
  }

  /** Claims at once rather than at the next poll (this instance just recorded an event). */
  nudge(): void {
    this.schedule(0);
  }

  /** Counters, and the outbox size as of the last poll. */
  stats(): OutboxStats {
    return { pending: this.lastPending, ...this.counters, dropped: this.lastDropped ?? 0 };
  }

  /** The outbox size now, read from the store: deliveries waiting or in flight for this instance's endpoints. */
  async pending(): Promise<number> {
    this.lastPending = await this.outbox.size(this.routes);
    return this.lastPending;
  }

  /**
   * Resolves true once the outbox holds nothing for this instance's endpoints (every event delivered or given
   * up) and no attempt is in flight, or false after `timeoutMs`.
   */
  async drain(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.inFlight.size === 0) {
        const size = await this.pending().catch(() => Number.NaN);
        if (size === 0 && this.inFlight.size === 0) return true;
      }
      if (Date.now() >= deadline) return false;
      this.nudge();
      await new Promise((resolve) => setTimeout(resolve, 25).unref());
    }
  }

  /**
   * Stops claiming and waits for the attempts in flight (each bounded by `timeoutMs`). What is still in the outbox
   * stays there: with the Redis store another instance, or this one after a restart, delivers it; with the
   * embedded store it is lost, and logged.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
    if (!this.durable) {
      const left = await this.outbox.size(this.routes).catch(() => this.lastPending);
      if (left > 0) {
        this.logger.warn(
          { pending: left },
          'review webhooks: closing with undelivered events (embedded store: they are lost); storefronts must reconcile through the API',
        );
      }
    }
  }

  /** The delay before retry number `attempt` (1-based): exponential, capped, with jitter (half to all of it). */
  retryDelay(attempt: number): number {
    const ceiling = Math.min(
      this.options.maxDelayMs,
      this.options.baseDelayMs * 2 ** Math.min(attempt - 1, 30),
    );
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, delayMs);
    this.timer.unref();
  }

  private pump(): void {
    if (this.closed) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return; // a finishing attempt pumps again
    this.claiming = true;
    // Rotate the endpoints, so one endpoint's backlog does not starve the others.
    if (this.routes.length > 1) this.routes = [...this.routes.slice(1), this.routes[0]!];
    this.outbox
      .claim({
        routes: this.routes,
        limit: free,
        leaseMs: this.leaseMs,
        maxPending: this.options.maxOutbox,
      })
      .then(
        (claim) => {
          if (this.failing) {
            this.failing = false;
            this.logger.warn({}, 'review webhooks: the outbox is reachable again');
          }
          this.lastPending = claim.pending;
          this.noteDropped(claim.dropped);
          this.claimed();
          for (const delivery of claim.deliveries) this.launch(delivery);
          if (claim.deliveries.length >= free) return; // more may be due; the next finished attempt pumps
          this.schedule(
            Math.min(claim.nextDueInMs ?? this.options.pollIntervalMs, this.options.pollIntervalMs),
          );
        },
        (error) => {
          if (!this.failing) {
            this.failing = true;
            this.logger.error(
              { err: error },
              'review webhooks: cannot read the outbox; events wait there and are delivered once it is back',
            );
          }
          this.schedule(this.options.pollIntervalMs);
        },
      )
      .finally(() => {
        this.claiming = false;
        if (this.again) {
          this.again = false;
          this.pump();
        }
      });
  }

  private noteDropped(dropped: number): void {
    if (this.lastDropped !== undefined && dropped > this.lastDropped) {
      this.logger.error(
        { dropped: dropped - this.lastDropped, maxOutbox: this.options.maxOutbox },
        'review webhooks: outbox full, dropped events (the storefront must reconcile through the API)',
      );
    }
    this.lastDropped = dropped;
  }

  private launch(delivery: OutboxDelivery): void {
    const running: Promise<void> = this.attempt(delivery)
      .catch((error) => {
        this.logger.error({ err: error, eventId: delivery.eventId }, 'review webhooks: attempt failed oddly');
      })
      .finally(() => {
        this.inFlight.delete(running);
        this.pump();
      });
    this.inFlight.add(running);
  }

  private async attempt(delivery: OutboxDelivery): Promise<void> {
    const endpoint = this.endpoints.get(delivery.endpointId);
    if (!endpoint) return; // not ours (claims only name our routes)
    let failure: string;
    let retryAfterMs = 0;
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
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'manual',
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        this.counters.delivered += 1;
        this.record('delivered');
        await this.settle(delivery, {});
        return;
      }
      failure = `HTTP ${response.status}`;
      const retryAfter = Number(response.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
    } catch (error) {
      failure = (error as Error).cause instanceof Error ? String((error as Error).cause) : String(error);
    }
    this.counters.failedAttempts += 1;
    const log = { eventId: delivery.eventId, url: endpoint.url, failure, attempt: delivery.attempt };
    if (delivery.attempt >= this.options.maxAttempts) {
      this.counters.givenUp += 1;
      this.record('failed');
      this.logger.error(
        { ...log, orderId: orderIdOf(delivery.body) },
        `review webhooks: gave up after ${delivery.attempt} attempts`,
      );
      await this.settle(delivery, {});
      return;
    }
    this.record('retried');
    const delay = Math.min(
      this.options.maxDelayMs,
      Math.max(this.retryDelay(delivery.attempt), retryAfterMs),
    );
    this.logger.warn(log, 'review webhooks: delivery failed, will retry');
    await this.settle(delivery, { retryInMs: delay });
  }

  private async settle(delivery: OutboxDelivery, outcome: { retryInMs?: number }): Promise<void> {
    try {
      await this.outbox.settle(delivery, outcome);
    } catch (error) {
      // The lease runs out and the delivery is attempted again: at least once, never lost.
      this.logger.warn(
        { err: error, eventId: delivery.eventId },
        'review webhooks: could not record the attempt; it is attempted again when its lease ends',
      );
    }
  }
}

function orderIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { orderId?: unknown };
    return typeof parsed.orderId === 'string' ? parsed.orderId : undefined;
  } catch {
    return undefined;
  }
}

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
  resolved.endpoints = (endpoints as unknown[]).map((endpoint, index) => {
    const path = `webhooks.endpoints[${index}]`;
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
    if (seen.has(url as string))
      fail(`option "${path}.url" repeats ${JSON.stringify(url)}: list each URL once`);
    seen.add(url as string);
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
    return { url: url as string, secret: secret as string, events: types };
  });
  return resolved as ResolvedWebhookOptions;
}
