// src/state/memory/outbox.ts
// The webhook outbox of the embedded store: the same routing, leases and retries as in Redis, in process memory.

import type {
  EventOutbox,
  OutboxClaim,
  OutboxClaimRequest,
  OutboxDelivery,
  OutboxRoute,
} from '../../ports/store';

interface Due {
  eventId: string;
  dueAt: number;
  /** The delivery's version when this heap node was pushed; older nodes are skipped (lazy deletion). */
  version: number;
  seq: number;
}

interface Delivery {
  dueAt: number;
  attempts: number;
  version: number;
}

/** A binary min-heap by due time (then arrival), so a bulk action's thousands of deliveries stay cheap. */
class DueHeap {
  private readonly items: Due[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Due | undefined {
    return this.items[0];
  }

  push(item: Due): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(items[index]!, items[parent]!)) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  pop(): Due | undefined {
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
        if (left < items.length && before(items[left]!, items[smallest]!)) smallest = left;
        if (right < items.length && before(items[right]!, items[smallest]!)) smallest = right;
        if (smallest === index) break;
        [items[index], items[smallest]] = [items[smallest]!, items[index]!];
        index = smallest;
      }
    }
    return top;
  }
}

function before(a: Due, b: Due): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
}

/** The deliveries of one endpoint. */
class EndpointQueue {
  readonly heap = new DueHeap();
  readonly deliveries = new Map<string, Delivery>();

  /** The first live heap node, dropping stale ones. */
  head(): Due | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined) return undefined;
      const delivery = this.deliveries.get(top.eventId);
      if (delivery && delivery.version === top.version) return top;
      this.heap.pop();
    }
  }
}

/**
 * The embedded store's outbox. Events are recorded only once a worker has claimed (an endpoint exists), and are
 * lost with the process: `durable` is false.
 */
export class MemoryOutbox implements EventOutbox {
  readonly durable = false;
  private enabled = false;
  private maxPending = Number.POSITIVE_INFINITY;
  private readonly inbox: Array<{ id: string; type: string; body: string }> = [];
  private readonly events = new Map<string, { body: string; remaining: number }>();
  private readonly endpoints = new Map<string, EndpointQueue>();
  private readonly published = new Set<string>();
  private dropped = 0;
  private seq = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  /** True once a worker has claimed: only then are events recorded (so a caller can skip building one). */
  get recording(): boolean {
    return this.enabled;
  }

  /** Records an event the store produced (a hold, a decision, a trip), if any endpoint is configured. */
  record(event: { id: string; type: string }): void {
    if (!this.enabled) return;
    if (this.inbox.length >= this.maxPending) {
      this.dropped += 1;
      return;
    }
    this.inbox.push({ id: event.id, type: event.type, body: JSON.stringify(event) });
  }

  async publish(event: { id: string; type: string }): Promise<boolean> {
    if (!this.enabled || this.published.has(event.id)) return false;
    this.published.add(event.id);
    if (this.published.size > 100_000) this.published.delete(this.published.values().next().value!);
    this.record(event);
    return true;
  }

  async claim(request: OutboxClaimRequest): Promise<OutboxClaim> {
    this.enabled = true;
    this.maxPending = request.maxPending;
    const now = this.clock();
    this.route(request.routes, now);
    const deliveries: OutboxDelivery[] = [];
    for (const route of request.routes) {
      const queue = this.endpoints.get(route.id);
      if (!queue) continue;
      for (let head = queue.head(); head && head.dueAt <= now; head = queue.head()) {
        if (deliveries.length >= request.limit) break;
        queue.heap.pop();
        const delivery = queue.deliveries.get(head.eventId)!;
        const event = this.events.get(head.eventId);
        if (!event) {
          queue.deliveries.delete(head.eventId);
          continue;
        }
        delivery.attempts += 1;
        this.schedule(queue, head.eventId, delivery, now + request.leaseMs);
        deliveries.push({
          endpointId: route.id,
          eventId: head.eventId,
          attempt: delivery.attempts,
          body: event.body,
        });
      }
    }
    let next = Number.POSITIVE_INFINITY;
    for (const route of request.routes) {
      const head = this.endpoints.get(route.id)?.head();
      if (head) next = Math.min(next, head.dueAt);
    }
    return {
      deliveries,
      pending: this.count(request.routes),
      dropped: this.dropped,
      nextDueInMs: next === Number.POSITIVE_INFINITY ? undefined : Math.max(0, next - now),
    };
  }

  async settle(delivery: OutboxDelivery, outcome: { retryInMs?: number }): Promise<boolean> {
    const queue = this.endpoints.get(delivery.endpointId);
    const current = queue?.deliveries.get(delivery.eventId);
    if (!queue || !current || current.attempts !== delivery.attempt) return false;
    if (outcome.retryInMs !== undefined) {
      this.schedule(queue, delivery.eventId, current, this.clock() + Math.max(0, outcome.retryInMs));
      return true;
    }
    queue.deliveries.delete(delivery.eventId);
    const event = this.events.get(delivery.eventId);
    if (event && --event.remaining <= 0) this.events.delete(delivery.eventId);
    return true;
  }

  async size(routes: readonly OutboxRoute[]): Promise<number> {
    return this.count(routes);
  }

  private count(routes: readonly OutboxRoute[]): number {
    let total = this.inbox.length;
    for (const route of routes) total += this.endpoints.get(route.id)?.deliveries.size ?? 0;
    return total;
  }

  /** Moves recorded events to the deliveries of every endpoint subscribed to their type. */
  private route(routes: readonly OutboxRoute[], now: number): void {
    for (const event of this.inbox.splice(0)) {
      let remaining = 0;
      for (const route of routes) {
        if (!route.events.includes(event.type)) continue;
        let queue = this.endpoints.get(route.id);
        if (!queue) {
          queue = new EndpointQueue();
          this.endpoints.set(route.id, queue);
        }
        if (queue.deliveries.has(event.id)) continue;
        if (queue.deliveries.size >= this.maxPending) {
          this.dropped += 1;
          continue;
        }
        this.schedule(queue, event.id, { dueAt: now, attempts: 0, version: 0 }, now);
        remaining += 1;
      }
      if (remaining === 0) continue;
      const known = this.events.get(event.id);
      if (known) known.remaining += remaining;
      else this.events.set(event.id, { body: event.body, remaining });
    }
  }

  private schedule(queue: EndpointQueue, eventId: string, delivery: Delivery, dueAt: number): void {
    delivery.dueAt = dueAt;
    delivery.version += 1;
    queue.deliveries.set(eventId, delivery);
    queue.heap.push({ eventId, dueAt, version: delivery.version, seq: this.seq++ });
  }
}
