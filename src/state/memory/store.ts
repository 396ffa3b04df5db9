// src/state/memory/store.ts
// The embedded store: the guard's state (price history, voucher counters) in process memory, plus the queue.

import type { Evaluation } from '../../core/evaluate';
import { type Facts, historyKey, NO_FACTS, type SkuHistory, type VoucherState } from '../../core/facts';
import type { Order } from '../../core/order';
import { type Policy, parsePolicy } from '../../core/policy';
import type {
  AuditEntry,
  BoundVerdict,
  ConfirmedPrice,
  DecisionRequest,
  GroupList,
  GroupQuery,
  GuardStore,
  HeldOrder,
  HoldFilter,
  HoldOrder,
  HoldPage,
  IncidentList,
  IncidentQuery,
  OrderBinding,
  OutboxStore,
  QueueStats,
  TransitionResult,
  TrippedVoucher,
  VoucherTrip,
} from '../../ports/store';
import { eventFor, heldEvent, resumedEvent, trippedEvent } from '../events';
import { historySamples, weighted } from '../history';
import { sortTrips, tripReasons } from '../trips';
import { MemoryHoldQueue } from './hold-queue';
import { MemoryOutbox } from './outbox';
import { MemoryPriceHistory } from './price-history';
import { MemoryVoucherCounters, type TripChange } from './voucher-counters';

/** The default policy, for trips listed before any order brought the policy in force. */
const DEFAULT_POLICY = parsePolicy({});

/** Shared by every order that reserved nothing (never written to: replaced, not pushed to). */
const NO_RESERVATIONS: string[] = [];

interface SeenOrder {
  at: number;
  digest: string | undefined;
  verdict: BoundVerdict | undefined;
  facts: Facts | undefined;
  reserved: string[];
}

/** Options of the embedded store. */
export interface MemoryStoreOptions {
  /** Most SKUs (per currency) with history; the least recently updated is forgotten first. Defaults to 100,000. */
  maxSkus?: number;
  /** How long an order id stays bound to its content (retries answered, reuse refused), in s. Defaults to 86,400. */
  idempotencySeconds?: number;
  /** Most order ids remembered; the oldest is forgotten first. Defaults to 1,000,000. */
  maxSeenOrders?: number;
  /** Most audit entries kept. Defaults to 100,000. */
  maxAuditEntries?: number;
  /**
   * How many samples a price confirmed by approving a hold (one a history rule held) counts for. Defaults to 10:
   * with the default window of 101 samples, approving 6 orders at a new price moves the median to it.
   */
  approvalWeight?: number;
}

/** In-memory GuardStore. Everything is lost on restart: production runs use the RedisStore. */
export class MemoryStore implements GuardStore, OutboxStore {
  private readonly idempotencyMs: number;
  private readonly maxSeenOrders: number;
  private readonly approvalWeight: number;
  private readonly history: MemoryPriceHistory;
  private readonly vouchers = new MemoryVoucherCounters();
  /** The policy of the latest order: approved samples are windowed by its history limits. */
  private lastPolicy: Policy | undefined;
  /** Orders by id, oldest first, for the idempotency window: the content bound, the verdict, facts, reservations. */
  private readonly seenOrders = new Map<string, SeenOrder>();
  private readonly queue: MemoryHoldQueue;
  /** The webhook outbox: held, decision and trip events, recorded once a webhook worker has claimed. */
  readonly outbox = new MemoryOutbox();

  constructor(options: MemoryStoreOptions = {}) {
    this.history = new MemoryPriceHistory(options.maxSkus ?? 100_000);
    this.approvalWeight = options.approvalWeight ?? 10;
    this.idempotencyMs = (options.idempotencySeconds ?? 86_400) * 1000;
    this.maxSeenOrders = options.maxSeenOrders ?? 1_000_000;
    this.queue = new MemoryHoldQueue(options.maxAuditEntries ?? 100_000);
  }

