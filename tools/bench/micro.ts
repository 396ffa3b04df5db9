// tools/bench/micro.ts
// In-process measurements: the guard's own latency, evaluation cost by order size, Redis memory, review-list latency.

import Redis from 'ioredis';
import { evaluate } from '../../src/core/evaluate';
import { OrderParser } from '../../src/core/order-parser';
import { type Policy, parsePolicy } from '../../src/core/policy';
import { compiledRuleOf, rememberCompiled } from '../../src/core/policy/custom-rules';
import { Guard } from '../../src/engine/guard';
import type { GuardStore } from '../../src/ports/store';
import { MemoryStore } from '../../src/state/memory/store';
import { createRedisClient } from '../../src/state/redis/connection';
import { RedisStore } from '../../src/state/redis/store';
import {
  BENCH_CUSTOM_RULES,
  BENCH_POLICY,
  BENCH_VOUCHER,
  benchOrder,
  medianOf,
  percentile,
} from './fixtures';

const SILENT = { warn() {}, error() {} };
const micros = (ns: bigint) => Number(ns) / 1000;

/** Latency percentiles in microseconds. */
export interface Percentiles {
  samples: number;
  p50: number;
  p99: number;
  p999: number;
}

function summarize(values: number[]): Percentiles {
  values.sort((a, b) => a - b);
  return {
    samples: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    p999: percentile(values, 99.9),
  };
}

/** The stores the in-process measurements compare: MemoryStore, and RedisStore when a Redis URL is given. */
function benchStores(
  redisUrl: string | undefined,
  prefix: string,
): Array<[string, () => { store: GuardStore; close: () => Promise<void> }]> {
  const stores: Array<[string, () => { store: GuardStore; close: () => Promise<void> }]> = [
    ['MemoryStore', () => ({ store: new MemoryStore(), close: async () => {} })],
  ];
  if (redisUrl) {
    stores.push([
      'RedisStore',
      () => {
        // The client the service builds (fail fast, auto-pipelining).
        const client = createRedisClient(redisUrl, { commandTimeoutMs: 5_000 });
        const store = new RedisStore({ client, prefix, logger: SILENT });
        return {
          store,
          close: async () => {
            await store.shutdown();
            client.disconnect();
          },
        };
      },
    ]);
  }
  return stores;
}

/** Guard.check (parse, facts, evaluate, commit) and evaluate() alone, per call, on a 3-line order. */
export async function guardLatency(
  iterations: number,
  redisUrl?: string,
): Promise<Record<string, Percentiles>> {
  const policy = parsePolicy(BENCH_POLICY);
  const out: Record<string, Percentiles> = {};
  for (const [storeName, make] of benchStores(redisUrl, 'bench-latency')) {
    const name = `Guard.check, ${storeName}`;
    const { store, close } = make();
    await store.init?.();
    const guard = new Guard({ policy, store, logger: SILENT });
    const values: number[] = [];
    for (let i = 0; i < iterations + 2000; i++) {
      const input = benchOrder(`lat-${name.length}-${i}`, 3, i);
      const started = process.hrtime.bigint();
      const result = await guard.check(input);
      const elapsed = micros(process.hrtime.bigint() - started);
      if (result.kind !== 'allowed') throw new Error(`bench order ${i} was ${result.kind}`);
      if (i >= 2000) values.push(elapsed); // the first 2,000 warm the JIT and the caches
    }
    out[name] = summarize(values);
    await close();
  }
  const parser = new OrderParser();
  const store = new MemoryStore();
  const values: number[] = [];
  for (let i = 0; i < iterations + 2000; i++) {
    const parsed = parser.parse(benchOrder(`ev-${i}`, 3, i));
    if (!parsed.ok) throw new Error('bench order invalid');
    const now = Date.now();
    const facts = store.prepare(parsed.order, policy, now);
    const started = process.hrtime.bigint();
    const evaluation = evaluate(parsed.order, policy, facts, now);
    const elapsed = micros(process.hrtime.bigint() - started);
    store.commit(parsed.order, evaluation, policy, now);
    if (i >= 2000) values.push(elapsed);
  }
  out['evaluate() alone'] = summarize(values);
  return out;
}

