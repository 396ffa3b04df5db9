// src/store.ts
// The store interface: shared state behind the guard (facts for rules, durable holds, the review queue).

import type { Evaluation } from './evaluate';
import type { Facts } from './facts';
import type { Order } from './order';
import type { Policy } from './policy';
import type { Decision, RuleId } from './types';

/** Where a held order is in review. `pending` until a reviewer approves (releases) or rejects (cancels) it. */
export type HoldStatus = 'pending' | 'approved' | 'rejected';

/** A held order as the review queue keeps it. */
export interface HeldOrder {
  /** The order id; a held order is stored once per order id. */
  orderId: string;
  status: HoldStatus;
  /** Incremented on every change; a decision names the version it was made on (optimistic concurrency). */
  version: number;
  order: Order;
  decision: Decision;
  /** Epoch ms the hold was stored. */
  heldAt: number;
  /** Epoch ms of the last change. */
  updatedAt: number;
  /** Searchable summaries. */
  currency: string;
  listValue: number;
  /** Line discounts plus voucher discounts, minor units. */
  discount: number;
  rules: RuleId[];
  skus: string[];
  vouchers: string[];
  /** Who claimed it, if anyone. */
  assignee?: string;
  /** Who decided, when and why, once decided. */
  resolution?: { by: string; at: number; note: string };
}

/** One entry of the audit trail. */
export interface AuditEntry {
  /** Epoch ms. */
  at: number;
  /** Token name of the reviewer, or `guard` for the guard itself. */
  actor: string;
  action:
    | 'held'
    | 'claimed'
    | 'approved'
    | 'rejected'
    | 'voucher_cleared'
    | 'history_reset'
    // Runtime floors and caps set through the service's admin API (src/service/admin.ts).
    | 'floor_set'
    | 'floor_removed'
    | 'cap_set'
    | 'cap_removed';
  orderId?: string;
  voucher?: string;
  sku?: string;
  note?: string;
}

/** Filters of the review list; all optional, combined with AND. */
export interface HoldFilter {
  status?: HoldStatus;
  rule?: RuleId;
  sku?: string;
  voucher?: string;
  /** Held at or after, epoch ms. */
  from?: number;
  /** Held before, epoch ms. */
  to?: number;
}

/** A page of held orders, newest first, and the cursor of the next page. */
export interface HoldPage {
  items: HeldOrder[];
  nextCursor: string | undefined;
}

/** A reviewer's decision on one order. */
export interface DecisionRequest {
  orderId: string;
  to: 'approved' | 'rejected';
  actor: string;
  note: string;
  /** The version the reviewer saw; the change is refused if the order changed since. Omit to accept any pending. */
  expectedVersion?: number;
  now: number;
}

/** Why a transition did not happen. */
export type TransitionFailure = 'not_found' | 'already_decided' | 'version_conflict';

/** The outcome of one transition. */
export type TransitionResult =
  | { ok: true; held: HeldOrder }
  | { ok: false; reason: TransitionFailure; held?: HeldOrder };

/** Counts for the queue gauges. */
export interface QueueStats {
  byStatus: Record<HoldStatus, number>;
  /** heldAt of the oldest pending hold, epoch ms. */
  oldestPendingAt: number | undefined;
}

/**
 * Shared state behind the guard. The middleware calls `prepare`, then (for a hold) `hold` or (for an allowed
 * order) `commit`; the review router calls the rest. Methods may return values or promises.
 * The embedded `MemoryStore` and the `RedisStore` implement it; `docs/stores.md` explains writing another.
 */