  bind(orderId: string, digest: string, now: number): OrderBinding {
    const seen = this.seen(orderId, now);
    if (seen === undefined) {
      this.remember(orderId, {
        at: now,
        digest,
        verdict: undefined,
        facts: undefined,
        reserved: NO_RESERVATIONS,
      });
      return { status: 'new' };
    }
    if (seen.digest === undefined) {
      seen.digest = digest;
      return { status: 'new' };
    }
    return seen.digest === digest
      ? { status: 'same', verdict: seen.verdict }
      : { status: 'conflict', boundAt: seen.at };
  }

  prepare(order: Order, policy: Policy, now: number): Facts {
    this.lastPolicy = policy;
    const seen = this.seen(order.orderId, now);
    if (seen?.facts) return seen.facts;
    // A retry of an allowed order is answered from its binding; nothing is counted again, no facts are needed.
    if (seen?.verdict?.decision === 'allow') return NO_FACTS;

    const history = new Map<string, SkuHistory>();
    for (const line of order.lines) {
      const key = historyKey(line.sku, order.currency);
      if (history.has(key)) continue;
      const fact = this.history.fact(line.sku, order.currency, policy, now);
      if (fact !== undefined) history.set(key, fact);
    }

    const traffic = this.vouchers.countTraffic(policy, now);
    const vouchers = new Map<string, VoucherState>();
    let reserved = NO_RESERVATIONS;
    for (const { code } of order.vouchers) {
      if (vouchers.has(code)) continue;
      const counted = this.vouchers.count(code, order, policy, now);
      if (counted === undefined) continue;
      vouchers.set(code, counted.state);
      if (counted.reserved) reserved = [...reserved, code];
    }
    // Remembered for the idempotency window: share the empty collections rather than keep one per order.
    const facts: Facts = {
      history: history.size > 0 ? history : NO_FACTS.history,
      vouchers: vouchers.size > 0 ? vouchers : NO_FACTS.vouchers,
      traffic,
      unavailable: NO_FACTS.unavailable,
    };
    if (seen) {
      seen.facts = facts;
      seen.reserved = reserved;
    } else {
      this.remember(order.orderId, { at: now, digest: undefined, verdict: undefined, facts, reserved });
    }
    return facts;
  }

  async hold(order: Order, evaluation: Evaluation, _policy: Policy, now: number) {
    const created = await this.queue.create(order, evaluation, now);
    if (created.created) {
      // Built only when a webhook worker is running: during a leak, every held order comes through here.
      if (this.outbox.recording) this.outbox.record(heldEvent(created.held));
      await this.announce(this.vouchers.apply(evaluation.effects, now, tripReasons(evaluation)));
    }
    return created;
  }

  commit(order: Order, evaluation: Evaluation, policy: Policy, now: number): void {
    this.settle(order.orderId, evaluation, now);
    void this.announce(
      this.vouchers.apply(
        evaluation.effects,
        now,
        evaluation.effects.tripVouchers.length > 0 ? tripReasons(evaluation) : undefined,
      ),
    );
    for (const sample of historySamples(evaluation)) {
      this.history.add(sample.sku, order.currency, [{ price: sample.unitPaid, at: now }], policy, false);
    }
    if (evaluation.decision.decision === 'allow') this.vouchers.grant(order, policy, now);
  }

  getHold(orderId: string): Promise<HeldOrder | undefined> {
    return this.queue.getHold(orderId);
  }

  listHolds(filter: HoldFilter, limit: number, cursor?: string, order?: HoldOrder): Promise<HoldPage> {
    return this.queue.listHolds(filter, limit, cursor, order);
  }

  listGroups(query: GroupQuery): Promise<GroupList> {
    return this.queue.listGroups(query);
  }

  listIncidents(query: IncidentQuery): Promise<IncidentList> {
    return this.queue.listIncidents(query);
  }

  claim(orderId: string, actor: string, now: number): Promise<TransitionResult> {
    return this.queue.claim(orderId, actor, now);
  }

