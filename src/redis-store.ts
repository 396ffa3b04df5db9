// src/redis-store.ts
// The shared store: GuardStore on Redis or Redis Cluster, with a local cache and write-behind on the hot path.

import type { Cluster, Redis } from 'ioredis';
import type { Evaluation } from './evaluate';
import {
  type Facts,
  historyKey,
  medianOfSorted,
  NO_FACTS,
  type SkuHistory,
  sortAscending,
  sortedSamples,
  type VoucherState,
} from './facts';
import type { Logger } from './guard';
import type { Order } from './order';
import { type Policy, velocityFor } from './policy';
import { SCRIPTS, type ScriptName } from './redis-scripts';
import {
  type AuditEntry,
  type DecisionRequest,
  type GuardStore,
  type HeldOrder,
  type HoldFilter,
  type HoldPage,
  type HoldStatus,
  historySamples,
  isKnownVoucher,
  matchesFilter,
  type QueueStats,
  summarizeHold,
  type TransitionResult,
  UntrackedVouchers,
} from './store';

/** Options of the Redis store. */
export interface RedisStoreOptions {
  /** An ioredis client or Cluster; see `createRedisClient` in src/redis-connection.ts for fail-fast settings. */
  client: Redis | Cluster;
  /** Namespace of every key. Defaults to `cpg`. */
  prefix?: string;
  /** How often buffered counts and samples are written (write-behind), in ms. Defaults to 200. */
  flushIntervalMs?: number;
  /** Age after which a cached SKU history is refreshed in the background, in ms. Defaults to 1,000. */
  historyRefreshMs?: number;
  /** Age after which a cached voucher state is refreshed at the next flush, in ms. Defaults to 500. */
  voucherRefreshMs?: number;
  /** Most SKU histories cached in this process. Defaults to 100,000. */
  maxCachedSkus?: number;
  /** Most voucher states cached in this process. Defaults to 10,000. */
  maxCachedVouchers?: number;
  /** How long this process remembers an order id's facts for idempotent resubmission, in s. Defaults to 86,400. */
  idempotencySeconds?: number;
  /** Most order ids remembered for idempotency in this process. Defaults to 100,000. */
  maxSeenOrders?: number;
  /** How long Redis remembers that an order's voucher attempt was counted (across instances), in s. Defaults to 900. */
  dedupeSeconds?: number;
  /** Most entries of the global audit list. Defaults to 100,000. */
  maxAuditEntries?: number;
  /** Most audit entries kept per held order. Defaults to 100. */
  maxOrderAuditEntries?: number;
  /** Most index entries examined by one `listHolds` call before it returns a partial page. Defaults to 20,000. */
  maxScan?: number;
  /**
   * How long a decided (approved or rejected) hold is kept before it is deleted with its index entries and audit
   * list, in s; 0 keeps decided holds forever. Pending holds are never deleted. Defaults to 2,592,000 (30 days).
   */
  decidedRetentionSeconds?: number;
  /** Quit the client on `shutdown`. Defaults to false (the caller owns the client). */
  closeClient?: boolean;
  /** Where background write failures go. Defaults to silence. */
  logger?: Logger;
}

type Commands = {
  [name in ScriptName]: (key: string, ...args: Array<string | number>) => Promise<unknown>;
};

interface Attempt {
  orderId: string;
  minute: number;
}

interface VoucherSnapshot {
  windowCount: number;
  baselineCount: number;
  firstSeen: number;
  trippedAt: number | undefined;
  /** Budget granted per `${suffix}|${currency}`. */
  budget: Map<string, number>;
  budgetSuffix: string;
  fetchedAt: number;
}

interface VoucherParams {
  windowMinutes: number;
  baselineMinutes: number;
  ttlSeconds: number;
  budgetSuffix: string;
  budgetTtlSeconds: number;
  maxTracked: number;
}

