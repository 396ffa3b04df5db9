// src/state/redis/hold-queue.ts
// The review queue in Redis: held orders with their indexes and audit trail, all under the `{P:q}` hash tag.

import type { Cluster, Redis } from 'ioredis';
import type { Evaluation } from '../../core/evaluate';
import type { Order } from '../../core/order';
import {
  type AuditEntry,
  type DecisionRequest,
  GROUP_KINDS,
  type GroupKind,
  type GroupList,
  type GroupQuery,
  type HeldOrder,
  type HoldFilter,
  type HoldGroup,
  type HoldOrder,
  type HoldPage,
  type HoldStatus,
  type Incident,
  type IncidentList,
  type IncidentQuery,
  type MoneyAtStake,
  type QueueStats,
  type ReviewQueue,
  type TransitionResult,
} from '../../ports/store';
import { decisionEvent, eventId } from '../events';
import {
  type CursorPosition,
  completeHold,
  decodeCursor,
  encodeCursor,
  GROUP_PREFIX,
  incidentId,
  matchesFilter,
  noMoney,
  summarizeHold,
} from '../holds';
import { rankIncidents } from '../incidents';
import type { Commands } from './commands';
import { TurnBatcher } from './turn-batch';

/** Money per currency from an aggregate hash (fields `<CUR>:n`, `:l`, `:d`, `:t`, `:x`, `:o`, see hold-create-1.lua). */
function moneyFromHash(fields: Record<string, string>): Record<string, MoneyAtStake> {
  const out: Record<string, MoneyAtStake> = {};
  const names = {
    n: 'orders',
    l: 'listValue',
    d: 'discount',
    t: 'total',
    x: 'exposure',
    o: 'overcharge',
  } as const;
  for (const [field, value] of Object.entries(fields)) {
    const colon = field.lastIndexOf(':');
    const name = names[field.slice(colon + 1) as keyof typeof names];
    if (name === undefined) continue;
    const currency = field.slice(0, colon);
    out[currency] ??= noMoney();
    out[currency][name] = Number(value);
  }
  for (const [currency, money] of Object.entries(out)) if (money.orders <= 0) delete out[currency];
  return out;
}

/**
 * Most holds stored by one script call. Each carries its order as JSON (1 to 3 KB for a few lines) and costs
 * Redis a fraction of a millisecond: a bigger batch would block Redis longer for little gain.
 */
export const MAX_HOLD_BATCH = 64;

