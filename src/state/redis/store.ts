// src/state/redis/store.ts
// The shared store: the guard's state and the review queue on Redis or Redis Cluster, over one connection.

import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Evaluation } from '../../core/evaluate';
import {
  type Facts,
  historyKey,
  NO_FACTS,
  type SkuHistory,
  type TrafficState,
  type VoucherState,
} from '../../core/facts';
import type { Order } from '../../core/order';
import { type Policy, parsePolicy } from '../../core/policy';
import type { Logger } from '../../ports/logger';
import type {
  AuditEntry,
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
  ShutdownReport,
  TransitionResult,
  TrippedVoucher,
  VoucherTrip,
} from '../../ports/store';
import { resumedEvent, trippedEvent } from '../events';
import { historySamples, weighted } from '../history';
import { RecentKeys } from '../lru';
import { describeTrip, readTripRecord, sortTrips, tripReasons, tripTerms } from '../trips';
import { type Commands, registerCommands } from './commands';
import { RedisHoldQueue } from './hold-queue';
import { RedisKeys } from './keys';
import { RedisOrderBindings } from './order-bindings';
import { RedisOutbox } from './outbox';
import { RedisPriceHistory } from './price-history';
import { RedisVoucherCounters } from './voucher-counters';

/** Options of the Redis store. */
export interface RedisStoreOptions {
  /** An ioredis client or Cluster; see `createRedisClient` (src/state/redis/connection.ts) for fail-fast settings. */
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
  /**
   * How long an order id stays bound to its content in Redis, in s: a retry within it gets the first answer, and the
   * same id with other content is refused. Defaults to 86,400.
   */
  idempotencySeconds?: number;
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
  /**
   * How many samples a price confirmed by approving a hold (one a history rule held) counts for. Defaults to 10:
   * with the default window of 101 samples, approving 6 orders at a new price moves the median to it.
   */
  approvalWeight?: number;
  /** Quit the client on `shutdown`. Defaults to false (the caller owns the client). */
  closeClient?: boolean;
  /** Where background write failures go. Defaults to silence. */
  logger?: Logger;
}

const SILENT: Logger = { warn() {}, error() {} };
/** Order ids whose voucher attempts this process counted last (ids only: a few seconds of a busy day's orders). */
const RECENT_ORDERS = 10_000;
/** The default policy, for history limits before any order brought the policy in force. */
const DEFAULT_POLICY = parsePolicy({});

/** Resolved options with defaults applied. */
const DEFAULTS = {
  prefix: 'cpg',
  flushIntervalMs: 200,
  historyRefreshMs: 1_000,
  voucherRefreshMs: 500,
  maxCachedSkus: 100_000,
  maxCachedVouchers: 10_000,
  idempotencySeconds: 86_400,
  dedupeSeconds: 900,
  maxAuditEntries: 100_000,
  maxOrderAuditEntries: 100,
  maxScan: 20_000,
  decidedRetentionSeconds: 30 * 86_400,
  closeClient: false,
  approvalWeight: 10,
};

/**
 * GuardStore on Redis, composed of three parts over one connection: the price history (`RedisPriceHistory`), the
 * voucher counters (`RedisVoucherCounters`) and the review queue (`RedisHoldQueue`). Held orders and hard voucher
 * caps are written synchronously (Lua, one slot each); price samples, voucher attempts and budget grants are
 * buffered and written every `flushIntervalMs`; facts come from a local cache refreshed in the background.
 * See docs/redis.md.
 */
