// src/state/types.ts
// The store interface: shared state behind the guard (facts for rules, durable holds, the review queue).

import type { Evaluation } from '../core/evaluate';
import type { Facts } from '../core/facts';
import type { Order } from '../core/order';
import type { Policy } from '../core/policy';
import type { Decision, RuleId } from '../core/types';

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

/** Money carried by a set of held orders in one currency, in minor units. */
export interface MoneyAtStake {
  orders: number;
  /** Sum of the orders' line list values. */
  listValue: number;
  /** Line and voucher discounts: what the orders would give away. */
  discount: number;
  /** What the orders would collect (their totals). */
  total: number;
}

/** Counts for the queue gauges. */
export interface QueueStats {
  byStatus: Record<HoldStatus, number>;
  /** heldAt of the oldest pending hold, epoch ms. */
  oldestPendingAt: number | undefined;
  /** Money in pending holds, per currency (absent when the store does not keep it). */
  pendingValue?: Record<string, MoneyAtStake>;
}

/**
 * The state the guard reads and writes for every order: the hot path. `Guard.check` calls `prepare`, then
 * `hold` (a held order) or `commit` (an allowed one). Methods may return values or promises.
 */
export interface GuardState {
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
  /** Flushes anything written behind and releases connections. */
  shutdown?(): Promise<void>;
}

/** The review queue: held orders, reviewers' decisions on them and the audit trail. */
export interface ReviewQueue {
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
  /** Counts for the queue gauges. */
  queueStats(now: number): Promise<QueueStats>;
}

/** What on-call may do to the guard's state from the review side, each action audited. */
export interface StateControls {
  /** Clears a tripped voucher so its orders flow again (its counters restart). */
  clearVoucher(code: string, actor: string, now: number): Promise<boolean>;
  /** Forgets a SKU's price history (after a catalog fix), in every currency. */
  resetHistory(sku: string, actor: string, now: number): Promise<void>;
}

/**
 * A whole store: the guard's state, the review queue and the controls over them. The embedded `MemoryStore` and
 * the `RedisStore` implement it; pass the same instance to `priceGuard({ store })` and `reviewRouter({ store })`.
 */
export interface GuardStore extends GuardState, ReviewQueue, StateControls {}
