// src/webhooks/delivery.ts
// The webhook delivery worker over the store's outbox (claim, attempt, settle), started explicitly with
// createWebhookDelivery(); in-process review events; the module the rest of the package imports webhooks from.

import { EventEmitter } from 'node:events';
import type { Logger } from '../ports/logger';
import type { WebhookOutcome } from '../ports/metrics';
import type { EventOutbox, HeldOrder, OutboxDelivery } from '../ports/store';
import type { ReviewEvent } from '../state/events';
import { attemptDelivery, orderIdOf } from './attempt';
import { type ResolvedWebhookOptions, resolveWebhookOptions, type WebhookDeliveryOptions } from './options';
import { leaseMs, nextRetryInMs } from './retry';
import { EndpointRoutes } from './routes';

export type { EventType, GuardEvent, HeldEvent, ReviewEvent, VoucherTrippedEvent } from '../state/events';
export { DEFAULT_EVENT_TYPES, EVENT_TYPES, eventFor } from '../state/events';
export {
  type ResolvedWebhookOptions,
  type WebhookDeliveryOptions,
  type WebhookEndpoint,
  type WebhookOptions,
  WebhookOptionsError,
} from './options';
export { endpointId } from './routes';

/** In-process events for a storefront that mounts the router in its own app. Listener errors are logged. */
export class ReviewEvents extends EventEmitter<{
  released: [event: ReviewEvent, held: HeldOrder];
  cancelled: [event: ReviewEvent, held: HeldOrder];
}> {}

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

/**
 * Builds the webhook delivery worker over the store's outbox; nothing runs until `start()`. Options are checked
 * here, once: a bad one throws a WebhookOptionsError naming it. Start it where the process starts (the service
 * does), and `stop()` it on shutdown; the review router only records decisions, it never delivers.
 */
export function createWebhookDelivery(options: WebhookDeliveryOptions): WebhookDelivery {
  return new WebhookDelivery(resolveWebhookOptions(options));
}

/**
 * The delivery worker over the store's outbox. It claims due deliveries (leased to this instance, so of several
 * instances sharing one Redis exactly one attempts each), POSTs each to its endpoint signed as Standard Webhooks
 * say, and settles it: done on a 2xx, else retried with exponential backoff and jitter until `maxAttempts`, then
 * given up (logged at error level). Delivery is at least once: an instance that dies mid-attempt leaves a lease
 * that runs out, and another instance (or this one, restarted) attempts the delivery again with the same id.
 * The store records events only once a worker has claimed (`start()`): before, no endpoint is listening.
 */
export class WebhookDelivery {
  /** True when the outbox survives a restart (the Redis store). */
  readonly durable: boolean;
  private readonly endpoints: EndpointRoutes;
  private readonly leaseMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private claiming = false;
  private again = false;
  private stopped = false;
  private failing = false;
  private lastPending = 0;
  private lastDropped: number | undefined;
  private readonly firstClaim: Promise<void>;
  private claimed: () => void = () => {};
  private readonly counters = { delivered: 0, failedAttempts: 0, givenUp: 0 };

  private readonly outbox: EventOutbox;
  private readonly logger: Logger;
  /** Counts each attempt's outcome: `delivered`, `retried` (will retry) or `failed` (the last, given up). */
  private readonly record: (outcome: WebhookOutcome) => void;

  /** Use createWebhookDelivery(), which checks the options; this takes them checked. */
  constructor(private readonly options: ResolvedWebhookOptions) {
    this.outbox = options.outbox;
    this.logger = options.logger;
    const metrics = options.metrics;
    this.record = metrics ? (outcome) => metrics.webhook(outcome) : () => {};
    this.durable = this.outbox.durable;
    this.endpoints = new EndpointRoutes(options.endpoints);
    this.leaseMs = leaseMs(options);
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
    if (this.stopped) return;
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
    this.lastPending = await this.outbox.size(this.endpoints.routes);
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
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
    if (!this.durable) {
      const left = await this.outbox.size(this.endpoints.routes).catch(() => this.lastPending);
      if (left > 0) {
        this.logger.warn(
          { pending: left },
          'review webhooks: closing with undelivered events (embedded store: they are lost); storefronts must reconcile through the API',
        );
      }
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
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
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return; // a finishing attempt pumps again
    this.claiming = true;
    this.outbox
      .claim({
        routes: this.endpoints.nextTurn(),
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
    const endpoint = this.endpoints.endpoint(delivery.endpointId);
    if (!endpoint) return; // not ours (claims only name our routes)
    const result = await attemptDelivery(endpoint, delivery, this.options.timeoutMs);
    if (result.ok) {
      this.counters.delivered += 1;
      this.record('delivered');
      await this.settle(delivery, {});
      return;
    }
    this.counters.failedAttempts += 1;
    const log = {
      eventId: delivery.eventId,
      url: endpoint.url,
      failure: result.failure,
      attempt: delivery.attempt,
    };
    const retryInMs = nextRetryInMs(delivery.attempt, result.retryAfterMs, this.options);
    if (retryInMs === undefined) {
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
    this.logger.warn(log, 'review webhooks: delivery failed, will retry');
    await this.settle(delivery, { retryInMs });
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