export class RedisStore implements GuardStore, OutboxStore {
  private readonly client: Redis | Cluster;
  private readonly options: typeof DEFAULTS;
  private readonly logger: Logger;
  private readonly history: RedisPriceHistory;
  private readonly vouchers: RedisVoucherCounters;
  private readonly queue: RedisHoldQueue;
  private readonly bindings: RedisOrderBindings;
  private readonly keys: RedisKeys;
  private readonly commands: Commands;
  /** The webhook outbox, under the queue's hash tag: events are recorded with holds and decisions. */
  readonly outbox: RedisOutbox;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastSweep = 0;
  private closed = false;
  /** The policy of the latest order: approved and accepted prices are windowed by its history limits. */
  private lastPolicy: Policy | undefined;
  /** The order ids prepared last, oldest first (see RECENT_ORDERS). */
  private readonly recentOrders = new RecentKeys<string>(RECENT_ORDERS);
  /** Distinguishes this process's probe key from other instances'. */
  private readonly instanceId = randomUUID();

  constructor(options: RedisStoreOptions) {
    if (options?.client === undefined || typeof options.client.defineCommand !== 'function') {
      throw new TypeError('RedisStore: option "client" must be an ioredis Redis or Cluster instance');
    }
    this.client = options.client;
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    this.options = { ...DEFAULTS, ...given } as typeof DEFAULTS;
    const keys = new RedisKeys(this.options.prefix);
    this.keys = keys;
    this.logger = options.logger ?? SILENT;
    const commands = registerCommands(this.client);
    this.commands = commands;
    this.history = new RedisPriceHistory(commands, keys, this.options, this.logger);
    this.outbox = new RedisOutbox(this.client, commands, keys.queue, (orderId) =>
      this.queue.getHold(orderId),
    );
    // voucher.tripped (issue 14): published by the instance that wrote the trip, once per trip (its id is derived
    // from the code and the trip time Redis keeps, and the outbox records each id once).
    // voucher.resumed likewise: published by the instance whose write resumed the code, with an audit entry.
    this.vouchers = new RedisVoucherCounters(
      commands,
      keys,
      this.options,
      this.logger,
      (code, trippedAt, scope, widenedAt) => {
        this.outbox.publish(trippedEvent(code, trippedAt, scope, widenedAt)).catch((error) => {
          this.logger.warn({ err: error, voucher: code }, 'price guard: could not record voucher.tripped');
        });
        // The index listTrips reads (a code with pending holds is found without it too).
        this.client.zadd(keys.trips, trippedAt, code).catch((error: unknown) => {
          this.logger.warn({ err: error, voucher: code }, 'price guard: could not index a voucher trip');
        });
      },
      (code, trippedAt, at) => {
        Promise.all([
          commands.tripForget(keys.trips, code, trippedAt),
          this.outbox.publish(resumedEvent(code, trippedAt, at)),
          this.audit({
            at,
            actor: 'guard',
            action: 'voucher_resumed',
            voucher: code,
            note: `tripped at ${new Date(trippedAt).toISOString()}; its rate has been normal since`,
          }),
        ]).catch((error) => {
          this.logger.warn({ err: error, voucher: code }, 'price guard: could not record voucher.resumed');
        });
      },
    );
    this.queue = new RedisHoldQueue(this.client, commands, keys.queue, this.options);
    this.bindings = new RedisOrderBindings(
      this.client,
      commands,
      keys,
      this.options.idempotencySeconds * 1000,
      this.logger,
    );
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

  bind(orderId: string, digest: string, _now: number): Promise<OrderBinding> {
    return this.bindings.bind(orderId, digest);
  }

  /** The facts of an order: at once (no promise) when every SKU history and voucher state is cached. */
  prepare(order: Order, policy: Policy, now: number): Facts | Promise<Facts> {
    this.lastPolicy = policy;
    // An order id prepared a moment ago (a retry, a duplicate in flight) is not counted again here; Redis counts
    // each id once in any case (its dedupe markers), this keeps the in-process projection as exact.
    const repeat = !this.recentOrders.add(order.orderId);
    // Made only when a part of the state cannot be read: the common order allocates no set.
    let unavailable: Set<'history' | 'vouchers'> | undefined;
    const markUnavailable = (part: 'history' | 'vouchers') => {
      unavailable ??= new Set();
      unavailable.add(part);
    };
    const history = new Map<string, SkuHistory>();
    const vouchers = new Map<string, VoucherState>();
    const waits: Array<Promise<void>> = [];
    for (const line of order.lines) {
      if (history.has(historyKey(line.sku, order.currency))) continue;
      const wait = this.history.lookup(line.sku, order.currency, policy, now, history);
      if (wait) waits.push(wait.catch(() => markUnavailable('history')));
    }
    let traffic: TrafficState | undefined;
    const counted = this.vouchers.countTraffic(policy, now, repeat);
    if (counted instanceof Promise) {
      waits.push(
        counted.then((value) => {
          traffic = value;
        }),
      );
    } else traffic = counted;
    for (const { code } of order.vouchers) {
      if (vouchers.has(code)) continue;
      const wait = this.vouchers.count(code, order, policy, now, vouchers, repeat);
      if (wait) waits.push(wait.catch(() => markUnavailable('vouchers')));
    }
    // Object literals, not spreads: V8 builds a literal far faster, and this runs for every order.
    const facts = (): Facts =>
      unavailable !== undefined
        ? { history, vouchers, traffic, unavailable }
        : {
            history: history.size > 0 ? history : NO_FACTS.history,
            vouchers: vouchers.size > 0 ? vouchers : NO_FACTS.vouchers,
            traffic,
            unavailable: NO_FACTS.unavailable,
          };
    return waits.length === 0 ? facts() : Promise.all(waits).then(facts);
  }

  async hold(order: Order, evaluation: Evaluation, policy: Policy, now: number) {
    // Trips are in Redis before the hold is acknowledged; a failed trip stays buffered and is retried.
    const { tripVouchers } = evaluation.effects;
    this.vouchers.apply(
      evaluation.effects,
      policy,
      now,
      tripVouchers.length > 0 ? tripReasons(evaluation) : undefined,
    );
    if (tripVouchers.length > 0) await this.vouchers.flushTrips(tripVouchers);
    return this.queue.create(order, evaluation, now);
  }

  commit(order: Order, evaluation: Evaluation, policy: Policy, now: number): void {
    this.bindings.settle(order.orderId, evaluation, now);
    this.vouchers.apply(
      evaluation.effects,
      policy,
      now,
      evaluation.effects.tripVouchers.length > 0 ? tripReasons(evaluation) : undefined,
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

  transition(request: DecisionRequest): Promise<TransitionResult> {
    return this.queue.transition(request);
  }

  audit(entry: AuditEntry): Promise<void> {
    return this.queue.audit(entry);
  }

  auditTrail(options: { orderId?: string; limit: number }): Promise<AuditEntry[]> {
    return this.queue.auditTrail(options);
  }

  queueStats(now?: number): Promise<QueueStats> {
    return this.queue.queueStats(now);
  }

  releaseUses(held: HeldOrder): Promise<void> {
    return this.vouchers.release(held.orderId, held.vouchers);
  }

  async confirmPrices(currency: string, prices: ReadonlyArray<ConfirmedPrice>, now: number): Promise<void> {
    // Windowed by the history limits of the policy in force (the latest order's); written behind.
    if (this.lastPolicy === undefined) return;
    for (const { sku, unitPaid } of prices) {
      this.history.add(
        sku,
        currency,
        weighted(unitPaid, this.options.approvalWeight, now),
        this.lastPolicy,
        true,
      );
    }
  }

  async voucherTrip(code: string, _now: number): Promise<VoucherTrip | undefined> {
    return this.vouchers.trip(code);
  }

  /**
   * Every code tripped now. Candidates are the trip index and the codes of pending holds (so a trip whose index
   * write was lost with its process is still found while it holds orders); each is read from its own state (its
   * trip, why it tripped, its uses), and an index entry whose code is no longer tripped is dropped.
   */
  async listTrips(now: number): Promise<TrippedVoucher[]> {
    const [indexed, withHolds] = await Promise.all([
      this.client.zrange(this.keys.trips, 0, -1, 'WITHSCORES') as Promise<string[]>,
      this.client.zrange(`${this.keys.queue}:gc:vch`, 0, -1) as Promise<string[]>,
    ]);
    const candidates = new Map<string, number | undefined>();
    for (let n = 0; n < indexed.length; n += 2) candidates.set(indexed[n]!, Number(indexed[n + 1]));
    for (const member of withHolds) {
      const code = member.slice('vch:'.length);
      if (!candidates.has(code)) candidates.set(code, undefined);
    }
    const policy = this.lastPolicy;
    const trips = await Promise.all(
      [...candidates].map(async ([code, indexedAt]) => {
        const base = this.keys.voucher(code);
        // Each code is its own hash tag (its own cluster slot): its reads are sent together with the others'.
        const [trip, record, minutes] = await Promise.all([
          this.vouchers.trip(code),
          this.client.hget(base, 'y'),
          this.client.hgetall(`${base}:m`) as Promise<Record<string, string>>,
        ]);
        if (trip === undefined) {
          if (indexedAt !== undefined) await this.commands.tripForget(this.keys.trips, code, indexedAt);
          return undefined;
        }
        const counts: Array<[number, number]> = [];
        for (const [field, value] of Object.entries(minutes)) {
          if (/^\d+$/.test(field)) counts.push([Number(field), Number(value)]);
        }
        // Judged under the policy in force when this instance has seen it, else under the terms of the trip.
        const kept = readTripRecord(record);
        const terms =
          policy !== undefined ? tripTerms(policy, code) : (kept.terms ?? tripTerms(DEFAULT_POLICY, code));
        return describeTrip(trip, { reason: kept.reason, minutes: counts }, terms, now);
      }),
    );
    return sortTrips(trips.filter((trip): trip is TrippedVoucher => trip !== undefined));
  }

  async clearTrip(code: string, now: number): Promise<boolean> {
    if (!(await this.vouchers.clear(code, now))) return false;
    await this.client.zrem(this.keys.trips, code);
    return true;
  }

  extendTrip(code: string, until: number): Promise<boolean> {
    return this.vouchers.extend(code, until);
  }

  forgetHistory(sku: string): Promise<void> {
    return this.history.reset(sku);
  }

  rebaseHistory(sku: string, currency: string, price: number, now: number): Promise<void> {
    return this.history.rebase(sku, currency, price, this.lastPolicy ?? DEFAULT_POLICY, now);
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
  async shutdown(): Promise<ShutdownReport | undefined> {
    if (this.closed) return undefined;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    await this.flush(); // anything buffered while the first flush ran
    const report: ShutdownReport = {
      unflushed: {
        priceSamples: this.history.unflushed,
        ...this.vouchers.unflushed(),
        verdicts: this.bindings.unflushed,
      },
    };
    if (this.options.closeClient) await this.client.quit().catch(() => this.client.disconnect());
    return report;
  }

  /** Writes a short-lived key and reads it back: fails on an out-of-memory Redis or a read-only replica. */
  async probe(): Promise<void> {
    const key = `${this.options.prefix}:probe:${this.instanceId}`;
    await this.client.set(key, String(Date.now()), 'PX', 10_000);
  }

  /** Deletes up to `limit` decided holds past their retention; returns how many. Runs every ~10 s from flush. */
  sweep(now = Date.now(), limit = 200): Promise<number> {
    return this.queue.sweep(now, limit);
  }

  private async flushNow(): Promise<void> {
    const work: Array<Promise<unknown>> = [
      ...this.history.flush(),
      ...this.vouchers.flush(),
      this.bindings.flush(),
    ];
    const wall = Date.now();
    if (wall - this.lastSweep > 10_000) {
      this.lastSweep = wall;
      work.push(this.sweep(wall).catch(() => {}));
    }
    await Promise.all(work);
  }
}
