// src/state/redis/hold-queue.ts
// The review queue in Redis: held orders with their indexes and audit trail, all under the `{P:q}` hash tag.

import type { Cluster, Redis } from 'ioredis';
import type { Evaluation } from '../../core/evaluate';
import type { Order } from '../../core/order';
import { matchesFilter, summarizeHold } from '../holds';
import type {
  AuditEntry,
  DecisionRequest,
  HeldOrder,
  HoldFilter,
  HoldPage,
  HoldStatus,
  QueueStats,
  ReviewQueue,
  TransitionResult,
} from '../types';
import type { Commands } from './commands';

/** Limits of the queue, from the RedisStore options. */
export interface HoldQueueLimits {
  maxAuditEntries: number;
  maxOrderAuditEntries: number;
  maxScan: number;
  decidedRetentionSeconds: number;
}

/**
 * One hash per held order (`b` immutable JSON, `s` status, `v` version, `u` updated, `h` held at, `a` assignee,
 * `r` resolution), sorted-set indexes by status, rule, SKU and voucher scored by heldAt, and audit lists. Every
 * write is one Lua script, so a hold is acknowledged only once it is indexed and exactly one decision wins.
 */
export class RedisHoldQueue implements ReviewQueue {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly commands: Commands,
    private readonly base: string,
    private readonly limits: HoldQueueLimits,
  ) {}

  /** Stores a hold once per order id; a retry returns the first hold with `created: false`. */
  async create(order: Order, evaluation: Evaluation, now: number) {
    const held = summarizeHold(order, evaluation, now);
    const body = JSON.stringify({
      orderId: held.orderId,
      order: held.order,
      decision: { ...held.decision, reviewId: held.orderId },
      heldAt: held.heldAt,
      currency: held.currency,
      listValue: held.listValue,
      discount: held.discount,
      rules: held.rules,
      skus: held.skus,
      vouchers: held.vouchers,
    });
    const audit: AuditEntry = {
      at: now,
      actor: 'guard',
      action: 'held',
      orderId: order.orderId,
      note: held.rules.join(', '),
    };
    const indexes = [
      'all',
      's:pending',
      ...held.rules.map((rule) => `rule:${rule}`),
      ...held.skus.map((sku) => `sku:${sku}`),
      ...held.vouchers.map((code) => `vch:${code}`),
    ];
    const reply = (await this.commands.holdCreate(
      this.base,
      order.orderId,
      now,
      body,
      JSON.stringify(audit),
      this.limits.maxAuditEntries,
      this.limits.maxOrderAuditEntries,
      ...indexes,
    )) as Array<number | string>;
    if (Number(reply[0]) === 1) return { held, created: true };
    return { held: this.parseHold(reply.slice(1) as string[]), created: false };
  }

  async getHold(orderId: string): Promise<HeldOrder | undefined> {
    const fields = (await this.client.hgetall(`${this.base}:h:${orderId}`)) as Record<string, string>;
    if (fields.b === undefined) return undefined;
    return this.holdFromRecord(fields);
  }

  async listHolds(filter: HoldFilter, limit: number, cursor?: string): Promise<HoldPage> {
    if (limit <= 0) return { items: [], nextCursor: undefined };
    // The most selective index the filter names; the other conditions are checked on the loaded holds.
    const index =
      filter.sku !== undefined
        ? `sku:${filter.sku}`
        : filter.voucher !== undefined
          ? `vch:${filter.voucher}`
          : filter.rule !== undefined
            ? `rule:${filter.rule}`
            : filter.status !== undefined
              ? `s:${filter.status}`
              : 'all';
    const key = `${this.base}:${index}`;
    // Cursor `heldAt:orderId`: continue strictly after that entry in (heldAt desc, orderId desc) order.
    let maxScore = filter.to === undefined ? '+inf' : `(${filter.to}`;
    let after: { score: number; member: string } | undefined;
    if (cursor !== undefined) {
      const colon = cursor.indexOf(':');
      const score = Number(cursor.slice(0, colon));
      if (colon < 1 || !Number.isFinite(score)) throw new TypeError(`listHolds: invalid cursor "${cursor}"`);
      after = { score, member: cursor.slice(colon + 1) };
      if (filter.to === undefined || score < filter.to) maxScore = String(score);
    }
    const minScore = filter.from === undefined ? '-inf' : String(filter.from);
    const items: HeldOrder[] = [];
    let last: { score: number; member: string } | undefined;
    let offset = 0;
    let scanned = 0;
    // When the index alone answers the filter (time bounds are its scores), every loaded hold is a match.
    const criteria = [filter.sku, filter.voucher, filter.rule, filter.status].filter(
      (value) => value !== undefined,
    );
    const batch = criteria.length <= 1 ? Math.max(limit, 1) : Math.max(limit * 2, 100);
    for (;;) {
      const raw = await this.client.zrevrangebyscore(
        key,
        maxScore,
        minScore,
        'WITHSCORES',
        'LIMIT',
        offset,
        batch,
      );
      if (raw.length === 0) return { items, nextCursor: undefined };
      offset += raw.length / 2;
      const entries: Array<{ member: string; score: number }> = [];
      for (let n = 0; n < raw.length; n += 2) {
        const member = raw[n]!;
        const score = Number(raw[n + 1]);
        if (after && score === after.score && member >= after.member) continue;
        entries.push({ member, score });
      }
      const pipeline = this.client.pipeline();
      for (const entry of entries) pipeline.hgetall(`${this.base}:h:${entry.member}`);
      const loaded = entries.length === 0 ? [] : ((await pipeline.exec()) ?? []);
      for (let n = 0; n < entries.length; n++) {
        const [error, fields] = loaded[n]!;
        if (error) throw error;
        last = entries[n];
        scanned += 1;
        const record = fields as Record<string, string>;
        if (record.b === undefined) continue;
        const held = this.holdFromRecord(record);
        if (matchesFilter(held, filter)) items.push(held);
        if (items.length === limit || scanned >= this.limits.maxScan) {
          return { items, nextCursor: `${last!.score}:${last!.member}` };
        }
      }
      if (raw.length / 2 < batch) return { items, nextCursor: undefined };
    }
  }

  async claim(orderId: string, actor: string, now: number): Promise<TransitionResult> {
    const audit: AuditEntry = { at: now, actor, action: 'claimed', orderId };
    return this.transition(['claim', orderId, now, actor, -1, '', '', JSON.stringify(audit)]);
  }

  async decide(request: DecisionRequest): Promise<TransitionResult> {
    const audit: AuditEntry = {
      at: request.now,
      actor: request.actor,
      action: request.to,
      orderId: request.orderId,
      note: request.note,
    };
    const resolution = { by: request.actor, at: request.now, note: request.note };
    return this.transition([
      'decide',
      request.orderId,
      request.now,
      request.actor,
      request.expectedVersion ?? -1,
      request.to,
      JSON.stringify(resolution),
      JSON.stringify(audit),
    ]);
  }

  async audit(entry: AuditEntry): Promise<void> {
    const json = JSON.stringify(entry);
    const multi = this.client.multi();
    multi.lpush(`${this.base}:audit`, json).ltrim(`${this.base}:audit`, 0, this.limits.maxAuditEntries - 1);
    if (entry.orderId !== undefined) {
      const key = `${this.base}:a:${entry.orderId}`;
      multi.lpush(key, json).ltrim(key, 0, this.limits.maxOrderAuditEntries - 1);
    }
    await multi.exec();
  }

  async auditTrail(options: { orderId?: string; limit: number }): Promise<AuditEntry[]> {
    const key = options.orderId === undefined ? `${this.base}:audit` : `${this.base}:a:${options.orderId}`;
    if (options.limit <= 0) return [];
    const raw = await this.client.lrange(key, 0, options.limit - 1);
    return raw.map((json) => JSON.parse(json) as AuditEntry);
  }

  async queueStats(_now?: number): Promise<QueueStats> {
    const pipeline = this.client.pipeline();
    pipeline
      .zcard(`${this.base}:s:pending`)
      .zcard(`${this.base}:s:approved`)
      .zcard(`${this.base}:s:rejected`);
    pipeline.zrange(`${this.base}:s:pending`, 0, 0, 'WITHSCORES');
    const results = (await pipeline.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    const oldest = results[3]![1] as string[];
    return {
      byStatus: {
        pending: Number(results[0]![1]),
        approved: Number(results[1]![1]),
        rejected: Number(results[2]![1]),
      },
      oldestPendingAt: oldest.length === 2 ? Number(oldest[1]) : undefined,
    };
  }

  /** Deletes up to `limit` decided holds past their retention; returns how many. */
  async sweep(now: number, limit: number): Promise<number> {
    return Number(await this.commands.holdSweep(this.base, now, limit));
  }

  private async transition(args: Array<string | number>): Promise<TransitionResult> {
    const reply = (await this.commands.holdTransition(
      this.base,
      ...args,
      this.limits.maxAuditEntries,
      this.limits.maxOrderAuditEntries,
      this.limits.decidedRetentionSeconds * 1000,
    )) as string[];
    const status = reply[0] as 'ok' | 'not_found' | 'already_decided' | 'version_conflict';
    if (status === 'not_found') return { ok: false, reason: 'not_found' };
    const held = this.parseHold(reply.slice(1));
    return status === 'ok' ? { ok: true, held } : { ok: false, reason: status, held };
  }

  private parseHold(flat: string[]): HeldOrder {
    const record: Record<string, string> = {};
    for (let n = 0; n < flat.length; n += 2) record[flat[n]!] = flat[n + 1]!;
    return this.holdFromRecord(record);
  }

  private holdFromRecord(record: Record<string, string>): HeldOrder {
    const base = JSON.parse(record.b!) as Omit<HeldOrder, 'status' | 'version' | 'updatedAt'>;
    return {
      ...base,
      status: record.s as HoldStatus,
      version: Number(record.v),
      updatedAt: Number(record.u),
      ...(record.a === undefined ? {} : { assignee: record.a }),
      ...(record.r === undefined ? {} : { resolution: JSON.parse(record.r) }),
    };
  }
}