  async transition(request: DecisionRequest): Promise<TransitionResult> {
    const result = await this.queue.transition(request);
    if (result.ok) this.outbox.record(eventFor(result.held));
    return result;
  }

  audit(entry: AuditEntry): Promise<void> {
    return this.queue.audit(entry);
  }

  auditTrail(options: { orderId?: string; limit: number }): Promise<AuditEntry[]> {
    return this.queue.auditTrail(options);
  }

  queueStats(): Promise<QueueStats> {
    return this.queue.queueStats();
  }

  async releaseUses(held: HeldOrder): Promise<void> {
    const seen = this.seenOrders.get(held.orderId);
    this.vouchers.release(seen?.reserved ?? [], held.order.customerId);
    if (seen) seen.reserved = NO_RESERVATIONS;
  }

  async confirmPrices(currency: string, prices: ReadonlyArray<ConfirmedPrice>, now: number): Promise<void> {
    // Windowed by the history limits of the policy in force (the latest order's); none before the first order.
    if (this.lastPolicy === undefined) return;
    for (const { sku, unitPaid } of prices) {
      this.history.add(sku, currency, weighted(unitPaid, this.approvalWeight, now), this.lastPolicy, true);
    }
  }

  async voucherTrip(code: string, _now: number): Promise<VoucherTrip | undefined> {
    return this.vouchers.trip(code);
  }

  async listTrips(now: number): Promise<TrippedVoucher[]> {
    return sortTrips(this.vouchers.trips(this.lastPolicy ?? DEFAULT_POLICY, now));
  }

  async clearTrip(code: string, now: number): Promise<boolean> {
    return this.vouchers.clear(code, now);
  }

  async extendTrip(code: string, until: number): Promise<boolean> {
    return this.vouchers.extend(code, until);
  }

  async forgetHistory(sku: string): Promise<void> {
    this.history.reset(sku);
  }

  async rebaseHistory(sku: string, currency: string, price: number, now: number): Promise<void> {
    this.history.rebase(sku, currency, price, now);
  }

  /** Audits and announces trips and resumes. */
  private async announce(changes: readonly TripChange[]): Promise<void> {
    for (const change of changes) {
      if (change.kind === 'tripped') {
        this.outbox.record(trippedEvent(change.code, change.trippedAt, change.scope));
      } else if (change.kind === 'widened') {
        this.outbox.record(trippedEvent(change.code, change.trippedAt, undefined, change.at));
      } else {
        this.outbox.record(resumedEvent(change.code, change.trippedAt, change.at));
        await this.audit({
          at: change.at,
          actor: 'guard',
          action: 'voucher_resumed',
          voucher: change.code,
          note: `tripped at ${new Date(change.trippedAt).toISOString()}; its rate has been normal since`,
        });
      }
    }
  }

  /** Records the verdict an order id was given, for its retries. */
  private settle(orderId: string, evaluation: Evaluation, now: number): void {
    const seen = this.seen(orderId, now);
    if (seen === undefined || evaluation.digest === undefined || seen.digest !== evaluation.digest) return;
    const { decision, wouldDecide } = evaluation.decision;
    seen.verdict ??= { decision, wouldDecide, at: now };
    if (seen.verdict.decision === 'allow') {
      // Settled: a retry gets the first answer from the binding, so the facts need not stay for the whole window.
      seen.facts = undefined;
      seen.reserved = NO_RESERVATIONS;
    }
  }

  /** The order remembered under `orderId`, unless its idempotency window has passed. */
  private seen(orderId: string, now: number): SeenOrder | undefined {
    const seen = this.seenOrders.get(orderId);
    return seen !== undefined && now - seen.at < this.idempotencyMs ? seen : undefined;
  }

  private remember(orderId: string, seen: SeenOrder): void {
    this.seenOrders.delete(orderId);
    this.seenOrders.set(orderId, seen);
    for (const [id, old] of this.seenOrders) {
      if (seen.at - old.at < this.idempotencyMs && this.seenOrders.size <= this.maxSeenOrders) break;
      this.seenOrders.delete(id);
    }
  }
}
