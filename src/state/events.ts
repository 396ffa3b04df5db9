// src/state/events.ts
// The events the store records for webhooks (held, released, cancelled, voucher tripped), with stable ids.

import { MESSAGES } from '../core/messages';
import { sha256 } from '../core/sha256';
import { scopeWords, type TripScope } from '../core/voucher-traits';
import type { EventType } from '../core/webhook-contract';
import type { HeldOrder } from '../ports/store';

export { DEFAULT_EVENT_TYPES, EVENT_TYPES, type EventType } from '../core/webhook-contract';

/** Fields every event has. The body is what the Standard Webhooks payload recommends, with the data at the top level. */
interface EventBase {
  /**
   * The event's id, also sent as the `webhook-id` header. The same event always has the same id (it is derived
   * from what happened, not drawn at random), so a receiver deduplicates by it across retries and restarts.
   */
  id: string;
  /** When it happened, ISO 8601 in UTC (the Standard Webhooks `timestamp`). */
  timestamp: string;
  /** When it happened, epoch milliseconds. */
  at: number;
}

/** `order.held`: the guard held an order for review; do not ship it yet. */
export interface HeldEvent extends EventBase {
  type: 'order.held';
  orderId: string;
  /** The rules that held it. */
  rules: string[];
  skus: string[];
  vouchers: string[];
  currency: string;
  /** The order's total, list value and discounts, in minor units of `currency`. */
  total: number;
  listValue: number;
  discount: number;
  /** What to tell the shopper while the order is checked, in English and Indonesian. */
  shopperMessage: { en: string; id: string };
}

/** `order.released` (fulfil the order) or `order.cancelled` (cancel and refund it): a reviewer decided. */
export interface ReviewEvent extends EventBase {
  type: 'order.released' | 'order.cancelled';
  orderId: string;
  /** Token name of the reviewer who decided. */
  actor: string;
  /** The reviewer's note (internal; not for the shopper). */
  note: string;
  /** What to tell the shopper, in English and Indonesian (from MESSAGES). */
  shopperMessage: { en: string; id: string };
}

/**
 * `voucher.tripped`: a code's redemptions outran its velocity limit; its new uses (or, with `segment`, those of the
 * surge's segment) are held until it resumes or is cleared. Sent again, with `widenedFrom`, when a scoped trip
 * widens to every use.
 */
export interface VoucherTrippedEvent extends EventBase {
  type: 'voucher.tripped';
  voucher: string;
  /** When it tripped (the same as `at`, except on a widening). */
  trippedAt: number;
  /**
   * Present when the trip holds only the uses that set the surge apart: the trait, the values of the code's normal
   * use (let through) and those that carried the surge, and the segment in words.
   */
  segment?: TripScope & { description: string };
  /** On a widening: the segment the trip held until `at`, when the normal use surged too. */
  widenedFrom?: 'segment';
}

/** `voucher.resumed`: a tripped code's rate was normal long enough; its new uses are judged again as usual. */
export interface VoucherResumedEvent extends EventBase {
  type: 'voucher.resumed';
  voucher: string;
  /** When it had tripped. */
  trippedAt: number;
}

/** Any event the store records. */
export type GuardEvent = HeldEvent | ReviewEvent | VoucherTrippedEvent | VoucherResumedEvent;

/**
 * The id of an event: `evt_` and 32 hex digits of the SHA-256 of its type, subject and time. Deterministic, so
 * the store, a retried script call and the router's in-process event all name one event alike.
 */
export function eventId(type: EventType, subject: string, at: number): string {
  return `evt_${sha256(`${type}\n${subject}\n${at}`, 'hex').slice(0, 32)}`;
}

/*
 * Each event is built as one object literal, its common fields first, rather than spread from a shared base: V8
 * (Node 20) builds `{ ...base, more, fields }` about a hundred times slower than the literal, and during a leak
 * an `order.held` event is built for every held order (by the embedded store while a webhook worker runs, and by
 * the Redis outbox when a worker claims the hold's reference).
 */
function timestamp(at: number): string {
  return new Date(at).toISOString();
}

