// src/ports/store.ts
// The store interface: shared state behind the guard (facts for rules, durable holds, the review queue).

import type { Evaluation } from '../core/evaluate';
import type { Facts } from '../core/facts';
import type { Order } from '../core/order';
import type { Policy } from '../core/policy';
import type { Decision, RuleName, Verdict } from '../core/types';
import type { TripScope } from '../core/voucher-traits';

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
  /**
   * What the order leaves unpaid of its full list value, minor units: its line and voucher discounts, plus the
   * amount its claimed total falls short of the total recomputed from its parts (a tampered total). See `exposureOf`.
   */
  exposure: number;
  /** What the claimed total charges beyond the recomputed one, minor units: the shopper's harm, 0 when none. */
  overcharge: number;
  /** The incident the hold belongs to while pending: its primary cause (see `causeOf`). */
  cause: IncidentCause;
  rules: RuleName[];
  skus: string[];
  vouchers: string[];
  /** Who claimed it, if anyone. */
  assignee?: string;
  /** Who decided, when and why, once decided. */
  resolution?: { by: string; at: number; note: string };
}

/** Audit actions of the service's admin API (src/service/admin.ts): runtime floors, caps and the catalog. */
export type AdminAuditAction =
  | 'floor_set'
  | 'floor_removed'
  | 'cap_set'
  | 'cap_removed'
  | 'catalog_uploaded'
  | 'catalog_removed'
  | 'rule_set'
  | 'rule_removed';

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
    | 'voucher_resumed'
    | 'voucher_extended'
    | 'history_reset'
    | 'price_accepted'
    | AdminAuditAction;
  orderId?: string;
  voucher?: string;
  sku?: string;
  /** The custom rule an admin added, changed or removed. */
  rule?: string;
  note?: string;
}

/** Filters of the review list; all optional, combined with AND. */
export interface HoldFilter {
  status?: HoldStatus;
  /** The incident id (`voucher:CODE`, `sku:SKU`, `rule:ID`): exactly the holds whose primary cause it is. */
  incident?: string;
  rule?: RuleName;
  sku?: string;
  voucher?: string;
  /** The order's payment method, canonical (upper case), compared exactly. */
  paymentMethod?: string;
  /** Held at or after, epoch ms. */
  from?: number;
  /** Held before, epoch ms. */
  to?: number;
}

/**
 * The order of a list of held orders: `newest` first (by heldAt, the default), `oldest` first (the SLA runbook
 * works oldest first), or by `money`: the exposure of an order (what it leaves unpaid), largest first.
 */
export type HoldOrder = 'newest' | 'oldest' | 'money';

/** Every `HoldOrder`, for validation. */
export const HOLD_ORDERS: readonly HoldOrder[] = Object.freeze(['newest', 'oldest', 'money']);

/** A page of held orders in the requested order, and the cursor of the next page. */
export interface HoldPage {
  items: HeldOrder[];
  /** Pass it back with the same filter and order for the next page; undefined on the last page. */
  nextCursor: string | undefined;
}

/** What a group of pending holds shares: one voucher code, one SKU or one rule. */
export type GroupKind = 'voucher' | 'sku' | 'rule';

/** Every `GroupKind`, for validation. */
export const GROUP_KINDS: readonly GroupKind[] = Object.freeze(['voucher', 'sku', 'rule']);

/**
 * The pending holds that share one cause: an incident as on-call sees it. An order with two SKUs is in both SKU
 * groups, and its whole amounts count in each.
 */
export interface HoldGroup {
  kind: GroupKind;
  /** The voucher code, SKU or rule id (canonical, as the holds store it). */
  key: string;
  /** Pending holds in the group (at least 1: a group whose last hold is decided is gone). */
  count: number;
  /** heldAt of its oldest and newest pending hold, epoch ms. */
  firstHeldAt: number;
  lastHeldAt: number;
  /** Money in its pending holds, per currency. */
  money: Record<string, MoneyAtStake>;
}

