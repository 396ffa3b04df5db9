// src/state/memory/hold-queue.ts
// The review queue in process memory: held orders with sorted indexes, pending aggregates and a bounded audit trail.

import type { Evaluation } from '../../core/evaluate';
import type { Order } from '../../core/order';
import type {
  AuditEntry,
  DecisionRequest,
  GroupKind,
  GroupList,
  GroupQuery,
  HeldOrder,
  HoldFilter,
  HoldOrder,
  HoldPage,
  Incident,
  IncidentList,
  IncidentQuery,
  MoneyAtStake,
  QueueStats,
  ReviewQueue,
  TransitionResult,
} from '../../ports/store';
import {
  addMoney,
  type CursorPosition,
  decodeCursor,
  encodeCursor,
  groupsOf,
  incidentId,
  matchesFilter,
  moneyOf,
  noMoney,
  sortScore,
  summarizeHold,
} from '../holds';
import { rankIncidents } from '../incidents';

/** (score, orderId) ascending: heldAt or discount, ties broken by order id. */
function compare(a: CursorPosition, b: CursorPosition): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0;
}

/** A sorted array of positions with binary-search insert, remove and seek. */
class SortedPositions {
  readonly items: CursorPosition[] = [];

  /** The index of the first item not before `position`. */
  lowerBound(position: CursorPosition): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compare(this.items[middle]!, position) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  insert(position: CursorPosition): void {
    // Holds mostly arrive in heldAt order: appending is the common case.
    const last = this.items[this.items.length - 1];
    if (last === undefined || compare(last, position) < 0) this.items.push(position);
    else this.items.splice(this.lowerBound(position), 0, position);
  }

  remove(position: CursorPosition): void {
    const index = this.lowerBound(position);
    if (index < this.items.length && compare(this.items[index]!, position) === 0) this.items.splice(index, 1);
  }
}

/** The pending holds of one cause, with their money per currency. */
interface Group {
  kind: GroupKind;
  key: string;
  /** Pending holds by heldAt: the first and last give the group's time span. */
  pending: SortedPositions;
  money: Map<string, MoneyAtStake>;
}

/** The pending holds of one primary cause: the group's parts, plus how they split by rule and payment method. */
interface IncidentGroup extends Group {
  rules: Map<string, number>;
  paymentMethods: Map<string, number>;
}

/** Adds `sign` to a count, dropping it at 0. */
function tally(map: Map<string, number>, key: string, sign: 1 | -1): void {
  const count = (map.get(key) ?? 0) + sign;
  if (count > 0) map.set(key, count);
  else map.delete(key);
}

function counts(map: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, count] of map) out[key] = count;
  return out;
}

/** Adds or removes one hold's money in a per-currency map, dropping a currency with no orders left. */
function account(map: Map<string, MoneyAtStake>, held: HeldOrder, sign: 1 | -1): void {
  let money = map.get(held.currency);
  if (money === undefined) {
    money = noMoney();
    map.set(held.currency, money);
  }
  addMoney(money, moneyOf(held), sign);
  if (money.orders <= 0) map.delete(held.currency);
}

function record(map: Map<string, MoneyAtStake>): Record<string, MoneyAtStake> {
  const out: Record<string, MoneyAtStake> = {};
  for (const [currency, money] of map) out[currency] = { ...money };
  return out;
}

/** Held orders and the audit trail of one process. */
export class MemoryHoldQueue implements ReviewQueue {
  private readonly holds = new Map<string, HeldOrder>();
  /** Every hold by (heldAt, orderId) and by (discount, orderId), for the list orders. */
  private readonly byTime = new SortedPositions();
  private readonly byMoney = new SortedPositions();
  /** Pending holds: their money per currency, and their groups by `kind:key`. */
  private readonly pendingValue = new Map<string, MoneyAtStake>();
  private readonly groups = new Map<string, Group>();
  /** Pending holds by primary cause, by incident id. */
  private readonly incidents = new Map<string, IncidentGroup>();
  private readonly log: AuditEntry[] = [];

  constructor(private readonly maxAuditEntries: number) {}