interface VoucherEntry {
  code: string;
  snapshot: VoucherSnapshot | undefined;
  params: VoucherParams;
  pending: Attempt[];
  inflight: Attempt[];
  /** Grants per `${suffix}|${currency}`, not yet written / being written. */
  pendingGrants: Map<string, number>;
  inflightGrants: Map<string, number>;
  trip: boolean;
  localTrippedAt: number | undefined;
  unknown: boolean;
  admitted: boolean;
  wantRefresh: boolean;
  usedAt: number;
  /** The latest order time seen for the code (the guard's clock, which tests may set). */
  now: number;
}

interface HistoryEntry {
  /** Newest first, Redis samples plus this process's unflushed ones. */
  samples: number[];
  /** `samples` in ascending order, kept up to date by commits; undefined after a reload from Redis. */
  sorted: number[] | undefined;
  /** The fact over `samples`, computed once and shared by every order until the samples change. */
  fact: SkuHistory | undefined;
  pending: number[];
  fetchedAt: number;
  refreshing: boolean;
  maxSamples: number;
  ttlMs: number;
}

const MINUTE = 60_000;
const SILENT: Logger = { warn() {}, error() {} };

/** Resolved options with defaults applied. */
const DEFAULTS = {
  prefix: 'cpg',
  flushIntervalMs: 200,
  historyRefreshMs: 1_000,
  voucherRefreshMs: 500,
  maxCachedSkus: 100_000,
  maxCachedVouchers: 10_000,
  idempotencySeconds: 86_400,
  maxSeenOrders: 100_000,
  dedupeSeconds: 900,
  maxAuditEntries: 100_000,
  maxOrderAuditEntries: 100,
  maxScan: 20_000,
  decidedRetentionSeconds: 30 * 86_400,
  closeClient: false,
};

function sumMap(map: Map<string, number>, key: string): number {
  return map.get(key) ?? 0;
}

