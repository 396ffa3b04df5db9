// src/state/memory/hold-queue.ts
// The review queue in process memory: held orders in arrival order, and a bounded audit trail.

import type { Evaluation } from '../../core/evaluate';
import type { Order } from '../../core/order';
import { matchesFilter, summarizeHold } from '../holds';
import type {
  AuditEntry,
  DecisionRequest,
  HeldOrder,
  HoldFilter,
  HoldPage,
  QueueStats,
  ReviewQueue,
  TransitionResult,
} from '../types';

/** Held orders and the audit trail of one process. */
export class MemoryHoldQueue implements ReviewQueue {
  private readonly holds = new Map<string, HeldOrder>();
  /** Held order ids, oldest first (insertion order). */
  private readonly order: string[] = [];
  private readonly log: AuditEntry[] = [];

  constructor(private readonly maxAuditEntries: number) {}

  /** Stores a hold once per order id; a retry returns the first hold with `created: false`. */
  async create(order: Order, evaluation: Evaluation, now: number) {
    const existing = this.holds.get(order.orderId);
    if (existing) return { held: existing, created: false };
    const held = summarizeHold(order, evaluation, now);
    this.holds.set(order.orderId, held);
    this.order.push(order.orderId);
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

  async listHolds(filter: HoldFilter, limit: number, cursor?: string): Promise<HoldPage> {
    // The cursor is the position in `order` to continue below (newest first).
    let index = cursor === undefined ? this.order.length - 1 : Number.parseInt(cursor, 10) - 1;
    const items: HeldOrder[] = [];
    for (; index >= 0 && items.length < limit; index--) {
      const held = this.holds.get(this.order[index]!);
      if (held && matchesFilter(held, filter)) items.push(held);
    }
    return { items, nextCursor: index >= 0 && items.length === limit ? String(index + 1) : undefined };
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

  async decide(request: DecisionRequest): Promise<TransitionResult> {
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
    return { byStatus, oldestPendingAt };
  }
}
