// src/review/webhooks.ts
// Release and cancel reach the storefront: signed webhooks with retries from a bounded outbox, and in-process events.

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { MESSAGES } from '../core/messages';
import type { Logger } from '../guard';
import type { WebhookOutcome } from '../observability/sink';
import type { HeldOrder } from '../state/types';
import { SIGNATURE_HEADER, signWebhook } from './signature';

/** What a storefront learns when a held order is decided. */
export interface ReviewEvent {
  /** Unique per event; a receiver that sees an id twice (a retry after a lost answer) ignores it. */
  id: string;
  /** `order.released`: fulfil the order. `order.cancelled`: cancel and refund it. */
  type: 'order.released' | 'order.cancelled';
  orderId: string;
  /** Epoch milliseconds of the decision. */
  at: number;
  /** Token name of the reviewer who decided. */
  actor: string;
  /** The reviewer's note (internal; not for the shopper). */
  note: string;
  /** What to tell the shopper, in English and Indonesian (from MESSAGES). */
  shopperMessage: { en: string; id: string };
}

/** Builds the event for a decided hold. */
export function eventFor(held: HeldOrder): ReviewEvent {
  const released = held.status === 'approved';
  const key = released ? 'released' : 'cancelled';
  return {
    id: `evt_${randomUUID()}`,
    type: released ? 'order.released' : 'order.cancelled',
    orderId: held.orderId,
    at: held.resolution?.at ?? held.updatedAt,
    actor: held.resolution?.by ?? '',
    note: held.resolution?.note ?? '',
    shopperMessage: { en: MESSAGES.en[key], id: MESSAGES.id[key] },
  };
}

/** In-process events for a storefront that mounts the router in its own app. Listener errors are logged. */
export class ReviewEvents extends EventEmitter<{
  released: [event: ReviewEvent, held: HeldOrder];
  cancelled: [event: ReviewEvent, held: HeldOrder];
}> {}

/** One receiver of webhooks. */
export interface WebhookEndpoint {
  /** An http(s) URL that answers 2xx once it has taken the event. */
  url: string;
  /** The shared secret the signature is made with. */
  secret: string;
}

/** Webhook delivery options. */
export interface WebhookOptions {
  /** Receivers; each gets every event. Defaults to none. */
  endpoints?: WebhookEndpoint[];
  /** Delivery attempts per event and endpoint before it is given up (and logged). Defaults to 24. */
  maxAttempts?: number;
  /** Delay before the first retry, in milliseconds; doubles each retry, with jitter. Defaults to 1,000. */
  baseDelayMs?: number;
  /** Longest delay between retries, in milliseconds. Defaults to 300,000 (24 attempts then span 40 to 80 minutes). */
  maxDelayMs?: number;
  /** Milliseconds to wait for a receiver's answer. Defaults to 10,000. */
  timeoutMs?: number;
  /** Most deliveries waiting in the outbox; beyond it new ones are dropped and logged. Defaults to 100,000. */
  maxOutbox?: number;
  /** Deliveries in flight at once. Defaults to 8. */
  concurrency?: number;
}

interface Delivery {
  event: ReviewEvent;
  body: string;
  endpoint: WebhookEndpoint;
  attempts: number;
  dueAt: number;
  /** Enqueue order, to keep deliveries due at the same time first in, first out. */
  seq: number;
}

/** A binary min-heap of deliveries by due time: a bulk action can queue tens of thousands at once. */
class DueHeap {
  private readonly items: Delivery[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Delivery | undefined {
    return this.items[0];
  }

  push(delivery: Delivery): void {
    const items = this.items;
    items.push(delivery);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(items[index]!, items[parent]!)) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  pop(): Delivery | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < items.length && this.before(items[left]!, items[smallest]!)) smallest = left;
        if (right < items.length && this.before(items[right]!, items[smallest]!)) smallest = right;
        if (smallest === index) break;
        [items[index], items[smallest]] = [items[smallest]!, items[index]!];
        index = smallest;
      }
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }

  private before(a: Delivery, b: Delivery): boolean {
    return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
  }
}

/** Counters of the outbox, for tests and health pages. */
export interface OutboxStats {
  pending: number;
  delivered: number;
  failedAttempts: number;
  givenUp: number;
  dropped: number;
}

/**
 * An in-process outbox that delivers each event to each endpoint until it answers 2xx, with exponential
 * backoff and full jitter between attempts. Events in the outbox are lost if the process dies: the review API
 * (`GET /api/holds?status=approved`) is the source of truth a storefront can reconcile against.
 */