/** The guard's own CPU time per order, in process, by store and outcome. */
export interface CpuPoint {
  store: string;
  outcome: 'allowed' | 'held';
  /** µs of this process's CPU (user + system) per order: median of the rounds. */
  cpuPerOrder: number;
}

/**
 * CPU time of `Guard.check` per order with 50 orders in flight, as a busy server has them: parse, digest, binding,
 * facts, evaluation and the write (commit, or the stored hold), without HTTP. The stores and outcomes are
 * interleaved over `rounds` rounds; each round is a fresh store and guard, warmed up first. Redis's own CPU is not
 * counted (another process): this is what the guard costs the storefront's process.
 */
export async function guardCpu(orders: number, redisUrl: string, rounds = 3): Promise<CpuPoint[]> {
  const outcomes = [
    ['allowed', parsePolicy(BENCH_POLICY)],
    // The code's limit is 0: its first use trips it, and every order after is held.
    ['held', parsePolicy({ vouchers: { [BENCH_VOUCHER]: { velocity: { maxPerWindow: 0 } } } })],
  ] as const;
  const measured = new Map<string, { store: string; outcome: 'allowed' | 'held'; values: number[] }>();
  let sequence = 0;
  for (let round = 0; round < rounds; round++) {
    for (const [outcome, policy] of outcomes) {
      // A namespace of its own per run: the held runs trip the code, which must not carry into an allowed run.
      for (const [storeName, make] of benchStores(redisUrl, `bench-cpu-${process.pid}-${round}-${outcome}`)) {
        const { store, close } = make();
        await store.init?.();
        const guard = new Guard({ policy, store, logger: SILENT });
        const run = async (count: number, measured: boolean) => {
          for (let start = 0; start < count; start += 50) {
            const batch = Array.from({ length: Math.min(50, count - start) }, () =>
              benchOrder(`cpu-${sequence++}`, 3, 11),
            );
            const results = await Promise.all(batch.map((input) => guard.check(input)));
            // The warm-up trips the held policy's code with its first orders; once measured, every order is held.
            const unexpected = results.find(
              (result) => result.kind !== outcome && (measured || result.kind !== 'allowed'),
            );
            if (unexpected) throw new Error(`bench order was ${unexpected.kind}, not ${outcome}`);
          }
        };
        await run(Math.min(5_000, orders), false);
        const before = process.cpuUsage();
        await run(orders, true);
        const used = process.cpuUsage(before);
        await close();
        const key = `${storeName} ${outcome}`;
        const entry = measured.get(key) ?? { store: storeName, outcome, values: [] };
        entry.values.push((used.user + used.system) / orders);
        measured.set(key, entry);
      }
    }
  }
  return [...measured.values()].map(({ store, outcome, values }) => ({
    store,
    outcome,
    cpuPerOrder: medianOf(values),
  }));
}

/** Heap one checked order leaves behind, per store. */
export interface HeapPoint {
  store: string;
  orders: number;
  bytesPerOrder: number;
}

/**
 * Heap retained per allowed 3-line order after `orders` orders through Guard.check: mostly the idempotency
 * cache (facts kept per orderId for retries). Needs `node --expose-gc`; returns [] without it.
 */
export async function heapPerOrder(orders: number, redisUrl?: string): Promise<HeapPoint[]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return [];
  const policy = parsePolicy(BENCH_POLICY);
  const points: HeapPoint[] = [];
  for (const [name, make] of benchStores(redisUrl, 'bench-heap')) {
    const { store, close } = make();
    await store.init?.();
    const guard = new Guard({ policy, store, logger: SILENT });
    for (let i = 0; i < 2000; i++) await guard.check(benchOrder(`heap-warm-${i}`, 3, i));
    // Written-behind buffers are flushed before each reading, so only what stays is counted.
    const settle = async () => (store instanceof RedisStore ? store.flush() : undefined);
    await settle();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < orders; i++) await guard.check(benchOrder(`heap-${i}`, 3, i));
    await settle();
    gc();
    const after = process.memoryUsage().heapUsed;
    points.push({ store: name, orders, bytesPerOrder: Math.max(0, (after - before) / orders) });
    await close();
  }
  return points;
}