/** An incident's breakdown from its hash (fields `r:<rule>` and `p:<payment method>`, see hold-create-1.lua). */
function breakdownFromHash(fields: Record<string, string>): Incident['breakdown'] {
  const rules: Record<string, number> = {};
  const paymentMethods: Record<string, number> = {};
  for (const [field, value] of Object.entries(fields)) {
    const count = Number(value);
    if (!(count > 0)) continue;
    if (field.startsWith('r:')) rules[field.slice(2)] = count;
    else if (field.startsWith('p:')) paymentMethods[field.slice(2)] = count;
  }
  return { rules, paymentMethods };
}

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
  /** Holds asked for in this turn of the event loop, stored in one script call. */
  private readonly creates: TurnBatcher<Array<string | number>, Array<number | string>>;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly commands: Commands,
    private readonly base: string,
    private readonly limits: HoldQueueLimits,
  ) {
    this.creates = new TurnBatcher(MAX_HOLD_BATCH, (holds) => this.createAll(holds));
  }

  /** Stores a hold once per order id; a retry returns the first hold with `created: false`. */
  async create(order: Order, evaluation: Evaluation, now: number) {
    const held = summarizeHold(order, evaluation, now);
    const body = JSON.stringify({
      orderId: held.orderId,
      order: held.order,
      decision: Object.assign({}, held.decision, { reviewId: held.orderId }),
      heldAt: held.heldAt,
      currency: held.currency,
      listValue: held.listValue,
      discount: held.discount,
      exposure: held.exposure,
      overcharge: held.overcharge,
      cause: held.cause,
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
    const args: Array<string | number> = [
      order.orderId,
      now,
      body,
      JSON.stringify(audit),
      // While a webhook worker runs, the script records a reference to the hold under this id in the outbox; the
      // outbox expands it to the order.held event when a worker claims it (see HeldEventRef).
      eventId('order.held', order.orderId, now),
      // The amounts the queue's money aggregates count, as in the base JSON above.
      held.currency,
      held.listValue,
      held.discount,
      order.total,
      held.exposure,
      held.overcharge,
      order.paymentMethod,
      3 + held.rules.length + held.skus.length + held.vouchers.length,
      'all',
      's:pending',
    ];
    for (const rule of held.rules) args.push(`rule:${rule}`);
    for (const sku of held.skus) args.push(`sku:${sku}`);
    for (const code of held.vouchers) args.push(`vch:${code}`);
    args.push(`c:${incidentId(held.cause)}`);
    const reply = await this.creates.add(args);
    if (Number(reply[0]) === 1) return { held, created: true };
    return { held: this.parseHold(reply.slice(1) as string[]), created: false };
  }

  /** One script call for the holds of one turn of the event loop (all under the queue's hash tag). */
  private async createAll(holds: Array<Array<string | number>>): Promise<Array<Array<number | string>>> {
    const args: Array<string | number> = [this.limits.maxAuditEntries, this.limits.maxOrderAuditEntries];
    for (const hold of holds) for (const arg of hold) args.push(arg);
    return (await this.commands.holdCreate(this.base, ...args)) as Array<Array<number | string>>;
  }

  async getHold(orderId: string): Promise<HeldOrder | undefined> {
    const fields = (await this.client.hgetall(`${this.base}:h:${orderId}`)) as Record<string, string>;
    if (fields.b === undefined) return undefined;
    return this.holdFromRecord(fields);
  }

  async listHolds(
    filter: HoldFilter,
    limit: number,
    cursor?: string,
    order: HoldOrder = 'newest',
  ): Promise<HoldPage> {
    let position = cursor === undefined ? undefined : decodeCursor(cursor, order);
    if (limit <= 0) return { items: [], nextCursor: undefined };
    // The most selective index the filter names; the other conditions are checked on the loaded holds.
    const index =
      filter.incident !== undefined
        ? `c:${filter.incident}`
        : filter.sku !== undefined
          ? `sku:${filter.sku}`
          : filter.voucher !== undefined
            ? `vch:${filter.voucher}`
            : filter.rule !== undefined
              ? `rule:${filter.rule}`
              : filter.status !== undefined
                ? `s:${filter.status}`
                : 'all';
    // Money order reads the index's money-scored twin; the time orders read it by heldAt, so time bounds are scores.
    const key = order === 'money' ? `m:${index}` : index;
    const direction = order === 'oldest' ? 'asc' : 'desc';
    let start: [string, string] | undefined;
    if (position === undefined && order === 'newest' && filter.to !== undefined)
      start = [String(filter.to), '+inf'];
    if (position === undefined && order === 'oldest' && filter.from !== undefined)
      start = ['-inf', `(${filter.from}`];
    const beyond = (score: number) =>
      order === 'newest'
        ? filter.from !== undefined && score < filter.from
        : order === 'oldest' && filter.to !== undefined && score >= filter.to;
    // When the index alone answers the filter (time bounds are its scores), every loaded hold is a match.
    const criteria = [
      filter.incident,
      filter.sku,
      filter.voucher,
      filter.rule,
      filter.status,
      filter.paymentMethod,
    ].filter((value) => value !== undefined);
    const timeChecks =
      order === 'money' ? [filter.from, filter.to].filter((value) => value !== undefined) : [];
    const batch = criteria.length + timeChecks.length <= 1 ? Math.max(limit, 1) : Math.max(limit * 2, 100);
    const items: HeldOrder[] = [];
    let scanned = 0;
    for (;;) {
      const raw = (await this.commands.holdPage(
        this.base,
        key,
        direction,
        batch,
        position === undefined ? '' : position.score,
        position === undefined ? '' : position.orderId,
        start?.[0] ?? '',
        start?.[1] ?? '',
      )) as string[];
      start = undefined;
      const entries: CursorPosition[] = [];
      let ended = raw.length / 2 < batch;
      for (let n = 0; n < raw.length; n += 2) {
        const score = Number(raw[n + 1]);
        if (beyond(score)) {
          ended = true;
          break;
        }
        entries.push({ orderId: raw[n]!, score });
      }
      const pipeline = this.client.pipeline();
      for (const entry of entries) pipeline.hgetall(`${this.base}:h:${entry.orderId}`);
      const loaded = entries.length === 0 ? [] : ((await pipeline.exec()) ?? []);
      for (let n = 0; n < entries.length; n++) {
        const [error, fields] = loaded[n]!;
        if (error) throw error;
        position = entries[n]!;
        scanned += 1;
        const record = fields as Record<string, string>;
        if (record.b === undefined) continue; // swept since the index was read
        const held = this.holdFromRecord(record);
        if (matchesFilter(held, filter)) items.push(held);
        const more = n < entries.length - 1 || !ended;
        if (items.length === limit || scanned >= this.limits.maxScan) {
          return { items, nextCursor: more ? encodeCursor(order, position) : undefined };
        }
      }
      if (ended) return { items, nextCursor: undefined };
    }
  }

  async listGroups(query: GroupQuery): Promise<GroupList> {
    const by = query.by ?? 'count';
    if (by === 'exposure' && query.currency === undefined) {
      throw new TypeError('listGroups: "currency" is required to rank groups by exposure');
    }
    const kinds = query.kind === undefined ? GROUP_KINDS : [query.kind];
    const limit = Math.max(0, Math.floor(query.limit));
    const ranking = (kind: GroupKind) =>
      by === 'count'
        ? `${this.base}:gc:${GROUP_PREFIX[kind]}`
        : `${this.base}:gd:${GROUP_PREFIX[kind]}:${query.currency}`;
    // The top `limit` of each kind, merged: the top `limit` overall is among them.
    const ranked = this.client.pipeline();
    for (const kind of kinds) {
      ranked.zcard(ranking(kind));
      if (limit > 0) ranked.zrevrange(ranking(kind), 0, limit - 1, 'WITHSCORES');
    }
    const replies = (await ranked.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    let total = 0;
    const top: Array<{ kind: GroupKind; member: string; score: number }> = [];
    let reply = 0;
    for (const kind of kinds) {
      total += Number(replies[reply++]![1]);
      if (limit === 0) continue;
      const flat = replies[reply++]![1] as string[];
      for (let n = 0; n < flat.length; n += 2)
        top.push({ kind, member: flat[n]!, score: Number(flat[n + 1]) });
    }
    top.sort((a, b) => b.score - a.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
    const chosen = top.slice(0, limit);
    if (chosen.length === 0) return { groups: [], total };
    const details = this.client.pipeline();
    for (const { kind, member } of chosen) {
      details.zscore(`${this.base}:gc:${GROUP_PREFIX[kind]}`, member);
      details.zrange(`${this.base}:pg:${member}`, 0, 0, 'WITHSCORES');
      details.zrange(`${this.base}:pg:${member}`, -1, -1, 'WITHSCORES');
      details.hgetall(`${this.base}:g:${member}`);
    }
    const results = (await details.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    const groups: HoldGroup[] = [];
    chosen.forEach(({ kind, member }, index) => {
      const [count, first, last, money] = results.slice(index * 4, index * 4 + 4).map((result) => result[1]);
      const firstEntry = first as string[];
      const lastEntry = last as string[];
      // Decided between the two reads: the group is gone.
      if (count === null || firstEntry.length < 2 || lastEntry.length < 2) return;
      groups.push({
        kind,
        key: member.slice(GROUP_PREFIX[kind].length + 1),
        count: Number(count),
        firstHeldAt: Number(firstEntry[1]),
        lastHeldAt: Number(lastEntry[1]),
        money: moneyFromHash(money as Record<string, string>),
      });
    });
    return { groups, total };
  }

  async listIncidents(query: IncidentQuery): Promise<IncidentList> {
    const limit = Math.max(0, Math.floor(query.limit));
    const byCount = `${this.base}:gc:c`;
    const byExposure =
      (query.by ?? 'exposure') === 'exposure' && query.currency !== undefined
        ? `${this.base}:gd:c:${query.currency}`
        : undefined;
    // The candidates: exactly the top `limit` of a ranking set, by score then member (ties cost one more read,
    // of at most `limit` members), so the ones rankIncidents keeps are among them. By exposure, the incidents with
    // holds in the currency come first; only when they are fewer than `limit` are the others (by count) needed.
    const top = async (key: string, count: number): Promise<string[]> => {
      if (count <= 0) return [];
      const flat = (await this.client.zrevrange(key, 0, count - 1, 'WITHSCORES')) as string[];
      const members: string[] = [];
      for (let n = 0; n < flat.length; n += 2) members.push(flat[n]!);
      if (flat.length < count * 2) return members;
      const lowest = flat[flat.length - 1]!;
      const above = members.filter((_, n) => flat[n * 2 + 1] !== lowest);
      const tied = (await this.client.zrangebyscore(key, lowest, lowest, 'LIMIT', 0, count)) as string[];
      return [...above, ...tied];
    };
    const inCurrency = byExposure === undefined ? [] : await top(byExposure, limit);
    const candidates = new Set<string>(inCurrency);
    if (byExposure === undefined || inCurrency.length < limit) {
      for (const member of await top(byCount, limit + inCurrency.length)) candidates.add(member);
    }
    // One transaction (every key under the queue's hash tag): the pending count and each candidate's numbers are
    // read at the same instant, so the counts never add up to more than the pending holds.
    const members = [...candidates];
    const multi = this.client.multi();
    multi.zcard(`${this.base}:s:pending`).zcard(byCount);
    for (const member of members) {
      multi.zscore(byCount, member);
      multi.zrange(`${this.base}:pg:${member}`, 0, 0, 'WITHSCORES');
      multi.zrange(`${this.base}:pg:${member}`, -1, -1, 'WITHSCORES');
      multi.hgetall(`${this.base}:g:${member}`);
      multi.hgetall(`${this.base}:ib:${member}`);
    }
    const replies = (await multi.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    const values = replies.map((reply) => reply[1]);
    const incidents: Incident[] = [];
    members.forEach((member, index) => {
      const [count, first, last, money, breakdown] = values.slice(2 + index * 5, 7 + index * 5);
      const firstEntry = first as string[];
      const lastEntry = last as string[];
      if (count === null || firstEntry.length < 2 || lastEntry.length < 2) return; // decided meanwhile: gone
      const id = member.slice(2);
      const colon = id.indexOf(':');
      incidents.push({
        id,
        cause: { kind: id.slice(0, colon) as GroupKind, key: id.slice(colon + 1) },
        count: Number(count),
        firstHeldAt: Number(firstEntry[1]),
        lastHeldAt: Number(lastEntry[1]),
        exposure: moneyFromHash(money as Record<string, string>),
        breakdown: breakdownFromHash(breakdown as Record<string, string>),
      });
    });
    return {
      incidents: rankIncidents(incidents, query),
      total: Number(values[1]),
      pending: Number(values[0]),
    };
  }

  async claim(orderId: string, actor: string, now: number): Promise<TransitionResult> {
    const audit: AuditEntry = { at: now, actor, action: 'claimed', orderId };
    return this.run(['claim', orderId, now, actor, -1, '', '', JSON.stringify(audit)], '');
  }

  async transition(request: DecisionRequest): Promise<TransitionResult> {
    const audit: AuditEntry = {
      at: request.now,
      actor: request.actor,
      action: request.to,
      orderId: request.orderId,
      note: request.note,
    };
    const resolution = { by: request.actor, at: request.now, note: request.note };
    // Recorded with the decision in the same script (while a webhook worker runs); the router's eventFor(held)
    // builds the same event, with the same id, for in-process listeners.
    const event = JSON.stringify(
      decisionEvent({
        orderId: request.orderId,
        to: request.to,
        at: request.now,
        actor: request.actor,
        note: request.note,
      }),
    );
    return this.run(
      [
        'decide',
        request.orderId,
        request.now,
        request.actor,
        request.expectedVersion ?? -1,
        request.to,
        JSON.stringify(resolution),
        JSON.stringify(audit),
      ],
      event,
    );
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
    pipeline.hgetall(`${this.base}:pv`);
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
      pendingValue: moneyFromHash(results[4]![1] as Record<string, string>),
    };
  }

  /** Deletes up to `limit` decided holds past their retention; returns how many. */
  async sweep(now: number, limit: number): Promise<number> {
    return Number(await this.commands.holdSweep(this.base, now, limit));
  }

  /** `event`: the decision's webhook event JSON, recorded with the decision in the same script ('' for none). */
  private async run(args: Array<string | number>, event: string): Promise<TransitionResult> {
    const reply = (await this.commands.holdTransition(
      this.base,
      ...args,
      this.limits.maxAuditEntries,
      this.limits.maxOrderAuditEntries,
      this.limits.decidedRetentionSeconds * 1000,
      event,
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
    // A hold stored by an earlier version lacks exposure and cause: derived here from its order and decision.
    const base = completeHold(
      JSON.parse(record.b!) as Omit<
        HeldOrder,
        'status' | 'version' | 'updatedAt' | 'exposure' | 'overcharge' | 'cause'
      >,
    );
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
