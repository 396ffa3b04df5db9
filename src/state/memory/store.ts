// src/state/memory/store.ts
// The embedded store: the guard's state (price history, voucher counters) in process memory, plus the queue.

import type { Evaluation } from '../../core/evaluate';
import {
  type Facts,
  historyKey,
  medianOfSorted,
  NO_FACTS,
  type SkuHistory,
  sortedSamples,
  type VoucherState,
} from '../../core/facts';
import type { Order } from '../../core/order';
import { type Policy, velocityFor } from '../../core/policy';
import { eventFor, heldEvent, trippedEvent } from '../events';
import { historySamples } from '../history';
import type {
  AuditEntry,
  BoundVerdict,
  DecisionRequest,
  GroupList,
  GroupQuery,
  GuardStore,
  HeldOrder,
  HoldFilter,
  HoldOrder,
  HoldPage,
  OrderBinding,
  OutboxStore,
  QueueStats,
  TransitionResult,
} from '../types';
import { isKnownVoucher, UntrackedVouchers } from '../vouchers';
import { MemoryHoldQueue } from './hold-queue';
import { MemoryOutbox } from './outbox';

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
}

interface VoucherCounters {
  /** Attempts per minute (epoch minute -> count). */
  minutes: Map<number, number>;
  firstSeen: number;
  trippedAt?: number;
  uses: number;
  customerUses: Map<string, number>;
  /** Budget granted per currency, per budget window start (0 for lifetime). */
  granted: Map<string, number>;
}

const MINUTE = 60_000;

/** In-memory GuardStore. Everything is lost on restart: production runs use the RedisStore. */
export class MemoryStore implements GuardStore, OutboxStore {
  private readonly maxSkus: number;
  private readonly idempotencyMs: number;
  private readonly maxSeenOrders: number;
  /**
   * Price samples per SKU and currency, oldest first, with a sorted copy for the median; `fact` is computed
   * once and shared until the samples change.
   */
  private readonly history = new Map<
    string,
    { samples: number[]; sorted: number[]; fact: SkuHistory | undefined; updatedAt: number }
  >();
  private readonly vouchers = new Map<string, VoucherCounters>();
  /** Attempts of codes not yet tracked (unknown codes below `admitAfter`). */
  private readonly candidates = new UntrackedVouchers();
  /** Orders by id, oldest first, for the idempotency window: the content bound, the verdict, facts, reservations. */
  private readonly seenOrders = new Map<string, SeenOrder>();
  private readonly queue: MemoryHoldQueue;
  /** The webhook outbox: held, decision and trip events, recorded once a webhook worker has claimed. */
  readonly outbox = new MemoryOutbox();

  constructor(options: MemoryStoreOptions = {}) {
    this.maxSkus = options.maxSkus ?? 100_000;
    this.idempotencyMs = (options.idempotencySeconds ?? 86_400) * 1000;
    this.maxSeenOrders = options.maxSeenOrders ?? 1_000_000;
    this.queue = new MemoryHoldQueue(options.maxAuditEntries ?? 100_000);
  }