/** One point of the evaluation-cost curve. */
export interface ScalePoint {
  lines: number;
  evaluateNsPerOrder: number;
  /** 99th percentile of single evaluate() calls, in µs. */
  evaluateP99Us: number;
  checkNsPerOrder: number;
}

/** Cost of evaluate() and of Guard.check (with parsing) for orders of 1, 10, 100 and 500 lines. */
export async function scaleCurve(sizes: readonly number[] = [1, 10, 100, 500]): Promise<ScalePoint[]> {
  const policy: Policy = parsePolicy(BENCH_POLICY);
  const parser = new OrderParser();
  const points: ScalePoint[] = [];
  for (const lines of sizes) {
    const iterations = Math.max(200, Math.round(100_000 / lines));
    const store = new MemoryStore();
    // History for every SKU first, so the history rule judges each line instead of abstaining.
    const warm = new Guard({ policy, store, logger: SILENT });
    for (let i = 0; i < 30; i++) await warm.check(benchOrder(`warm-${lines}-${i}`, lines, 0));
    const parsed = parser.parse(benchOrder(`scale-${lines}`, lines, 0));
    if (!parsed.ok) throw new Error('bench order invalid');
    const now = Date.now();
    const facts = store.prepare(parsed.order, policy, now);
    const runs: number[] = [];
    for (let round = 0; round < 5; round++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) evaluate(parsed.order, policy, facts, now);
      runs.push(Number(process.hrtime.bigint() - started) / iterations);
    }
    // Single calls, timed one by one, for the tail.
    const single: number[] = [];
    for (let i = 0; i < Math.min(iterations, 5000); i++) {
      const started = process.hrtime.bigint();
      evaluate(parsed.order, policy, facts, now);
      single.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    single.sort((a, b) => a - b);
    const inputs = Array.from({ length: Math.min(iterations, 5000) }, (_, i) =>
      benchOrder(`chk-${lines}-${i}`, lines, 0),
    );
    const checks: number[] = [];
    for (let round = 0; round < 3; round++) {
      const guard = new Guard({ policy, store: new MemoryStore(), logger: SILENT });
      const started = process.hrtime.bigint();
      for (const input of inputs) await guard.check({ ...input, orderId: `${input.orderId}-${round}` });
      checks.push(Number(process.hrtime.bigint() - started) / inputs.length);
    }
    points.push({
      lines,
      evaluateNsPerOrder: medianOf(runs),
      evaluateP99Us: percentile(single, 99),
      checkNsPerOrder: medianOf(checks),
    });
  }
  return points;
}

/** The custom rules variants measured: none, the 20 rules, and the 20 rules judged by the CEL library alone. */
type CustomRulesVariant = 'without' | 'with' | 'library';

/** One point of the custom rules comparison: evaluate() without and with 20 custom rules, same order, same run. */
export interface CustomRulesPoint {
  lines: number;
  /** Median ns per evaluate() without custom rules. */
  withoutNs: number;
  /** Median ns per evaluate() with the 20 rules of BENCH_CUSTOM_RULES. */
  withNs: number;
  /** Median ns per evaluate() with the same 20 rules judged by the CEL library alone (no short cut). */
  libraryNs: number;
  /** The same three, in this process's CPU time (user + system): what the machine's other load does not change. */
  cpuNs: Record<CustomRulesVariant, number>;
}

/**
 * The policy with BENCH_CUSTOM_RULES, each rule judged by its CEL program alone: what the rules cost without the
 * short cut that decides most rules in plain JavaScript (src/core/custom/guards.ts).
 */
function libraryOnly(): Policy {
  const policy = parsePolicy({ ...BENCH_POLICY, customRules: BENCH_CUSTOM_RULES });
  for (const rule of policy.customRules) {
    rememberCompiled(rule, {
      ...compiledRuleOf(rule)!,
      guards: { orderTests: [], tests: [], complete: false },
    });
  }
  return policy;
}