export class WebhookOutbox {
  private readonly endpoints: WebhookEndpoint[];
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly maxOutbox: number;
  private readonly concurrency: number;
  private readonly queue = new DueHeap();
  private seq = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;
  private readonly idle = new Set<() => void>();
  private readonly counters = { delivered: 0, failedAttempts: 0, givenUp: 0, dropped: 0 };

  /**
   * @param record counts each attempt's outcome: `delivered`, `retried` (failed, will retry) or `failed`
   *   (failed for the last time, given up).
   */
  constructor(
    options: Required<WebhookOptions>,
    private readonly logger: Logger,
    private readonly record: (outcome: WebhookOutcome) => void = () => {},
  ) {
    this.endpoints = options.endpoints;
    this.maxAttempts = options.maxAttempts;
    this.baseDelayMs = options.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs;
    this.timeoutMs = options.timeoutMs;
    this.maxOutbox = options.maxOutbox;
    this.concurrency = options.concurrency;
  }

  /** Queues an event for every endpoint; returns at once. */
  enqueue(event: ReviewEvent): void {
    if (this.closed) return;
    const body = JSON.stringify(event);
    for (const endpoint of this.endpoints) {
      if (this.queue.size + this.inFlight >= this.maxOutbox) {
        this.counters.dropped += 1;
        this.logger.error(
          { eventId: event.id, orderId: event.orderId, type: event.type, url: endpoint.url },
          'review webhooks: outbox full, dropped this event (the storefront must reconcile through the API)',
        );
        continue;
      }
      this.queue.push({ event, body, endpoint, attempts: 0, dueAt: Date.now(), seq: this.seq++ });
    }
    this.pump();
  }

  /** Counters and the outbox size. */
  stats(): OutboxStats {
    return { pending: this.queue.size + this.inFlight, ...this.counters };
  }

  /** Resolves once the outbox is empty (every event delivered or given up), or after `timeoutMs`. */
  drain(timeoutMs = 30_000): Promise<boolean> {
    if (this.queue.size === 0 && this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (empty: boolean) => {
        clearTimeout(timer);
        this.idle.delete(onIdle);
        resolve(empty);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      this.idle.add(onIdle);
    });
  }

  /** Stops delivering; pending deliveries are logged as lost. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.queue.size > 0) {
      this.logger.warn(
        { pending: this.queue.size },
        'review webhooks: closing with undelivered events; storefronts must reconcile through the API',
      );
    }
    this.queue.clear();
  }

  /** The delay before retry number `attempt` (1-based): exponential, capped, with full jitter. */
  retryDelay(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private pump(): void {
    if (this.closed) return;
    const now = Date.now();
    while (
      this.inFlight < this.concurrency &&
      (this.queue.peek()?.dueAt ?? Number.POSITIVE_INFINITY) <= now
    ) {
      const delivery = this.queue.pop()!;
      this.inFlight += 1;
      void this.attempt(delivery).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
    const next = this.queue.peek();
    if (next && this.inFlight < this.concurrency && next.dueAt < this.timerAt) {
      if (this.timer) clearTimeout(this.timer);
      this.timerAt = next.dueAt;
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.timerAt = Number.POSITIVE_INFINITY;
          this.pump();
        },
        Math.max(0, next.dueAt - now),
      );
      this.timer.unref();
    }
    if (this.queue.size === 0 && this.inFlight === 0) for (const resolve of [...this.idle]) resolve();
  }

  private async attempt(delivery: Delivery): Promise<void> {
    delivery.attempts += 1;
    let failure: string;
    try {
      const response = await fetch(delivery.endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'checkout-price-guard-webhooks',
          [SIGNATURE_HEADER]: signWebhook(
            delivery.body,
            delivery.endpoint.secret,
            Math.floor(Date.now() / 1000),
          ),
        },
        body: delivery.body,
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'manual',
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        this.counters.delivered += 1;
        this.record('delivered');
        return;
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = (error as Error).cause instanceof Error ? String((error as Error).cause) : String(error);
    }
    this.counters.failedAttempts += 1;
    if (delivery.attempts >= this.maxAttempts) {
      this.counters.givenUp += 1;
      this.record('failed');
      this.logger.error(
        { eventId: delivery.event.id, orderId: delivery.event.orderId, url: delivery.endpoint.url, failure },
        `review webhooks: gave up after ${delivery.attempts} attempts`,
      );
      return;
    }
    if (this.closed) return;
    this.record('retried');
    delivery.dueAt = Date.now() + this.retryDelay(delivery.attempts);
    this.queue.push(delivery);
    this.logger.warn(
      { eventId: delivery.event.id, url: delivery.endpoint.url, failure, attempt: delivery.attempts },
      'review webhooks: delivery failed, will retry',
    );
  }
}