export interface GuardStore {
  /** Optional start-up work (connect, load scripts). Rejections are logged, never thrown at requests. */
  init?(): Promise<void>;
  /**
   * Facts the stateful rules need for this order. Counts this order's voucher redemption attempts (idempotent
   * per orderId) and reserves uses of hard-capped codes. Must not throw: report what it could not get in
   * `facts.unavailable`.
   */
  prepare(order: Order, policy: Policy, now: number): Promise<Facts> | Facts;
  /**
   * Stores a hold durably before it is acknowledged, and carries out the evaluation's effects (velocity trips).
   * Idempotent per orderId: a retry returns the first hold with `created: false`. Rejects when it cannot store.
   */
  hold(
    order: Order,
    evaluation: Evaluation,
    policy: Policy,
    now: number,
  ): Promise<{ held: HeldOrder; created: boolean }>;
  /**
   * Records an order the guard let through: price samples, budget use, the evaluation's effects. May be
   * write-behind; must not throw.
   */
  commit(order: Order, evaluation: Evaluation, policy: Policy, now: number): Promise<void> | void;
  /** One held order. */
  getHold(orderId: string): Promise<HeldOrder | undefined>;
  /** Held orders matching a filter, newest first. */
  listHolds(filter: HoldFilter, limit: number, cursor?: string): Promise<HoldPage>;
  /** Assigns a pending hold to a reviewer. */
  claim(orderId: string, actor: string, now: number): Promise<TransitionResult>;
  /** Approves or rejects a pending hold, once: exactly one of several concurrent decisions wins. */
  decide(request: DecisionRequest): Promise<TransitionResult>;
  /** Appends to the audit trail. */
  audit(entry: AuditEntry): Promise<void>;
  /** The audit trail, newest first; for one order when `orderId` is given. */
  auditTrail(options: { orderId?: string; limit: number }): Promise<AuditEntry[]>;
  /** Clears a tripped voucher so its orders flow again (its counters restart). */
  clearVoucher(code: string, actor: string, now: number): Promise<boolean>;
  /** Forgets a SKU's price history (after a catalog fix), in every currency. */
  resetHistory(sku: string, actor: string, now: number): Promise<void>;
  /** Counts for the queue gauges. */
  queueStats(now: number): Promise<QueueStats>;
  /** Flushes anything written behind and releases connections. */
  shutdown?(): Promise<void>;
}

/** Summaries a held order is searched by, derived from the evaluation. */
export function summarizeHold(order: Order, evaluation: Evaluation, now: number): HeldOrder {
  const { decision, totals } = evaluation;
  return {
    orderId: order.orderId,
    status: 'pending',
    version: 1,
    order,
    decision,
    heldAt: now,
    updatedAt: now,
    currency: order.currency,
    listValue: totals.listValue,
    discount: totals.lineDiscounts + totals.voucherDiscounts,
    rules: [...new Set(decision.reasons.map((reason) => reason.rule))],
    skus: [...new Set(order.lines.map((line) => line.sku))],
    vouchers: [...new Set(order.vouchers.map((voucher) => voucher.code))],
  };
}

/** True when a held order matches a filter. */
export function matchesFilter(held: HeldOrder, filter: HoldFilter): boolean {
  return (
    (filter.status === undefined || held.status === filter.status) &&
    (filter.rule === undefined || held.rules.includes(filter.rule)) &&
    (filter.sku === undefined || held.skus.includes(filter.sku)) &&
    (filter.voucher === undefined || held.vouchers.includes(filter.voucher)) &&
    (filter.from === undefined || held.heldAt >= filter.from) &&
    (filter.to === undefined || held.heldAt < filter.to)
  );
}

/** True when the policy names a voucher code: its own terms, or a campaign's list. */
export function isKnownVoucher(policy: Policy, code: string): boolean {
  return policy.vouchers[code] !== undefined || policy.campaigns.some((c) => c.vouchers?.includes(code));
}

/**
 * Attempts of unknown voucher codes not yet worth tracking, in recency order and at most `maxTracked` codes,
 * so a flood of made-up codes cannot grow a store's memory without bound.
 */
export class UntrackedVouchers {
  private readonly attempts = new Map<string, number>();

  /**
   * Counts one more attempt of `code`. Returns the earlier attempts to carry into the code's counters once
   * it reaches `admitAfter` attempts and `room` allows tracking it; otherwise undefined (not tracked yet).
   */
  admit(code: string, admitAfter: number, maxTracked: number, room = true): number | undefined {
    const attempts = (this.attempts.get(code) ?? 0) + 1;
    this.attempts.delete(code); // re-inserted below to keep the map in recency order
    if (attempts >= admitAfter && room) return attempts - 1;
    this.attempts.set(code, attempts);
    if (this.attempts.size > maxTracked) this.attempts.delete(this.attempts.keys().next().value!);
    return undefined;
  }

  /** How many codes are being counted. */
  get size(): number {
    return this.attempts.size;
  }
}

/** Price samples an allowed order contributes: paid unit prices of lines outside campaigns. */
export function historySamples(evaluation: Evaluation): Array<{ sku: string; unitPaid: number }> {
  if (evaluation.decision.wouldDecide !== 'allow') return []; // held orders must not poison the history
  const samples: Array<{ sku: string; unitPaid: number }> = [];
  for (const line of evaluation.totals.lines) {
    if (line.campaign !== undefined || line.paid <= 0) continue;
    samples.push({ sku: line.sku, unitPaid: Math.floor(line.paid / line.quantity) });
  }
  return samples;
}