/**
 * What 20 custom rules (12 per order, 8 per line; see BENCH_CUSTOM_RULES) add to evaluate(), in process, on the
 * benchmark order of each size with price history, and what they would add judged by the CEL library alone: the
 * three policies alternate over 7 rounds, each round timing many calls (wall and CPU time), and each figure is the
 * median of its rounds.
 */
export async function customRulesCost(sizes: readonly number[] = [3, 10]): Promise<CustomRulesPoint[]> {
  const without = parsePolicy(BENCH_POLICY);
  const withRules = parsePolicy({ ...BENCH_POLICY, customRules: BENCH_CUSTOM_RULES });
  const library = libraryOnly();
  const parser = new OrderParser();
  const points: CustomRulesPoint[] = [];
  for (const lines of sizes) {
    const store = new MemoryStore();
    const warm = new Guard({ policy: without, store, logger: SILENT });
    for (let i = 0; i < 30; i++) await warm.check(benchOrder(`warm-custom-${lines}-${i}`, lines, 0));
    const parsed = parser.parse(benchOrder(`custom-${lines}`, lines, 0));
    if (!parsed.ok) throw new Error('bench order invalid');
    const now = Date.now();
    const facts = store.prepare(parsed.order, withRules, now);
    const ours = (rule: string) => rule.startsWith('bench_rule_');
    for (const policy of [withRules, library]) {
      const check = evaluate(parsed.order, policy, facts, now).decision;
      if (
        check.reasons.some((item) => ours(item.rule)) ||
        check.abstentions.some((item) => ours(item.rule))
      ) {
        throw new Error('a bench custom rule fired or abstained on the bench order');
      }
    }
    const iterations = Math.max(2_000, Math.round(200_000 / lines));
    const variants = [
      ['without', without],
      ['with', withRules],
      ['library', library],
    ] as const;
    const wall: Record<CustomRulesVariant, number[]> = { without: [], with: [], library: [] };
    const cpu: Record<CustomRulesVariant, number[]> = { without: [], with: [], library: [] };
    for (let round = 0; round < 7; round++) {
      for (const [name, policy] of variants) {
        for (let i = 0; i < 1000; i++) evaluate(parsed.order, policy, facts, now);
        const started = process.hrtime.bigint();
        const usage = process.cpuUsage();
        for (let i = 0; i < iterations; i++) evaluate(parsed.order, policy, facts, now);
        const used = process.cpuUsage(usage);
        wall[name].push(Number(process.hrtime.bigint() - started) / iterations);
        cpu[name].push(((used.user + used.system) * 1000) / iterations);
      }
    }
    points.push({
      lines,
      withoutNs: medianOf(wall.without),
      withNs: medianOf(wall.with),
      libraryNs: medianOf(wall.library),
      cpuNs: { without: medianOf(cpu.without), with: medianOf(cpu.with), library: medianOf(cpu.library) },
    });
  }
  return points;
}

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  const match = /used_memory:(\d+)/.exec(info);
  return match ? Number(match[1]) : Number.NaN;
}

/** One point of the Redis memory curve. */
export interface MemoryPoint {
  skus: number;
  vouchers: number;
  samplesPerSku: number;
  usedMemoryDeltaBytes: number;
  keys: number;
}

