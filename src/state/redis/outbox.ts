// src/state/redis/outbox.ts
// The webhook outbox in Redis, under the queue's `{P:q}` hash tag: recorded with holds and decisions, leased to workers.

import type { Cluster, Redis } from 'ioredis';
import type {
  EventOutbox,
  HeldOrder,
  OutboxClaim,
  OutboxClaimRequest,
  OutboxDelivery,
  OutboxRoute,
} from '../../ports/store';
import { heldEventBody, isHeldEventRef } from '../events';
import type { Commands } from './commands';

/** How long the outbox keeps recording events after the last worker's claim: a week without any worker. */
const RECORD_WHILE_IDLE_SECONDS = 7 * 86_400;
/** Events routed per claim call, so one script never blocks Redis for long after a bulk action. */
const ROUTE_BATCH = 1_000;
/** How long a published event's id is remembered, so a trip seen by two instances is recorded once. */
const ONCE_SECONDS = 7 * 86_400;

/**
 * Keys (all under the queue's hash tag, so the hold scripts can record events in the same atomic step):
 * `:ob:cfg` (exists while a worker has claimed within a week; holds the cap and the dropped count), `:ob:in`
 * (events not yet routed), `:ob:e:<eventId>` (the body, and how many endpoint deliveries are not done),
 * `:ob:d:<endpointId>` (event ids by due time; a lease is a due time in the future), `:ob:a:<endpointId>`
 * (attempts per event). Persisted like the holds: with AOF, what Redis acknowledged survives a crash.
 */
export class RedisOutbox implements EventOutbox {
  readonly durable = true;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly commands: Commands,
    private readonly base: string,
    /** Reads a stored hold, to expand the `order.held` references the hold script records. */
    private readonly loadHold: (orderId: string) => Promise<HeldOrder | undefined>,
  ) {}

  async publish(event: { id: string; type: string }): Promise<boolean> {
    const reply = await this.commands.outboxPublish(this.base, event.id, JSON.stringify(event), ONCE_SECONDS);
    return Number(reply) === 1;
  }

  async claim(request: OutboxClaimRequest): Promise<OutboxClaim> {
    const args: Array<string | number> = [
      request.limit,
      request.leaseMs,
      request.maxPending,
      RECORD_WHILE_IDLE_SECONDS,
      ROUTE_BATCH,
      request.routes.length,
    ];
    for (const route of request.routes) args.push(route.id, ` ${route.events.join(' ')} `);
    const reply = (await this.commands.outboxClaim(this.base, ...args)) as Array<string | number>;
    const deliveries: OutboxDelivery[] = [];
    for (let n = 3; n + 3 < reply.length; n += 4) {
      deliveries.push({
        endpointId: String(reply[n]),
        eventId: String(reply[n + 1]),
        attempt: Number(reply[n + 2]),
        body: String(reply[n + 3]),
      });
    }
    await this.expandHeldEvents(deliveries);
    return {
      deliveries,
      pending: Number(reply[1]),
      dropped: Number(reply[2]),
      nextDueInMs: reply[0] === '' ? undefined : Number(reply[0]),
    };
  }

  /** Replaces each `order.held` reference with the event of its hold (each hold read once, all in parallel). */
  private async expandHeldEvents(deliveries: OutboxDelivery[]): Promise<void> {
    const bodies = new Map<string, Promise<string>>();
    const expanded: Array<Promise<void>> = [];
    for (const delivery of deliveries) {
      if (!delivery.body.includes('"hold":')) continue;
      let ref: unknown;
      try {
        ref = JSON.parse(delivery.body);
      } catch {
        continue;
      }
      if (!isHeldEventRef(ref)) continue;
      const known = ref;
      let body = bodies.get(known.id);
      if (body === undefined) {
        body = this.loadHold(known.hold).then((hold) => heldEventBody(known, hold));
        bodies.set(known.id, body);
      }
      expanded.push(
        body.then((text) => {
          delivery.body = text;
        }),
      );
    }
    await Promise.all(expanded);
  }

  async settle(delivery: OutboxDelivery, outcome: { retryInMs?: number }): Promise<boolean> {
    const reply = await this.commands.outboxSettle(
      this.base,
      delivery.endpointId,
      delivery.eventId,
      delivery.attempt,
      outcome.retryInMs === undefined ? '' : Math.max(0, Math.round(outcome.retryInMs)),
    );
    return Number(reply) === 1;
  }

  async size(routes: readonly OutboxRoute[]): Promise<number> {
    const pipeline = this.client.pipeline();
    pipeline.llen(`${this.base}:ob:in`);
    for (const route of routes) pipeline.zcard(`${this.base}:ob:d:${route.id}`);
    let total = 0;
    for (const [error, count] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      total += Number(count);
    }
    return total;
  }
}