/** Which groups `listGroups` returns. */
export interface GroupQuery {
  /** Only groups of this kind. Defaults to every kind. */
  kind?: GroupKind;
  /** Rank by pending `count` or by the `exposure` (money left unpaid) in `currency`. Defaults to count. */
  by?: 'count' | 'exposure';
  /** The currency whose exposure ranks the groups; required when `by` is `exposure`. */
  currency?: string;
  /** Most groups returned (the top ones). */
  limit: number;
}

/** The top groups, and how many groups there are in all (of the kind, or with pending holds in the currency). */
export interface GroupList {
  groups: HoldGroup[];
  total: number;
}

/**
 * The primary cause of a held order, which puts it in exactly one incident: the voucher a voucher rule named, else
 * the SKU a line rule named (of the line with the most money at stake), else the rule that held the order.
 */
export interface IncidentCause {
  kind: GroupKind;
  /** The voucher code or SKU (canonical), or the rule id. */
  key: string;
}

/** How an incident's pending holds split: per rule that fired on them and per payment method, a count of holds. */
export interface IncidentBreakdown {
  /** Rule id to the number of holds it fired on (an order held by two rules counts under both). */
  rules: Record<string, number>;
  /** Canonical payment method (`''` when none was given) to the number of holds paid with it. */
  paymentMethods: Record<string, number>;
}

/**
 * The pending holds of one primary cause. Incidents partition the pending holds: each is in exactly one, so their
 * counts add up to the pending holds.
 */
export interface Incident {
  /** `<kind>:<key>`: stable while the incident has pending holds; the bulk filter `{ incident: id }` takes them. */
  id: string;
  cause: IncidentCause;
  /** Pending holds in it (at least 1: an incident whose last hold is decided is gone). */
  count: number;
  /** heldAt of its oldest and newest pending hold, epoch ms. */
  firstHeldAt: number;
  lastHeldAt: number;
  /** Money in its pending holds, per currency: exposure, overcharge, discount, list value, total. */
  exposure: Record<string, MoneyAtStake>;
  breakdown: IncidentBreakdown;
}

/** Which incidents `listIncidents` returns, in which order. */
export interface IncidentQuery {
  /**
   * Rank by the `exposure` in `currency` (ties, and incidents without holds in it, by count), or by pending `count`.
   * Defaults to exposure.
   */
  by?: 'exposure' | 'count';
  /** The currency whose exposure ranks the incidents; without it, they are ranked by count. */
  currency?: string;
  /** Most incidents returned (the top ones). */
  limit: number;
}

/** The top incidents, how many there are, and the pending holds of the whole queue, read at one instant. */
export interface IncidentList {
  incidents: Incident[];
  /** Incidents in all (with at least one pending hold). */
  total: number;
  /** Pending holds in the queue: the counts of all `total` incidents add up to it. */
  pending: number;
}

/**
 * A tripped code as on-call lists it (`listTrips`): since when and why, until when it can end by itself, and how
 * much it is being used.
 */
export interface TrippedVoucher {
  /** The code, canonical. */
  code: string;
  /** Epoch ms it tripped. */
  trippedAt: number;
  /**
   * The earliest the trip can end by itself, epoch ms: the end on-call extended it to, or the time its rate will have
   * been normal for the policy's `resumeAfterSeconds` (later while its rate stays high). Undefined when only on-call
   * can end it (a code declared `sticky`).
   */
  until: number | undefined;
  /** True when it does not end on its own once its rate is normal: declared `sticky`, or extended by on-call. */
  sticky: boolean;
  /** Why it tripped, as the velocity rule said it (empty for a trip recorded by an earlier version). */
  reason: string;
  /** Redemption attempts of the code counted in its longest velocity window, this moment. */
  uses: number;
  /** That window, in seconds. */
  usesWindowSeconds: number;
  /**
   * The segment of the code's use the trip holds, in words (`VoucherTrip.segment`), when it is scoped to one;
   * absent for a trip that holds every use.
   */
  segment?: string;
  /** When a scoped trip widened to every use, epoch ms. */
  widenedAt?: number;
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
  /** What the orders leave unpaid of their list value: discounts plus the shortfall of tampered totals. */
  exposure: number;
  /** What the orders charge beyond their recomputed totals: the shoppers' harm. */
  overcharge: number;
}