/** Redis memory as SKUs (3 price samples each) and vouchers gain history through the guard. */
export async function redisMemory(redisUrl: string, stages: readonly number[]): Promise<MemoryPoint[]> {
  const client = new Redis(redisUrl);
  await client.flushdb(); // the benchmark's own private redis-server
  const maxSkus = stages[stages.length - 1]!;
  const vouchers: Record<string, object> = {};
  for (let v = 0; v < maxSkus / 10; v++) vouchers[`V${v}`] = {};
  const policy = parsePolicy({ vouchers });
  const store = new RedisStore({
    client,
    prefix: 'mem',
    maxCachedSkus: maxSkus,
    maxCachedVouchers: maxSkus / 10,
  });
  const guard = new Guard({ policy, store, logger: SILENT, storeTimeoutMs: 5000 });
  const baseline = await usedMemory(client);
  const points: MemoryPoint[] = [];
  let done = 0;
  let sequence = 0;
  for (const target of stages) {
    for (let pass = 0; pass < 3; pass++) {
      const pending: Array<Promise<unknown>> = [];
      for (let group = done / 10; group < target / 10; group++) {
        const lines = Array.from({ length: 10 }, (_, j) => ({
          sku: `MSKU-${group * 10 + j}`,
          quantity: 1,
          unitPrice: 100_000 + ((group * 10 + j) % 997) * 100,
          discount: 0,
        }));
        const subtotal = lines.reduce((sum, line) => sum + line.unitPrice, 0);
        pending.push(
          guard.check({
            orderId: `mem-${sequence++}`,
            currency: 'IDR',
            lines,
            vouchers: [{ code: `V${group}`, discount: 10_000 }],
            total: subtotal - 10_000,
          }),
        );
        if (pending.length >= 200) await Promise.all(pending.splice(0));
      }
      await Promise.all(pending);
    }
    await (store as unknown as { flush(): Promise<void> }).flush();
    done = target;
    points.push({
      skus: target,
      vouchers: target / 10,
      samplesPerSku: 3,
      usedMemoryDeltaBytes: (await usedMemory(client)) - baseline,
      keys: await client.dbsize(),
    });
  }
  await store.shutdown();
  client.disconnect();
  return points;
}

/** One point of the review-list latency curve. */
export interface ListPoint {
  holds: number;
  loadSeconds: number;
  filtered: Percentiles;
  unfiltered: Percentiles;
}

/** listHolds latency (first page of 50) as held orders accumulate; stops when the time budget runs out. */
export async function reviewList(
  redisUrl: string,
  stages: readonly number[],
  deadline: number,
): Promise<{ points: ListPoint[]; skipped: number[] }> {
  const client = new Redis(redisUrl);
  await client.flushdb();
  const store = new RedisStore({ client, prefix: 'rev', maxAuditEntries: 1000 });
  const policy = parsePolicy({});
  const parser = new OrderParser();
  const now = Date.parse('2026-11-10T03:00:00Z');
  const points: ListPoint[] = [];
  const skipped: number[] = [];
  let loaded = 0;
  let rate = 0; // holds per second measured so far
  for (const target of stages) {
    const projected = rate > 0 ? (target - loaded) / rate : 0;
    if (Date.now() + projected * 1000 > deadline) {
      skipped.push(target);
      continue;
    }
    const started = Date.now();
    const pending: Array<Promise<unknown>> = [];
    for (let i = loaded; i < target; i++) {
      // Every 10th order has a tampered total; the rest are the 100% discount glitch.
      const input = benchOrder(`held-${i}`, 3, i);
      const order = parser.parse(
        i % 10 === 0
          ? { ...input, total: input.total - 1000 }
          : {
              ...input,
              lines: input.lines.map((line) => ({
                ...line,
                discount: line.unitPrice * (line.quantity ?? 1),
              })),
              total: 15_000,
            },
      );
      if (!order.ok) throw new Error(JSON.stringify(order.problems));
      const evaluation = evaluate(
        order.order,
        policy,
        { history: new Map(), vouchers: new Map(), unavailable: new Set() },
        now + i,
      );
      pending.push(store.hold(order.order, evaluation, policy, now + i));
      if (pending.length >= 500) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    const seconds = (Date.now() - started) / 1000;
    rate = (target - loaded) / Math.max(seconds, 0.001);
    loaded = target;
    const measure = async (filter: object) => {
      const values: number[] = [];
      for (let i = 0; i < 200; i++) {
        const begun = process.hrtime.bigint();
        const page = await store.listHolds(filter, 50);
        values.push(micros(process.hrtime.bigint() - begun));
        if (page.items.length === 0) throw new Error('empty review page');
      }
      return summarize(values);
    };
    points.push({
      holds: target,
      loadSeconds: seconds,
      filtered: await measure({ status: 'pending', rule: 'total_mismatch' }),
      unfiltered: await measure({}),
    });
  }
  await store.shutdown();
  client.disconnect();
  return { points, skipped };
}