  bind(orderId: string, digest: string, now: number): OrderBinding {
    const seen = this.seen(orderId, now);
    if (seen === undefined) {
      this.remember(orderId, { at: now, digest, verdict: undefined, facts: undefined, reserved: [] });
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
    const seen = this.seen(order.orderId, now);
    if (seen?.facts) return seen.facts;

    const history = new Map<string, SkuHistory>();
    for (const line of order.lines) {
      const key = historyKey(line.sku, order.currency);
      const entry = this.history.get(key);
      if (entry && now - entry.updatedAt < policy.history.ttlSeconds * 1000) {
        entry.fact ??= { samples: entry.sorted.length, median: medianOfSorted(entry.sorted) };
        history.set(key, entry.fact);
      }
    }

    const vouchers = new Map<string, VoucherState>();
    const reserved: string[] = [];
    for (const { code } of order.vouchers) {
      const counters = this.track(code, policy, now);
      if (counters === undefined) continue;
      const minute = Math.floor(now / MINUTE);
      counters.minutes.set(minute, (counters.minutes.get(minute) ?? 0) + 1);
      const state = this.voucherState(code, counters, policy, now);
      const terms = policy.vouchers[code];
      if (terms?.maxUses !== undefined || terms?.maxUsesPerCustomer !== undefined) {
        const customerUses = counters.customerUses.get(order.customerId) ?? 0;
        if (terms.maxUses !== undefined && counters.uses >= terms.maxUses) state.limitReached = 'maxUses';
        else if (terms.maxUsesPerCustomer !== undefined && customerUses >= terms.maxUsesPerCustomer) {
          state.limitReached = 'maxUsesPerCustomer';
        } else {
          counters.uses += 1;
          counters.customerUses.set(order.customerId, customerUses + 1);
          reserved.push(code);
        }
        state.uses = counters.uses;
        state.customerUses = counters.customerUses.get(order.customerId) ?? 0;
      }
      if (terms?.budget?.[order.currency] !== undefined) {
        state.budgetUsed =
          counters.granted.get(this.budgetKey(order.currency, terms.budgetWindowSeconds, now)) ?? 0;
      }
      vouchers.set(code, state);
    }
    // Remembered for the idempotency window: share the empty collections rather than keep one per order.
    const facts: Facts = {
      history: history.size > 0 ? history : NO_FACTS.history,
      vouchers: vouchers.size > 0 ? vouchers : NO_FACTS.vouchers,
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
      this.outbox.record(heldEvent(created.held));
      this.applyEffects(evaluation, now);
    }
    return created;
  }

  commit(order: Order, evaluation: Evaluation, policy: Policy, now: number): void {
    this.settle(order.orderId, evaluation, now);
    this.applyEffects(evaluation, now);
    for (const sample of historySamples(evaluation))
      this.addSample(historyKey(sample.sku, order.currency), sample.unitPaid, policy, now);
    if (evaluation.decision.decision === 'allow') this.grant(order, policy, now);
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

  claim(orderId: string, actor: string, now: number): Promise<TransitionResult> {
    return this.queue.claim(orderId, actor, now);
  }

  async decide(request: DecisionRequest): Promise<TransitionResult> {
    const result = await this.queue.decide(request);
    if (result.ok) this.outbox.record(eventFor(result.held));
    if (result.ok && request.to === 'rejected') this.release(request.orderId, result.held.order);
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

  async clearVoucher(code: string, actor: string, now: number): Promise<boolean> {
    const counters = this.vouchers.get(code);
    if (!counters || counters.trippedAt === undefined) return false;
    counters.trippedAt = undefined;
    counters.minutes.clear();
    counters.firstSeen = now;
    await this.audit({ at: now, actor, action: 'voucher_cleared', voucher: code });
    return true;
  }

  async resetHistory(sku: string, actor: string, now: number): Promise<void> {
    for (const key of [...this.history.keys()]) {
      if (key.slice(key.indexOf(':') + 1) === sku) this.history.delete(key);
    }
    await this.audit({ at: now, actor, action: 'history_reset', sku });
  }

  /** The counters of a code, or undefined for an unknown code that is not (yet) worth tracking. */
  private track(code: string, policy: Policy, now: number): VoucherCounters | undefined {
    const existing = this.vouchers.get(code);
    if (existing) return existing;
    let carried = 0;
    if (!isKnownVoucher(policy, code)) {
      const { track, admitAfter, maxTracked } = policy.unknownVouchers;
      if (!track) return undefined;
      const earlier = this.candidates.admit(code, admitAfter, maxTracked, this.vouchers.size < maxTracked);
      if (earlier === undefined) return undefined;
      carried = earlier;
    }
    const counters: VoucherCounters = {
      minutes: new Map(carried > 0 ? [[Math.floor(now / MINUTE), carried]] : []),
      firstSeen: now,
      uses: 0,
      customerUses: new Map(),
      granted: new Map(),
    };
    this.vouchers.set(code, counters);
    return counters;
  }

  private voucherState(code: string, counters: VoucherCounters, policy: Policy, now: number): VoucherState {
    const velocity = velocityFor(policy, code);
    const minute = Math.floor(now / MINUTE);
    const windowMinutes = Math.max(1, Math.round(velocity.windowSeconds / 60));
    const baselineMinutes = Math.max(windowMinutes, Math.round(velocity.baselineSeconds / 60));
    let windowCount = 0;
    let baselineCount = 0;
    for (const [at, count] of counters.minutes) {
      const age = minute - at;
      if (age < windowMinutes) windowCount += count;
      else if (age < baselineMinutes) baselineCount += count;
      else counters.minutes.delete(at);
    }
    const observedSeconds = Math.floor((now - counters.firstSeen) / 1000) - windowMinutes * 60;
    return {
      windowCount,
      baselineCount,
      baselineSeconds: Math.max(0, Math.min(observedSeconds, (baselineMinutes - windowMinutes) * 60)),
      ...(counters.trippedAt === undefined ? {} : { trippedAt: counters.trippedAt }),
    };
  }

  private applyEffects(evaluation: Evaluation, now: number): void {
    for (const code of evaluation.effects.tripVouchers) {
      const counters = this.vouchers.get(code);
      if (counters && counters.trippedAt === undefined) {
        counters.trippedAt = now;
        this.outbox.record(trippedEvent(code, now));
      }
    }
  }

  private budgetKey(currency: string, windowSeconds: number | undefined, now: number): string {
    return windowSeconds === undefined
      ? `${currency}:0`
      : `${currency}:${Math.floor(now / (windowSeconds * 1000))}`;
  }

  private grant(order: Order, policy: Policy, now: number): void {
    for (const voucher of order.vouchers) {
      const terms = policy.vouchers[voucher.code];
      const counters = this.vouchers.get(voucher.code);
      if (!counters || terms?.budget?.[order.currency] === undefined) continue;
      const key = this.budgetKey(order.currency, terms.budgetWindowSeconds, now);
      counters.granted.set(key, (counters.granted.get(key) ?? 0) + voucher.discount);
    }
  }

  /** Gives back the uses a rejected order reserved. */
  private release(orderId: string, order: Order): void {
    const reserved = this.seenOrders.get(orderId)?.reserved ?? [];
    for (const code of reserved) {
      const counters = this.vouchers.get(code);
      if (!counters) continue;
      counters.uses = Math.max(0, counters.uses - 1);
      const customerUses = counters.customerUses.get(order.customerId) ?? 0;
      counters.customerUses.set(order.customerId, Math.max(0, customerUses - 1));
    }
    this.seenOrders.get(orderId)?.reserved.splice(0);
  }

  private addSample(key: string, unitPaid: number, policy: Policy, now: number): void {
    let entry = this.history.get(key);
    if (entry === undefined) {
      if (this.history.size >= this.maxSkus) this.history.delete(this.history.keys().next().value!);
      entry = { samples: [], sorted: [], fact: undefined, updatedAt: now };
    } else {
      this.history.delete(key); // re-insert to keep the map in recency order
    }
    entry.samples.push(unitPaid);
    sortedSamples.add(entry.sorted, unitPaid);
    while (entry.samples.length > policy.history.maxSamples) {
      sortedSamples.remove(entry.sorted, entry.samples.shift()!);
    }
    entry.fact = undefined;
    entry.updatedAt = now;
    this.history.set(key, entry);
  }

  /** Records the verdict an order id was given, for its retries. */
  private settle(orderId: string, evaluation: Evaluation, now: number): void {
    const seen = this.seen(orderId, now);
    if (seen === undefined || evaluation.digest === undefined || seen.digest !== evaluation.digest) return;
    const { decision, wouldDecide } = evaluation.decision;
    seen.verdict ??= { decision, wouldDecide, at: now };
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