/** Counts for the queue gauges. */
export interface QueueStats {
  byStatus: Record<HoldStatus, number>;
  /** heldAt of the oldest pending hold, epoch ms. */
  oldestPendingAt: number | undefined;
  /**
   * Money in pending holds, per currency; a currency with no pending hold is absent. Both shipped stores always
   * report it (kept exact as holds are stored and decided); a custom store may leave it out.
   */
  pendingValue?: Record<string, MoneyAtStake>;
}

/** What a store could not write before it stopped. */
export interface ShutdownReport {
  /** Writes still buffered after the last flush, by kind; all zero after a clean stop. */
  unflushed: Record<string, number>;
}

/** What the guard decided for an order id before, as its binding remembers it. */
export interface BoundVerdict {
  decision: Verdict;
  wouldDecide: Verdict;
  /** Epoch ms of that decision. */
  at: number;
}

/**
 * What the store knows of an order id when an order arrives under it: nothing (`new`, and the id is now bound to
 * this content), the same content (`same`: a retry, with the first verdict once it is recorded), or other content
 * (`conflict`: the id was used for another order, which must be refused, never decided afresh).
 */
export type OrderBinding =
  | { status: 'new' }
  | { status: 'same'; verdict: BoundVerdict | undefined }
  | { status: 'conflict'; boundAt: number | undefined };

/**
 * The state the guard reads and writes for every order: the hot path. `Guard.check` calls `prepare`, then
 * `hold` (a held order) or `commit` (an allowed one). Methods may return values or promises.
 */
export interface GuardState {
  /** Optional start-up work (connect, load scripts). Rejections are logged, never thrown at requests. */
  init?(): Promise<void>;
  /**
   * Binds an order id to the digest of its content for the idempotency window (atomically across instances), or
   * reports what it was bound to. The verdict is recorded by `hold` and `commit` (from `evaluation.digest`).
   * Rejects when the store cannot answer.
   */
  bind(orderId: string, digest: string, now: number): Promise<OrderBinding> | OrderBinding;
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
  /**
   * Checks that the store can read and write now (a short-lived write), for readiness probes: a store out of
   * memory or a read-only replica must not report ready. Rejects when it cannot. Optional: a store without it is
   * always writable (the embedded one).
   */
  probe?(): Promise<void>;
  /**
   * Flushes anything written behind and releases connections; resolves with what could not be written (price
   * samples, voucher attempts and grants, trips, verdicts), so the process can report a lossy stop.
   */
  shutdown?(): Promise<ShutdownReport | undefined>;
}

/**
 * The review queue: held orders, their transitions and the audit trail. Each method is one step the store takes
 * atomically; what a decision then does to the guard's state (voucher uses given back, prices confirmed) and the
 * audit of on-call's controls are the review workflow's (`ReviewWorkflow`, above this port), written once for
 * every store.
 */