  /** Stores a hold once per order id; a retry returns the first hold with `created: false`. */
  async create(order: Order, evaluation: Evaluation, now: number) {
    const existing = this.holds.get(order.orderId);
    if (existing) return { held: existing, created: false };
    const held = summarizeHold(order, evaluation, now);
    this.holds.set(order.orderId, held);
    this.byTime.insert({ score: sortScore(held, 'newest'), orderId: held.orderId });
    this.byMoney.insert({ score: sortScore(held, 'money'), orderId: held.orderId });
    this.accountPending(held, 1);
    await this.audit({
      at: now,
      actor: 'guard',
      action: 'held',
      orderId: order.orderId,
      note: held.rules.join(', '),
    });
    return { held, created: true };
  }

  async getHold(orderId: string) {
    return this.holds.get(orderId);
  }

  async listHolds(
    filter: HoldFilter,
    limit: number,
    cursor?: string,
    order: HoldOrder = 'newest',
  ): Promise<HoldPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, order);
    if (limit <= 0) return { items: [], nextCursor: undefined };
    const index = order === 'money' ? this.byMoney.items : this.byTime.items;
    const sorted = order === 'money' ? this.byMoney : this.byTime;
    const descending = order !== 'oldest';
    // Start just past the cursor, or at the time bound the filter names (heldAt is the score of time orders).
    let position: number;
    if (descending) {
      position = index.length - 1;
      if (after) position = sorted.lowerBound(after) - 1;
      else if (order === 'newest' && filter.to !== undefined) {
        position = sorted.lowerBound({ score: filter.to, orderId: '' }) - 1;
      }
    } else {
      position = 0;
      if (after) {
        position = sorted.lowerBound(after);
        if (position < index.length && compare(index[position]!, after) === 0) position += 1;
      } else if (filter.from !== undefined) {
        position = sorted.lowerBound({ score: filter.from, orderId: '' });
      }
    }
    const step = descending ? -1 : 1;
    const items: HeldOrder[] = [];
    let last: CursorPosition | undefined;
    for (; position >= 0 && position < index.length; position += step) {
      const entry = index[position]!;
      if (order === 'newest' && filter.from !== undefined && entry.score < filter.from) break;
      if (order === 'oldest' && filter.to !== undefined && entry.score >= filter.to) break;
      if (items.length === limit) return { items, nextCursor: encodeCursor(order, last!) };
      const held = this.holds.get(entry.orderId)!;
      if (matchesFilter(held, filter)) {
        items.push(held);
        last = entry;
      }
    }
    return { items, nextCursor: undefined };
  }

  async listGroups(query: GroupQuery): Promise<GroupList> {
    const by = query.by ?? 'count';
    if (by === 'exposure' && query.currency === undefined) {
      throw new TypeError('listGroups: "currency" is required to rank groups by exposure');
    }
    const candidates: Group[] = [];
    for (const group of this.groups.values()) {
      if (query.kind !== undefined && group.kind !== query.kind) continue;
      if (by === 'exposure' && !group.money.has(query.currency!)) continue;
      candidates.push(group);
    }
    const rank = (group: Group) =>
      by === 'count' ? group.pending.items.length : group.money.get(query.currency!)!.exposure;
    candidates.sort((a, b) => rank(b) - rank(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return {
      groups: candidates.slice(0, Math.max(0, query.limit)).map((group) => ({
        kind: group.kind,
        key: group.key,
        count: group.pending.items.length,
        firstHeldAt: group.pending.items[0]!.score,
        lastHeldAt: group.pending.items[group.pending.items.length - 1]!.score,
        money: record(group.money),
      })),
      total: candidates.length,
    };
  }

  async listIncidents(query: IncidentQuery): Promise<IncidentList> {
    const all: Incident[] = [];
    for (const [id, group] of this.incidents) {
      all.push({
        id,
        cause: { kind: group.kind, key: group.key },
        count: group.pending.items.length,
        firstHeldAt: group.pending.items[0]!.score,
        lastHeldAt: group.pending.items[group.pending.items.length - 1]!.score,
        exposure: record(group.money),
        breakdown: { rules: counts(group.rules), paymentMethods: counts(group.paymentMethods) },
      });
    }
    let pending = 0;
    for (const money of this.pendingValue.values()) pending += money.orders;
    return { incidents: rankIncidents(all, query), total: all.length, pending };
  }

  async claim(orderId: string, actor: string, now: number): Promise<TransitionResult> {
    const held = this.holds.get(orderId);
    if (!held) return { ok: false, reason: 'not_found' };
    if (held.status !== 'pending') return { ok: false, reason: 'already_decided', held };
    const next: HeldOrder = { ...held, assignee: actor, version: held.version + 1, updatedAt: now };
    this.holds.set(orderId, next);
    await this.audit({ at: now, actor, action: 'claimed', orderId });
    return { ok: true, held: next };
  }

  async transition(request: DecisionRequest): Promise<TransitionResult> {
    const held = this.holds.get(request.orderId);
    if (!held) return { ok: false, reason: 'not_found' };
    if (held.status !== 'pending') return { ok: false, reason: 'already_decided', held };
    if (request.expectedVersion !== undefined && request.expectedVersion !== held.version) {
      return { ok: false, reason: 'version_conflict', held };
    }
    const next: HeldOrder = {
      ...held,
      status: request.to,
      version: held.version + 1,
      updatedAt: request.now,
      resolution: { by: request.actor, at: request.now, note: request.note },
    };
    this.holds.set(request.orderId, next);
    this.accountPending(held, -1);
    await this.audit({
      at: request.now,
      actor: request.actor,
      action: request.to,
      orderId: request.orderId,
      note: request.note,
    });
    return { ok: true, held: next };
  }

  async audit(entry: AuditEntry): Promise<void> {
    this.log.push(entry);
    if (this.log.length > this.maxAuditEntries) this.log.shift();
  }

  async auditTrail(options: { orderId?: string; limit: number }): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for (let index = this.log.length - 1; index >= 0 && out.length < options.limit; index--) {
      const entry = this.log[index]!;
      if (options.orderId === undefined || entry.orderId === options.orderId) out.push(entry);
    }
    return out;
  }

  async queueStats(): Promise<QueueStats> {
    const byStatus = { pending: 0, approved: 0, rejected: 0 };
    let oldestPendingAt: number | undefined;
    for (const held of this.holds.values()) {
      byStatus[held.status] += 1;
      if (held.status === 'pending' && (oldestPendingAt === undefined || held.heldAt < oldestPendingAt)) {
        oldestPendingAt = held.heldAt;
      }
    }
    return { byStatus, oldestPendingAt, pendingValue: record(this.pendingValue) };
  }

  /** Adds a new pending hold to the aggregates (`sign` 1), or takes a decided one out (-1). */
  private accountPending(held: HeldOrder, sign: 1 | -1): void {
    account(this.pendingValue, held, sign);
    const position = { score: held.heldAt, orderId: held.orderId };
    for (const { kind, key } of groupsOf(held)) {
      const id = `${kind}:${key}`;
      let group = this.groups.get(id);
      if (group === undefined) {
        if (sign < 0) continue;
        group = { kind, key, pending: new SortedPositions(), money: new Map() };
        this.groups.set(id, group);
      }
      if (sign > 0) group.pending.insert(position);
      else group.pending.remove(position);
      account(group.money, held, sign);
      if (group.pending.items.length === 0) this.groups.delete(id);
    }
    const id = incidentId(held.cause);
    let incident = this.incidents.get(id);
    if (incident === undefined) {
      if (sign < 0) return;
      incident = {
        ...held.cause,
        pending: new SortedPositions(),
        money: new Map(),
        rules: new Map(),
        paymentMethods: new Map(),
      };
      this.incidents.set(id, incident);
    }
    if (sign > 0) incident.pending.insert(position);
    else incident.pending.remove(position);
    account(incident.money, held, sign);
    for (const rule of held.rules) tally(incident.rules, rule, sign);
    tally(incident.paymentMethods, held.order.paymentMethod, sign);
    if (incident.pending.items.length === 0) this.incidents.delete(id);
  }
}