function addTo(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

/**
 * GuardStore on Redis. Held orders and hard voucher caps are written synchronously (Lua, one slot each);
 * price samples, voucher attempts and budget grants are buffered and written every `flushIntervalMs`; facts
 * come from a local cache that is refreshed in the background. See docs/redis.md.
 */
export class RedisStore implements GuardStore {
  private readonly client: Redis | Cluster;
  private readonly commands: Commands;
  private readonly options: typeof DEFAULTS;
  private readonly logger: Logger;
  private readonly history = new Map<string, HistoryEntry>();
  private readonly vouchers = new Map<string, VoucherEntry>();
  /** Attempts of unknown codes not yet tracked. */
  private readonly candidates = new UntrackedVouchers();
  /** Unknown codes Redis refused to track (maxTracked reached), until the epoch ms given. */
  private readonly refused = new Map<string, number>();
  private readonly seen = new Map<string, { at: number; facts: Facts }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastSweep = 0;
  private closed = false;

  constructor(options: RedisStoreOptions) {
    if (options?.client === undefined || typeof options.client.defineCommand !== 'function') {
      throw new TypeError('RedisStore: option "client" must be an ioredis Redis or Cluster instance');
    }
    this.client = options.client;
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    this.options = { ...DEFAULTS, ...given } as typeof DEFAULTS;
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(this.options.prefix)) {
      throw new TypeError(
        `RedisStore: option "prefix" must be 1-64 letters, digits, "_", ".", ":" or "-"; got ${JSON.stringify(this.options.prefix)}`,
      );
    }
    this.logger = options.logger ?? SILENT;
    for (const [name, definition] of Object.entries(SCRIPTS)) this.client.defineCommand(name, definition);
    this.commands = this.client as unknown as Commands;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Waits until the client is connected (at most `timeoutMs`); rejects otherwise. */
  async init(timeoutMs = 5_000): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`RedisStore: Redis not ready within ${timeoutMs} ms (status ${this.client.status})`),
        );
      }, timeoutMs);
      const ready = () => {
        cleanup();
        resolve();
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.client.off('ready', ready);
      };
      this.client.on('ready', ready);
    });
  }

  // Keys. Every key of one SKU, one voucher or the review queue shares one hash tag (one cluster slot).
  private skuBase(sku: string): string {
    return `{${this.options.prefix}:h:${sku}}`;
  }
  private voucherBase(code: string): string {
    return `{${this.options.prefix}:v:${code}}`;
  }
  private get queueBase(): string {
    return `{${this.options.prefix}:q}`;
  }
  private get unknownKey(): string {
    return `{${this.options.prefix}:unknown}`;
  }

  async prepare(order: Order, policy: Policy, now: number): Promise<Facts> {
    try {
      return await this.prepareFacts(order, policy, now);
    } catch (error) {
      this.logger.warn({ err: error, orderId: order.orderId }, 'price guard: Redis facts unavailable');
      return { history: new Map(), vouchers: new Map(), unavailable: new Set(['history', 'vouchers']) };
    }
  }

  private async prepareFacts(order: Order, policy: Policy, now: number): Promise<Facts> {
    const seen = this.seen.get(order.orderId);
    if (seen && now - seen.at < this.options.idempotencySeconds * 1000) return seen.facts;
    const unavailable = new Set<'history' | 'vouchers'>();
    const history = new Map<string, SkuHistory>();
    const vouchers = new Map<string, VoucherState>();
    const waits: Array<Promise<void>> = [];

    for (const line of order.lines) {
      const key = historyKey(line.sku, order.currency);
      if (history.has(key)) continue;
      const entry = this.history.get(key);
      if (entry === undefined) {
        waits.push(
          this.fetchHistory(line.sku, order.currency, policy).then(
            (fetched) => {
              if (fetched.samples.length > 0) history.set(key, this.historyFact(fetched));
            },
            () => void unavailable.add('history'),
          ),
        );
        continue;
      }
      this.touchLru(this.history, key, entry);
      if (Date.now() - entry.fetchedAt > this.options.historyRefreshMs) {
        void this.fetchHistory(line.sku, order.currency, policy).catch(() => {});
      }
      if (entry.samples.length > 0) history.set(key, this.historyFact(entry));
    }

    for (const { code } of order.vouchers) {
      if (vouchers.has(code)) continue;
      const entry = this.track(code, policy, now);
      if (entry === undefined) continue;
      const terms = policy.vouchers[code];
      const capped = terms?.maxUses !== undefined || terms?.maxUsesPerCustomer !== undefined;
      const minute = Math.floor(now / MINUTE);
      if (capped || (entry.snapshot === undefined && !entry.unknown)) {
        // Cold cache or a hard cap: one script call counts this attempt, reserves a use and reads the state.
        waits.push(
          this.touchVoucher(entry, { orderId: order.orderId, minute }, capped ? { order, policy } : undefined)
            .then((reservation) => {
              const state = this.voucherState(entry, order, policy, now);
              if (reservation) Object.assign(state, reservation);
              vouchers.set(code, state);
            })
            .catch(() => void unavailable.add('vouchers')),
        );
      } else {
        entry.pending.push({ orderId: order.orderId, minute });
        vouchers.set(code, this.voucherState(entry, order, policy, now));
      }
    }
    if (waits.length > 0) await Promise.all(waits);
    if (unavailable.size > 0) return { history, vouchers, unavailable };
    // Remembered for the idempotency window: share the empty collections rather than keep one per order.
    const facts: Facts = {
      history: history.size > 0 ? history : NO_FACTS.history,
      vouchers: vouchers.size > 0 ? vouchers : NO_FACTS.vouchers,
      unavailable: NO_FACTS.unavailable,
    };
    this.remember(order.orderId, now, facts);
    return facts;
  }

  async hold(order: Order, evaluation: Evaluation, _policy: Policy, now: number) {
    const held = summarizeHold(order, evaluation, now);
    // Trips are sticky in Redis before the hold is acknowledged; a failed trip stays buffered and is retried.
    if (evaluation.effects.tripVouchers.length > 0) {
      this.applyTrips(evaluation.effects.tripVouchers, now);
      await Promise.all(
        evaluation.effects.tripVouchers.map((code) => {
          const entry = this.vouchers.get(code);
          return entry ? this.flushVoucher(entry).catch(() => {}) : undefined;
        }),
      );
    }
    const base = JSON.stringify({
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
    const reply = (await this.commands.cpgHoldCreateV1(
      this.queueBase,
      order.orderId,
      now,
      base,
      JSON.stringify(audit),
      this.options.maxAuditEntries,
      this.options.maxOrderAuditEntries,
      ...indexes,
    )) as Array<number | string>;
    if (Number(reply[0]) === 1) return { held, created: true };
    return { held: this.parseHold(reply.slice(1) as string[]), created: false };
  }

  commit(order: Order, evaluation: Evaluation, policy: Policy, now: number): void {
    this.applyTrips(evaluation.effects.tripVouchers, now);
    for (const sample of historySamples(evaluation)) {
      const key = historyKey(sample.sku, order.currency);
      let entry = this.history.get(key);
      if (entry === undefined) {
        entry = this.newHistoryEntry(policy, 0);
        this.setLru(this.history, key, entry, this.options.maxCachedSkus);
      }
      entry.pending.push(sample.unitPaid);
      entry.samples.unshift(sample.unitPaid);
      if (entry.sorted) sortedSamples.add(entry.sorted, sample.unitPaid);
      while (entry.samples.length > policy.history.maxSamples) {
        const dropped = entry.samples.pop()!;
        if (entry.sorted) sortedSamples.remove(entry.sorted, dropped);
      }
      entry.fact = undefined;
      entry.maxSamples = policy.history.maxSamples;
      entry.ttlMs = policy.history.ttlSeconds * 1000;
    }
    if (evaluation.decision.decision !== 'allow') return;
    for (const voucher of order.vouchers) {
      const terms = policy.vouchers[voucher.code];
      const entry = this.vouchers.get(voucher.code);
      if (!entry || terms?.budget?.[order.currency] === undefined) continue;
      addTo(
        entry.pendingGrants,
        `${this.budgetSuffix(terms.budgetWindowSeconds, now)}|${order.currency}`,
        voucher.discount,
      );
    }
  }

  async getHold(orderId: string): Promise<HeldOrder | undefined> {
    const fields = (await this.client.hgetall(`${this.queueBase}:h:${orderId}`)) as Record<string, string>;
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
    const key = `${this.queueBase}:${index}`;
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
      for (const entry of entries) pipeline.hgetall(`${this.queueBase}:h:${entry.member}`);
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
        if (items.length === limit || scanned >= this.options.maxScan) {
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
    const result = await this.transition([
      'decide',
      request.orderId,
      request.now,
      request.actor,
      request.expectedVersion ?? -1,
      request.to,
      JSON.stringify(resolution),
      JSON.stringify(audit),
    ]);
    if (result.ok && request.to === 'rejected') {
      // A rejected order gives back the hard-capped uses it reserved (each code in its own slot).
      await Promise.all(
        result.held.vouchers.map((code) =>
          this.commands.cpgVoucherReleaseV1(this.voucherBase(code), request.orderId).catch((error) => {
            this.logger.error(
              { err: error, orderId: request.orderId, voucher: code },
              'price guard: could not release a voucher reservation',
            );
          }),
        ),
      );
    }
    return result;
  }

  async audit(entry: AuditEntry): Promise<void> {
    const json = JSON.stringify(entry);
    const multi = this.client.multi();
    multi
      .lpush(`${this.queueBase}:audit`, json)
      .ltrim(`${this.queueBase}:audit`, 0, this.options.maxAuditEntries - 1);
    if (entry.orderId !== undefined) {
      const key = `${this.queueBase}:a:${entry.orderId}`;
      multi.lpush(key, json).ltrim(key, 0, this.options.maxOrderAuditEntries - 1);
    }
    await multi.exec();
  }

  async auditTrail(options: { orderId?: string; limit: number }): Promise<AuditEntry[]> {
    const key =
      options.orderId === undefined ? `${this.queueBase}:audit` : `${this.queueBase}:a:${options.orderId}`;
    if (options.limit <= 0) return [];
    const raw = await this.client.lrange(key, 0, options.limit - 1);
    return raw.map((json) => JSON.parse(json) as AuditEntry);
  }

  async clearVoucher(code: string, actor: string, now: number): Promise<boolean> {
    const entry = this.vouchers.get(code);
    const ttl = entry?.params.ttlSeconds ?? 2 * 86_400;
    const cleared = Number(await this.commands.cpgVoucherClearV1(this.voucherBase(code), now, ttl)) === 1;
    if (entry) {
      entry.localTrippedAt = undefined;
      entry.trip = false;
      entry.pending = [];
      entry.snapshot = undefined; // the next order reads the cleared state from Redis
    }
    if (!cleared) return false;
    await this.audit({ at: now, actor, action: 'voucher_cleared', voucher: code });
    return true;
  }

  async resetHistory(sku: string, actor: string, now: number): Promise<void> {
    await this.commands.cpgHistoryResetV1(this.skuBase(sku));
    for (const key of [...this.history.keys()]) {
      if (key.slice(key.indexOf(':') + 1) === sku) this.history.delete(key);
    }
    await this.audit({ at: now, actor, action: 'history_reset', sku });
  }

  async queueStats(_now?: number): Promise<QueueStats> {
    const base = this.queueBase;
    const pipeline = this.client.pipeline();
    pipeline.zcard(`${base}:s:pending`).zcard(`${base}:s:approved`).zcard(`${base}:s:rejected`);
    pipeline.zrange(`${base}:s:pending`, 0, 0, 'WITHSCORES');
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

  /**
   * Writes everything buffered (voucher attempts, grants, trips, price samples) and refreshes stale voucher
   * states: one script call per code or SKU, sent together. Never rejects; failed writes stay buffered.
   */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.flushNow().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Flushes the write-behind buffer, stops the timer and (with `closeClient`) quits the client. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    await this.flush(); // anything buffered while the first flush ran
    if (this.options.closeClient) await this.client.quit().catch(() => this.client.disconnect());
  }

  private async flushNow(): Promise<void> {
    const work: Array<Promise<unknown>> = [];
    const wall = Date.now();
    for (const [key, entry] of this.history) {
      if (entry.pending.length === 0) continue;
      const colon = key.indexOf(':');
      work.push(this.pushHistory(key.slice(colon + 1), key.slice(0, colon), entry).catch(() => {}));
    }
    for (const entry of this.vouchers.values()) {
      const stale =
        entry.snapshot !== undefined &&
        wall - entry.snapshot.fetchedAt > this.options.voucherRefreshMs &&
        wall - entry.usedAt < 60_000;
      if (
        entry.pending.length > 0 ||
        entry.pendingGrants.size > 0 ||
        entry.trip ||
        entry.wantRefresh ||
        stale
      ) {
        work.push(this.flushVoucher(entry).catch(() => {}));
      }
    }
    if (wall - this.lastSweep > 10_000) {
      this.lastSweep = wall;
      work.push(this.sweep(wall).catch(() => {}));
    }
    await Promise.all(work);
  }

  /** Deletes up to `limit` decided holds past their retention; returns how many. Runs every ~10 s from flush. */
  async sweep(now = Date.now(), limit = 200): Promise<number> {
    return Number(await this.commands.cpgHoldSweepV1(this.queueBase, now, limit));
  }

  private async pushHistory(sku: string, currency: string, entry: HistoryEntry): Promise<void> {
    const samples = entry.pending.splice(0);
    // Oldest first, so the list ends newest first after LPUSH.
    try {
      const remote = (await this.commands.cpgHistoryPushV1(
        this.skuBase(sku),
        currency,
        entry.maxSamples,
        entry.ttlMs,
        ...samples,
      )) as string[];
      entry.samples = [...[...entry.pending].reverse(), ...remote.map(Number)].slice(0, entry.maxSamples);
      entry.sorted = undefined;
      entry.fact = undefined;
      entry.fetchedAt = Date.now();
    } catch (error) {
      entry.pending.unshift(...samples.slice(-entry.maxSamples));
      this.logger.warn({ err: error, sku }, 'price guard: could not write price samples; will retry');
      throw error;
    }
  }

  private async fetchHistory(sku: string, currency: string, policy: Policy): Promise<HistoryEntry> {
    const key = historyKey(sku, currency);
    let entry = this.history.get(key);
    if (entry?.refreshing) return entry;
    if (entry) entry.refreshing = true;
    try {
      const remote = await this.client.lrange(
        `${this.skuBase(sku)}:${currency}`,
        0,
        policy.history.maxSamples - 1,
      );
      entry = this.history.get(key) ?? this.newHistoryEntry(policy, 0);
      entry.samples = [...[...entry.pending].reverse(), ...remote.map(Number)].slice(
        0,
        policy.history.maxSamples,
      );
      entry.sorted = undefined;
      entry.fact = undefined;
      entry.fetchedAt = Date.now();
      entry.maxSamples = policy.history.maxSamples;
      entry.ttlMs = policy.history.ttlSeconds * 1000;
      this.setLru(this.history, key, entry, this.options.maxCachedSkus);
      return entry;
    } finally {
      if (entry) entry.refreshing = false;
    }
  }

  private newHistoryEntry(policy: Policy, fetchedAt: number): HistoryEntry {
    return {
      samples: [],
      sorted: [],
      fact: undefined,
      pending: [],
      fetchedAt,
      refreshing: false,
      maxSamples: policy.history.maxSamples,
      ttlMs: policy.history.ttlSeconds * 1000,
    };
  }

  private historyFact(entry: HistoryEntry): SkuHistory {
    entry.sorted ??= sortAscending(entry.samples);
    entry.fact ??= { samples: entry.sorted.length, median: medianOfSorted(entry.sorted) };
    return entry.fact;
  }

  /** The local entry of a code, or undefined for an unknown code not (yet) worth tracking (see MemoryStore). */
  private track(code: string, policy: Policy, now: number): VoucherEntry | undefined {
    const params = this.voucherParams(code, policy, now);
    const existing = this.vouchers.get(code);
    if (existing) {
      existing.params = params;
      existing.usedAt = Date.now();
      existing.now = Math.max(existing.now, now);
      this.touchLru(this.vouchers, code, existing);
      return existing;
    }
    const known = isKnownVoucher(policy, code);
    let carried = 0;
    if (!known) {
      const { track, admitAfter, maxTracked } = policy.unknownVouchers;
      if (!track) return undefined;
      const refusedUntil = this.refused.get(code);
      if (refusedUntil !== undefined && refusedUntil > Date.now()) return undefined;
      const earlier = this.candidates.admit(code, admitAfter, maxTracked);
      if (earlier === undefined) return undefined;
      carried = earlier;
    }
    const minute = Math.floor(now / MINUTE);
    const entry: VoucherEntry = {
      code,
      snapshot: undefined,
      params,
      pending: Array.from({ length: carried }, () => ({ orderId: '', minute })),
      inflight: [],
      pendingGrants: new Map(),
      inflightGrants: new Map(),
      trip: false,
      localTrippedAt: undefined,
      unknown: !known,
      admitted: known,
      wantRefresh: false,
      usedAt: Date.now(),
      now,
    };
    this.setLru(this.vouchers, code, entry, this.options.maxCachedVouchers);
    return entry;
  }

  private voucherParams(code: string, policy: Policy, now: number): VoucherParams {
    const velocity = velocityFor(policy, code);
    const windowMinutes = Math.max(1, Math.round(velocity.windowSeconds / 60));
    const baselineMinutes = Math.max(windowMinutes, Math.round(velocity.baselineSeconds / 60));
    const terms = policy.vouchers[code];
    const windowSeconds = terms?.budgetWindowSeconds;
    return {
      windowMinutes,
      baselineMinutes,
      ttlSeconds: baselineMinutes * 60 + 3600,
      budgetSuffix: terms?.budget === undefined ? '' : this.budgetSuffix(windowSeconds, now),
      budgetTtlSeconds: windowSeconds === undefined ? 0 : windowSeconds * 2,
      maxTracked: policy.unknownVouchers.maxTracked,
    };
  }

  private budgetSuffix(windowSeconds: number | undefined, now: number): string {
    return windowSeconds === undefined ? 'b:0' : `b:${Math.floor(now / (windowSeconds * 1000))}`;
  }

  /** The state the rules see: the Redis snapshot plus this process's attempts not yet in it. */
  private voucherState(entry: VoucherEntry, order: Order, policy: Policy, now: number): VoucherState {
    const snapshot = entry.snapshot;
    const { windowMinutes, baselineMinutes } = entry.params;
    const local = entry.pending.length + entry.inflight.length;
    const firstSeen = snapshot?.firstSeen ?? now;
    const observedSeconds = Math.floor((now - firstSeen) / 1000) - windowMinutes * 60;
    const trippedAt = snapshot?.trippedAt ?? entry.localTrippedAt;
    const state: VoucherState = {
      windowCount: (snapshot?.windowCount ?? 0) + local,
      baselineCount: snapshot?.baselineCount ?? 0,
      baselineSeconds: Math.max(0, Math.min(observedSeconds, (baselineMinutes - windowMinutes) * 60)),
      ...(trippedAt === undefined ? {} : { trippedAt }),
    };
    const terms = policy.vouchers[entry.code];
    if (terms?.budget?.[order.currency] !== undefined) {
      const key = `${this.budgetSuffix(terms.budgetWindowSeconds, now)}|${order.currency}`;
      state.budgetUsed =
        (snapshot?.budgetSuffix === key.slice(0, key.indexOf('|')) ? sumMap(snapshot.budget, key) : 0) +
        sumMap(entry.pendingGrants, key) +
        sumMap(entry.inflightGrants, key);
    }
    return state;
  }

  /**
   * One script call for a code: writes its buffered attempts, grants and trip, optionally counts `attempt` and
   * reserves a capped use for `reserve.order`, and replaces the snapshot with what Redis returned.
   */
  private async touchVoucher(
    entry: VoucherEntry,
    attempt: Attempt | undefined,
    reserve: { order: Order; policy: Policy } | undefined,
  ): Promise<Pick<VoucherState, 'uses' | 'customerUses' | 'limitReached'> | undefined> {
    if (entry.unknown && !entry.admitted) {
      const admitted = Number(
        await this.commands.cpgVoucherAdmitV1(
          this.unknownKey,
          entry.code,
          Date.now(),
          entry.params.maxTracked,
          entry.params.ttlSeconds * 1000,
        ),
      );
      if (admitted !== 1) {
        this.vouchers.delete(entry.code);
        this.refused.set(entry.code, Date.now() + 60_000);
        if (this.refused.size > this.options.maxCachedVouchers)
          this.refused.delete(this.refused.keys().next().value!);
        return undefined;
      }
      entry.admitted = true;
    }
    const attempts = entry.pending.splice(0);
    entry.inflight.push(...attempts);
    const grants = new Map(entry.pendingGrants);
    entry.pendingGrants.clear();
    for (const [key, amount] of grants) addTo(entry.inflightGrants, key, amount);
    const trip = entry.trip;
    entry.trip = false;
    entry.wantRefresh = false;
    const all = attempt ? [...attempts, attempt] : attempts;
    const terms = reserve?.policy.vouchers[entry.code];
    const args: Array<string | number> = [
      reserve ? reserve.order.orderId : '',
      reserve ? reserve.order.customerId : '',
      terms?.maxUses ?? -1,
      terms?.maxUsesPerCustomer ?? -1,
      all.length,
    ];
    for (const one of all) args.push(one.orderId, one.minute);
    args.push(grants.size);
    for (const [key, amount] of grants) {
      const bar = key.indexOf('|');
      args.push(key.slice(0, bar), key.slice(bar + 1), amount);
    }
    const { params } = entry;
    let reply: unknown[];
    try {
      reply = (await this.commands.cpgVoucherTouchV1(
        this.voucherBase(entry.code),
        entry.now,
        attempt?.minute ?? Math.floor(entry.now / MINUTE),
        params.windowMinutes,
        params.baselineMinutes,
        params.ttlSeconds,
        this.options.dedupeSeconds,
        trip ? 1 : 0,
        params.budgetSuffix,
        params.budgetTtlSeconds,
        reserve ? 1 : 0,
        ...args,
      )) as unknown[];
    } catch (error) {
      // Give the buffered work back for the next flush; the attempt of the current order is not counted.
      entry.pending.unshift(...attempts);
      entry.inflight.splice(0, attempts.length);
      for (const [key, amount] of grants) {
        addTo(entry.pendingGrants, key, amount);
        addTo(entry.inflightGrants, key, -amount);
      }
      entry.trip ||= trip;
      throw error;
    }
    entry.inflight.splice(0, attempts.length);
    for (const [key, amount] of grants) {
      addTo(entry.inflightGrants, key, -amount);
      if (entry.inflightGrants.get(key) === 0) entry.inflightGrants.delete(key);
    }
    const budgetFields = reply[8] as string[];
    const budget = new Map<string, number>();
    for (let n = 0; n < budgetFields.length; n += 2) {
      budget.set(`${params.budgetSuffix}|${budgetFields[n]}`, Number(budgetFields[n + 1]));
    }
    const tripped = reply[3] === '' ? undefined : Number(reply[3]);
    entry.snapshot = {
      windowCount: Number(reply[0]),
      baselineCount: Number(reply[1]),
      firstSeen: Number(reply[2]),
      trippedAt: tripped,
      budget,
      budgetSuffix: params.budgetSuffix,
      fetchedAt: Date.now(),
    };
    if (tripped !== undefined) entry.localTrippedAt = undefined;
    if (!reserve) return undefined;
    const limit = Number(reply[6]);
    return {
      ...(reply[4] === '' ? {} : { uses: Number(reply[4]) }),
      ...(reply[5] === '' ? {} : { customerUses: Number(reply[5]) }),
      ...(limit === 1
        ? { limitReached: 'maxUses' as const }
        : limit === 2
          ? { limitReached: 'maxUsesPerCustomer' as const }
          : {}),
    };
  }

  private async flushVoucher(entry: VoucherEntry): Promise<void> {
    try {
      await this.touchVoucher(entry, undefined, undefined);
    } catch (error) {
      this.logger.warn({ err: error, voucher: entry.code }, 'price guard: could not write voucher counters');
      throw error;
    }
  }

  private applyTrips(codes: readonly string[], now: number): void {
    for (const code of codes) {
      const entry = this.vouchers.get(code);
      if (!entry || entry.snapshot?.trippedAt !== undefined) continue;
      entry.trip = true;
      entry.localTrippedAt ??= now;
      entry.now = Math.max(entry.now, now);
    }
  }

  private remember(orderId: string, now: number, facts: Facts): void {
    this.seen.delete(orderId);
    this.seen.set(orderId, { at: now, facts });
    const horizon = now - this.options.idempotencySeconds * 1000;
    for (const [id, seen] of this.seen) {
      if (this.seen.size <= this.options.maxSeenOrders && seen.at >= horizon) break;
      this.seen.delete(id);
    }
  }

  private touchLru<T>(map: Map<string, T>, key: string, value: T): void {
    map.delete(key);
    map.set(key, value);
  }

  private setLru<T>(map: Map<string, T>, key: string, value: T, max: number): void {
    map.delete(key);
    map.set(key, value);
    for (const [oldKey, oldValue] of map) {
      if (map.size <= max) break;
      const busy = oldValue as unknown as { pending?: unknown[]; inflight?: unknown[] };
      if ((busy.pending?.length ?? 0) > 0 || (busy.inflight?.length ?? 0) > 0) continue; // not yet written
      map.delete(oldKey);
    }
  }

  private async transition(args: Array<string | number>): Promise<TransitionResult> {
    const reply = (await this.commands.cpgHoldTransitionV1(
      this.queueBase,
      ...args,
      this.options.maxAuditEntries,
      this.options.maxOrderAuditEntries,
      this.options.decidedRetentionSeconds * 1000,
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