export interface ReviewQueue {
  /** One held order. */
  getHold(orderId: string): Promise<HeldOrder | undefined>;
  /**
   * Held orders matching a filter, in `order` (newest first by default). A cursor belongs to the order it was made
   * for; a malformed one (see `cursorProblem`) is a TypeError.
   */
  listHolds(filter: HoldFilter, limit: number, cursor?: string, order?: HoldOrder): Promise<HoldPage>;
  /** The top groups of pending holds by cause (voucher, SKU, rule), with their counts, times and money. */
  listGroups(query: GroupQuery): Promise<GroupList>;
  /**
   * The incidents: the pending holds partitioned by primary cause, the top `limit` in the query's order, with the
   * pending count of the whole queue read at the same instant.
   */
  listIncidents(query: IncidentQuery): Promise<IncidentList>;
  /** Assigns a pending hold to a reviewer, with its `claimed` audit entry, in one step. */
  claim(orderId: string, actor: string, now: number): Promise<TransitionResult>;
  /**
   * Moves a pending hold to `approved` or `rejected`, once: of several concurrent transitions exactly one wins.
   * In the same atomic step it appends the decision's audit entry and, in a store with an outbox, records the
   * decision's webhook event (`eventFor(held)`). Nothing else: the workflow does the rest.
   */
  transition(request: DecisionRequest): Promise<TransitionResult>;
  /** Appends to the audit trail. */
  audit(entry: AuditEntry): Promise<void>;
  /** The audit trail, newest first; for one order when `orderId` is given. */
  auditTrail(options: { orderId?: string; limit: number }): Promise<AuditEntry[]>;
  /** Counts for the queue gauges. */
  queueStats(now: number): Promise<QueueStats>;
}

/**
 * What the review side does to the guard's state, and reads of its trips: one plain write each, never audited
 * here (the workflow audits on-call's actions). The writes and `voucherTrip` are optional: a store without one
 * does without it, and the review API answers 501 for the control it lacks; `listTrips` is required (the trip
 * panel). A store that reserves hard-capped voucher uses must give them back
 * (`releaseUses`), or a rejected order keeps its use for good.
 */
export interface StateControls {
  /** Gives back the hard-capped voucher uses a held order reserved (called once it is rejected). */
  releaseUses?(held: HeldOrder): Promise<void>;
  /**
   * Adds unit prices a reviewer confirmed (approving an order a history rule held) to their SKUs' history in one
   * currency, as verified samples (weighted as the store's options say).
   */
  confirmPrices?(currency: string, prices: ReadonlyArray<ConfirmedPrice>, now: number): Promise<void>;
  /** Ends a code's velocity trip so its orders flow again (its counters restart). False when it is not tripped. */
  clearTrip?(code: string, now: number): Promise<boolean>;
  /** Keeps a tripped code tripped until `until` (epoch ms), past its automatic resume. False when it is not tripped. */
  extendTrip?(code: string, until: number): Promise<boolean>;
  /** Forgets a SKU's price history, in every currency. */
  forgetHistory?(sku: string): Promise<void>;
  /** Starts a SKU's history in one currency over at `price`: the next order at it is judged against it. */
  rebaseHistory?(sku: string, currency: string, price: number, now: number): Promise<void>;
  /**
   * The trip of a code as the review page's trip panel shows it (what it holds, since when, until when), or
   * undefined when the code is not tripped. Optional: both shipped stores have it.
   */
  voucherTrip?(code: string, now: number): Promise<VoucherTrip | undefined>;
  /** Every voucher code tripped now, whether or not it still has pending holds; the latest trip first. */
  listTrips(now: number): Promise<TrippedVoucher[]>;
}

/** A unit price a reviewer confirmed for a SKU. */
export interface ConfirmedPrice {
  /** The SKU, canonical (as the order parser stores it). */
  sku: string;
  /** What a unit was paid, in minor units (after its line discount). */
  unitPaid: number;
}

/** A tripped code: since when, which of its uses it holds, and what keeps it tripped. */
export interface VoucherTrip {
  voucher: string;
  /** Epoch ms it tripped. */
  trippedAt: number;
  /** When its rate was last found anomalous (it resumes `resumeAfterSeconds` after), epoch ms. */
  anomalousAt?: number;
  /** On-call keeps it tripped until then, epoch ms. */
  stickyUntil?: number;
  /**
   * Set when the trip holds only the uses that set the surge apart (its segment): the trait, the values of the
   * code's normal use that go on, the values that carried the surge. Absent: every use is held.
   */
  scope?: TripScope;
  /** The segment in words, as the reasons say it: "stacked with EXTRA (any use but its normal use: alone)". */
  segment?: string;
  /** When a scoped trip widened to every use (its normal use surged too), epoch ms. */
  widenedAt?: number;
}