/** The `order.held` event of a newly stored hold. */
export function heldEvent(held: HeldOrder): HeldEvent {
  const at = held.heldAt;
  return {
    id: eventId('order.held', held.orderId, at),
    timestamp: timestamp(at),
    at,
    type: 'order.held',
    orderId: held.orderId,
    rules: held.rules,
    skus: held.skus,
    vouchers: held.vouchers,
    currency: held.currency,
    total: held.order.total,
    listValue: held.listValue,
    discount: held.discount,
    shopperMessage: { en: MESSAGES.en.held, id: MESSAGES.id.held },
  };
}

/**
 * What the Redis hold script records in the outbox for `order.held`: a reference to the stored hold, not the event.
 * The hold's JSON is already in Redis, so the checkout path does not build and send the event a second time; the
 * outbox expands the reference (`heldEventBody`) when a webhook worker claims it, to the same event and bytes.
 */
export interface HeldEventRef {
  id: string;
  type: 'order.held';
  at: number;
  /** The order id of the held order. */
  hold: string;
}

/** True for an outbox body that is a held-event reference rather than an event. */
export function isHeldEventRef(value: unknown): value is HeldEventRef {
  const ref = value as Partial<HeldEventRef> | null;
  return (
    typeof ref === 'object' &&
    ref !== null &&
    ref.type === 'order.held' &&
    typeof ref.hold === 'string' &&
    typeof ref.id === 'string' &&
    typeof ref.at === 'number'
  );
}

/**
 * The JSON sent for a held-event reference: the `order.held` event of the stored hold, byte for byte what
 * `heldEvent` gives. Should the hold be gone (swept long after its decision), the event names the order only.
 */
export function heldEventBody(ref: HeldEventRef, held: HeldOrder | undefined): string {
  if (held !== undefined && held.orderId === ref.hold && held.heldAt === ref.at) {
    return JSON.stringify(heldEvent(held));
  }
  return JSON.stringify({
    id: ref.id,
    timestamp: timestamp(ref.at),
    at: ref.at,
    type: 'order.held',
    orderId: ref.hold,
  });
}

/** The event of a decision: released for `approved`, cancelled for `rejected`. */
export function decisionEvent(decision: {
  orderId: string;
  to: 'approved' | 'rejected';
  at: number;
  actor: string;
  note: string;
}): ReviewEvent {
  const released = decision.to === 'approved';
  const type = released ? 'order.released' : 'order.cancelled';
  const key = released ? 'released' : 'cancelled';
  return {
    id: eventId(type, decision.orderId, decision.at),
    timestamp: timestamp(decision.at),
    at: decision.at,
    type,
    orderId: decision.orderId,
    actor: decision.actor,
    note: decision.note,
    shopperMessage: { en: MESSAGES.en[key], id: MESSAGES.id[key] },
  };
}

/** The event of a decided hold (the same event, with the same id, that the store recorded with the decision). */
export function eventFor(held: HeldOrder): ReviewEvent {
  return decisionEvent({
    orderId: held.orderId,
    to: held.status === 'approved' ? 'approved' : 'rejected',
    at: held.resolution?.at ?? held.updatedAt,
    actor: held.resolution?.by ?? '',
    note: held.resolution?.note ?? '',
  });
}

/**
 * The `voucher.tripped` event of a code tripped at `trippedAt` (the trip time the store keeps), for the segment of
 * `scope` or every use; with `widenedAt`, the event of its widening to every use then.
 */
export function trippedEvent(
  code: string,
  trippedAt: number,
  scope?: TripScope,
  widenedAt?: number,
): VoucherTrippedEvent {
  const at = widenedAt ?? trippedAt;
  const id = eventId('voucher.tripped', code, at);
  const event: VoucherTrippedEvent = {
    id,
    timestamp: timestamp(at),
    at,
    type: 'voucher.tripped',
    voucher: code,
    trippedAt,
  };
  if (scope !== undefined) event.segment = { ...scope, description: scopeWords(scope) };
  if (widenedAt !== undefined) event.widenedFrom = 'segment';
  return event;
}

/** The `voucher.resumed` event of a code that resumed at `at` after tripping at `trippedAt`. */
export function resumedEvent(code: string, trippedAt: number, at: number): VoucherResumedEvent {
  const id = eventId('voucher.resumed', code, at);
  return { id, timestamp: timestamp(at), at, type: 'voucher.resumed', voucher: code, trippedAt };
}