/** One webhook endpoint as the outbox routes events to it: a stable id and the event types it takes. */
export interface OutboxRoute {
  /** Stable across restarts and instances (derived from the endpoint's URL); letters, digits, `_` and `-`. */
  id: string;
  /** Event types (`order.held`, `order.released`, `order.cancelled`, `voucher.tripped`) it subscribes to. */
  events: readonly string[];
}

/** What a delivery worker asks the outbox for. */
export interface OutboxClaimRequest {
  /** The endpoints this worker delivers to; events are routed to every endpoint subscribed to their type. */
  routes: readonly OutboxRoute[];
  /** Most deliveries to claim. */
  limit: number;
  /** How long a claimed delivery is this worker's, in ms; after that another worker may attempt it again. */
  leaseMs: number;
  /** Most deliveries waiting per endpoint; an event beyond that is dropped (and counted). */
  maxPending: number;
}

/** One claimed delivery: an event for one endpoint, leased to the worker that claimed it. */
export interface OutboxDelivery {
  endpointId: string;
  eventId: string;
  /** 1 for the first attempt; counts every claim, including one whose worker died. */
  attempt: number;
  /** The event's JSON, exactly as it is sent and signed. */
  body: string;
}

/** The answer to a claim. */
export interface OutboxClaim {
  deliveries: OutboxDelivery[];
  /** Deliveries waiting or in flight for the routes, plus events not yet routed. */
  pending: number;
  /** Events dropped because an endpoint's deliveries had reached `maxPending` (a running total). */
  dropped: number;
  /** Milliseconds until the next delivery is due, or undefined when none is waiting. */
  nextDueInMs: number | undefined;
}

/**
 * Where webhook events wait until an endpoint has taken them: part of the store, so in Redis they survive a
 * crash and every instance sharing the store shares them. The store records `order.held` and the decision
 * events atomically with the hold and the decision, once a worker has claimed at least once (before that, no
 * endpoint is configured and nothing is recorded). Delivery is at least once: a claimed delivery is leased,
 * and one whose worker dies is claimed again when its lease runs out.
 */
export interface EventOutbox {
  /** True when the outbox outlives the process (Redis); false for the embedded store. */
  readonly durable: boolean;
  /** Records an event not tied to a hold (a voucher trip). Resolves false if it was already recorded. */
  publish(event: { id: string; type: string }): Promise<boolean>;
  /** Routes newly recorded events to the endpoints and leases up to `limit` due deliveries to the caller. */
  claim(request: OutboxClaimRequest): Promise<OutboxClaim>;
  /**
   * Ends a claimed attempt: without `retryInMs` the delivery is done (delivered, or given up); with it the
   * delivery is due again after that many ms. Resolves false when the lease was lost (another worker claimed it).
   */
  settle(delivery: OutboxDelivery, outcome: { retryInMs?: number }): Promise<boolean>;
  /** Deliveries waiting or in flight for these routes, plus events not yet routed. */
  size(routes: readonly OutboxRoute[]): Promise<number>;
}

/**
 * A whole store: the guard's state, the review queue and the controls over them. The embedded `MemoryStore` and
 * the `RedisStore` implement it; pass the same instance to `priceGuard({ store })` and `reviewRouter({ store })`.
 * A custom store implements `GuardState` and `ReviewQueue`, and whichever `StateControls` it can.
 */
export interface GuardStore extends GuardState, ReviewQueue, StateControls {}

/**
 * A store that keeps the webhook outbox (both shipped stores do): `createWebhookDelivery` delivers from it. A store
 * without one sends no webhooks.
 */
export interface OutboxStore {
  readonly outbox: EventOutbox;
}
