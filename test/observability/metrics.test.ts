// test/observability/metrics.test.ts
// Unit tests of src/metrics.ts: what a real Guard emits on each decision path, queue gauges, options, cardinality.

import express from 'express';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import request from 'supertest';
import type { PolicyInput } from '../../src/core/policy';
import { parsePolicy } from '../../src/core/policy';
import { RULE_IDS } from '../../src/core/types';
import { Guard } from '../../src/guard';
import { instrumentStore } from '../../src/observability/instrument-store';
import {
  createMetrics,
  DEFAULT_PREFIX,
  METRIC_NAMES,
  type MetricsOptions,
  MetricsOptionsError,
  OTHER,
  type PriceGuardMetrics,
} from '../../src/observability/metrics';
import { STORE_OPERATIONS } from '../../src/observability/store-operations';
import { MemoryStore } from '../../src/state/memory/store';
import type { GuardStore, QueueStats } from '../../src/state/types';
import { line, order } from '../helpers/orders';

type Name = keyof typeof METRIC_NAMES;

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** Every sample of one metric (histograms: with `suffix` `_count`, `_sum` or `_bucket`). */
async function samples(registry: Registry, name: Name, suffix = ''): Promise<Sample[]> {
  const fullName = `${DEFAULT_PREFIX}${METRIC_NAMES[name]}`;
  const metric = registry.getSingleMetric(fullName);
  if (metric === undefined) throw new Error(`${fullName} is not registered`);
  const { values } = (await metric.get()) as { values: Sample[] };
  return suffix === '' ? values : values.filter((sample) => sample.metricName === `${fullName}${suffix}`);
}

/** The value of the one series matching `labels` (0 when absent), read back from the registry. */
async function value(
  registry: Registry,
  name: Name,
  labels: Record<string, string> = {},
  suffix = '',
): Promise<number> {
  const matching = (await samples(registry, name, suffix)).filter(
    (sample) =>
      Object.entries(labels).every(([key, wanted]) => String(sample.labels[key]) === wanted) &&
      (suffix !== '_bucket' || sample.labels.le === '+Inf'),
  );
  if (matching.length > 1)
    throw new Error(`${name} ${JSON.stringify(labels)} matches ${matching.length} series`);
  return matching[0]?.value ?? 0;
}

/** The sum over every series of a metric. */
async function total(registry: Registry, name: Name): Promise<number> {
  return (await samples(registry, name)).reduce((sum, sample) => sum + sample.value, 0);
}

const NOW = Date.parse('2026-11-11T00:00:00Z');

interface Setup {
  registry: Registry;
  metrics: PriceGuardMetrics;
  store: MemoryStore;
  guard: Guard;
  clock: { now: number };
}

function setup(policy: PolicyInput = {}, options: MetricsOptions = {}, store = new MemoryStore()): Setup {
  const registry = new Registry();
  const clock = { now: NOW };
  const metrics = createMetrics({ registry, clock: () => clock.now, ...options });
  const guard = new Guard({ policy: parsePolicy(policy), store, metrics, clock: () => clock.now });
  return { registry, metrics, store, guard, clock };
}

const allowedOrder = () => order({ lines: [line('TEE-01', 150_000)] });
/** The Marc Jacobs glitch: a line discounted 100%, total zero. */
const zeroTotalOrder = () => order({ lines: [line('MJ-TOTE-TIGER', 4_700_000, 4_700_000)] });

describe('metrics a real Guard emits on each decision path', () => {
  it('counts an allowed order by decision and mode and times it, holding nothing', async () => {
    const { registry, guard } = setup();
    const result = await guard.check(allowedOrder());
    expect(result.kind).toBe('allowed');
    expect(await value(registry, 'ordersEvaluated', { decision: 'allow', mode: 'enforce' })).toBe(1);
    expect(await value(registry, 'ordersEvaluated', { decision: 'hold', mode: 'enforce' })).toBe(0);
    expect(await value(registry, 'evaluationDuration', {}, '_count')).toBe(1);
    expect(await value(registry, 'evaluationDuration', {}, '_sum')).toBeGreaterThan(0);
    expect(await total(registry, 'holds')).toBe(0);
    expect(await total(registry, 'heldListValue')).toBe(0);
    expect(await value(registry, 'zeroTotalOrders')).toBe(0);
    expect(await total(registry, 'faults')).toBe(0);
  });

  it('counts a new hold once per enforcing rule, the money at stake per currency, and a zero total', async () => {
    const { registry, guard } = setup();
    const input = zeroTotalOrder();
    const result = await guard.check(input);
    if (result.kind !== 'held') throw new Error(`expected a hold, got ${result.kind}`);
    const rules = new Set(result.decision.reasons.map((reason) => reason.rule));
    expect(rules.has('zero_total')).toBe(true);

    expect(await value(registry, 'ordersEvaluated', { decision: 'hold', mode: 'enforce' })).toBe(1);
    expect(await value(registry, 'holds', { rule: 'zero_total' })).toBe(1);
    for (const rule of RULE_IDS) {
      expect(await value(registry, 'holds', { rule })).toBe(rules.has(rule) ? 1 : 0);
    }
    expect(await value(registry, 'heldListValue', { currency: 'IDR' })).toBe(4_700_000);
    expect(await value(registry, 'heldDiscount', { currency: 'IDR' })).toBe(4_700_000);
    expect(await value(registry, 'heldListValue', { currency: 'USD' })).toBe(0);
    expect(await value(registry, 'zeroTotalOrders')).toBe(1);

    // An idempotent retry is evaluated again but is not a new hold: money and holds are not counted twice.
    const retry = await guard.check(input);
    expect(retry.kind === 'held' && retry.created).toBe(false);
    expect(await value(registry, 'ordersEvaluated', { decision: 'hold', mode: 'enforce' })).toBe(2);
    expect(await value(registry, 'holds', { rule: 'zero_total' })).toBe(1);
    expect(await value(registry, 'heldListValue', { currency: 'IDR' })).toBe(4_700_000);
  });

  it('counts an invalid order and nothing else', async () => {
    const { registry, guard } = setup();
    const result = await guard.check({ orderId: 'ord_bad', currency: 'IDR', lines: 'nope' });
    expect(result.kind).toBe('invalid');
    expect(await value(registry, 'invalidOrders')).toBe(1);
    expect(await total(registry, 'ordersEvaluated')).toBe(0);
    expect(await value(registry, 'evaluationDuration', {}, '_count')).toBe(0);
  });

  it('counts a shadow-mode order as allowed and the rules that would have held it', async () => {
    const { registry, guard } = setup({ mode: 'shadow' });
    const result = await guard.check(zeroTotalOrder());
    expect(result.kind).toBe('allowed');
    expect(await value(registry, 'ordersEvaluated', { decision: 'allow', mode: 'shadow' })).toBe(1);
    expect(await value(registry, 'wouldHold', { rule: 'zero_total' })).toBe(1);
    expect(await total(registry, 'holds')).toBe(0);
    expect(await total(registry, 'heldListValue')).toBe(0);
    expect(await value(registry, 'zeroTotalOrders')).toBe(1);
  });

  it('counts one rule in shadow mode under would-hold while the order is judged by the others', async () => {
    const { registry, guard } = setup({ rules: { zero_total: { mode: 'shadow' } } });
    const result = await guard.check(zeroTotalOrder());
    expect(result.kind).toBe('held'); // discount_cap still enforces on a 100% line discount
    expect(await value(registry, 'wouldHold', { rule: 'zero_total' })).toBe(1);
    expect(await value(registry, 'holds', { rule: 'zero_total' })).toBe(0);
    expect(await value(registry, 'holds', { rule: 'discount_cap' })).toBe(1);
  });

  it('counts fault-mode activations and store errors when the store fails', async () => {
    const failing = new MemoryStore();
    failing.prepare = () => {
      throw new Error('connection refused');
    };
    failing.hold = () => Promise.reject(new Error('connection refused'));
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    const store = instrumentStore(failing, metrics);
    const guard = new Guard({ policy: parsePolicy({}), store, metrics });

    expect((await guard.check(zeroTotalOrder())).kind).toBe('unavailable');
    expect(await value(registry, 'faults', { kind: 'facts_unavailable' })).toBe(1);
    expect(await value(registry, 'faults', { kind: 'history_unavailable' })).toBe(1);
    expect(await value(registry, 'faults', { kind: 'vouchers_unavailable' })).toBe(1);
    expect(await value(registry, 'faults', { kind: 'hold_unstored' })).toBe(1);
    expect(await value(registry, 'storeErrors', { operation: 'prepare' })).toBe(1);
    expect(await value(registry, 'storeErrors', { operation: 'hold' })).toBe(1);
    expect(await value(registry, 'storeCallDuration', { operation: 'prepare' }, '_count')).toBe(1);
    expect(await total(registry, 'holds')).toBe(0); // nothing was stored
    expect(await value(registry, 'ordersEvaluated', { decision: 'hold', mode: 'enforce' })).toBe(1);
  });

  it('times successful store calls without counting errors', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    const store = instrumentStore(new MemoryStore(), metrics);
    const guard = new Guard({ policy: parsePolicy({}), store, metrics });
    await guard.check(allowedOrder());
    await guard.check(zeroTotalOrder());
    expect(await value(registry, 'storeCallDuration', { operation: 'prepare' }, '_count')).toBe(2);
    expect(await value(registry, 'storeCallDuration', { operation: 'hold' }, '_count')).toBe(1);
    expect(await value(registry, 'storeCallDuration', { operation: 'commit' }, '_count')).toBe(1);
    expect(await total(registry, 'storeErrors')).toBe(0);
    expect(store).toBeInstanceOf(MemoryStore); // the proxy passes the store through
  });

  it('counts a voucher velocity trip under its configured code, any other code under "other"', async () => {
    const velocity = { velocity: { maxPerWindow: 2 } };
    const { registry, guard } = setup(
      { vouchers: { LEAK50: velocity, QUIET10: velocity } },
      { voucherLabels: ['LEAK50'] },
    );
    const withVoucher = (code: string) =>
      order({ lines: [line('TEE-01', 150_000)], vouchers: [{ code, discount: 15_000 }] });
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) kinds.push((await guard.check(withVoucher('LEAK50'))).kind);
    for (let i = 0; i < 3; i++) kinds.push((await guard.check(withVoucher('QUIET10'))).kind);
    expect(kinds).toEqual(['allowed', 'allowed', 'held', 'allowed', 'allowed', 'held']);
    expect(await value(registry, 'voucherVelocityTrips', { voucher: 'LEAK50' })).toBe(1);
    expect(await value(registry, 'voucherVelocityTrips', { voucher: OTHER })).toBe(1);
    expect(await value(registry, 'holds', { rule: 'voucher_velocity' })).toBe(2);
    const labels = (await samples(registry, 'voucherVelocityTrips')).map((sample) => sample.labels.voucher);
    expect(labels.sort()).toEqual(['LEAK50', OTHER]);
  });
});

describe('review queue gauges', () => {
  it('report depth by status and the age of the oldest pending hold at each scrape', async () => {
    const { registry, metrics, store, guard, clock } = setup();
    metrics.watchQueue(store);
    expect(await value(registry, 'queueHolds', { status: 'pending' })).toBe(0);
    expect(await value(registry, 'queueOldestPendingAge')).toBe(0);

    const first = await guard.check(zeroTotalOrder());
    clock.now += 30_000;
    await guard.check(zeroTotalOrder());
    clock.now += 60_000;
    expect(await value(registry, 'queueHolds', { status: 'pending' })).toBe(2);
    expect(await value(registry, 'queueOldestPendingAge')).toBe(90);

    if (first.kind !== 'held') throw new Error('expected a hold');
    const decided = await store.decide({
      orderId: first.held.orderId,
      to: 'approved',
      actor: 'alice',
      note: 'catalog fixed',
      now: clock.now,
    });
    expect(decided.ok).toBe(true);
    expect(await value(registry, 'queueHolds', { status: 'pending' })).toBe(1);
    expect(await value(registry, 'queueHolds', { status: 'approved' })).toBe(1);
    expect(await value(registry, 'queueOldestPendingAge')).toBe(60);
  });

  it('share one queueStats call per scrape and keep the last values when the store fails', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, clock: () => NOW });
    let calls = 0;
    let fail = false;
    const stats: QueueStats = {
      byStatus: { pending: 3, approved: 1, rejected: 0 },
      oldestPendingAt: NOW - 5000,
    };
    const store = new MemoryStore();
    store.queueStats = async () => {
      calls += 1;
      if (fail) throw new Error('READONLY');
      return stats;
    };
    metrics.watchQueue(store);
    const text = await registry.metrics();
    expect(calls).toBe(1);
    expect(text).toContain(`${DEFAULT_PREFIX}review_queue_holds{status="pending"} 3`);
    expect(text).toContain(`${DEFAULT_PREFIX}review_queue_oldest_pending_age_seconds 5`);

    fail = true;
    const after = await registry.metrics();
    expect(calls).toBe(2);
    expect(after).toContain(`${DEFAULT_PREFIX}review_queue_holds{status="pending"} 3`);
    expect(await value(registry, 'storeErrors', { operation: 'queueStats' })).toBe(1);
  });

  it('give up on a hung queueStats after the timeout, so a scrape never hangs', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, queueStatsTimeoutMs: 20 });
    const store = new MemoryStore();
    store.queueStats = () => new Promise<QueueStats>(() => {});
    metrics.watchQueue(store);
    const text = await registry.metrics();
    expect(text).toContain(`${DEFAULT_PREFIX}review_queue_oldest_pending_age_seconds 0`);
    // The error is counted once the gauges have given up; the next scrape shows it.
    expect(await value(registry, 'storeErrors', { operation: 'queueStats' })).toBe(1);
  });
});

describe('reviewer actions, webhooks and store calls', () => {
  it('count by bounded label values', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    metrics.reviewAction('approved');
    metrics.reviewAction('rejected', 3);
    metrics.reviewAction('free-form text');
    metrics.webhook('delivered');
    metrics.webhook('failed');
    metrics.webhook('failed');
    metrics.storeCall('prepare', 0.001, true);
    metrics.storeCall('EVALSHA abc', 0.002, false);
    expect(await value(registry, 'reviewerActions', { action: 'approved' })).toBe(1);
    expect(await value(registry, 'reviewerActions', { action: 'rejected' })).toBe(3);
    expect(await value(registry, 'reviewerActions', { action: OTHER })).toBe(1);
    expect(await value(registry, 'webhookDeliveries', { outcome: 'failed' })).toBe(2);
    expect(await value(registry, 'webhookDeliveries', { outcome: 'retried' })).toBe(0);
    expect(await value(registry, 'storeErrors', { operation: OTHER })).toBe(1);
    expect(await value(registry, 'storeCallDuration', { operation: 'prepare' }, '_count')).toBe(1);
  });

  it('never take a label value from outside a bounded set, whatever the input (property)', async () => {
    const voucherLabels = ['LEAK50', 'TMRW100'];
    const registry = new Registry();
    const metrics = createMetrics({ registry, voucherLabels });
    const policy = parsePolicy({});
    const guard = new Guard({ policy, metrics });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 5 }),
        fc.string(),
        fc.string(),
        async (codes, operation, action) => {
          const result = await guard.check(order({ lines: [line('A', 100_000)] }));
          if (result.kind !== 'allowed') throw new Error('expected allowed');
          metrics.evaluated(result.order, { ...result.evaluation, effects: { tripVouchers: codes } }, 0.0001);
          metrics.storeCall(operation, 0.001, false);
          metrics.reviewAction(action);
        },
      ),
      { numRuns: 200 },
    );
    const voucherValues = new Set(
      (await samples(registry, 'voucherVelocityTrips')).map((s) => s.labels.voucher),
    );
    expect([...voucherValues].every((code) => [...voucherLabels, OTHER].includes(String(code)))).toBe(true);
    const operations = new Set((await samples(registry, 'storeErrors')).map((s) => s.labels.operation));
    expect([...operations].every((op) => [...STORE_OPERATIONS, OTHER].includes(String(op)))).toBe(true);
    expect(operations.size).toBeLessThanOrEqual(STORE_OPERATIONS.length + 1);
    const actions = (await samples(registry, 'reviewerActions')).map((s) => s.labels.action);
    expect(actions.length).toBeLessThanOrEqual(10);
  });
});

describe('registry, prefix, labels and the /metrics handler', () => {
  it('serves the registry in Prometheus text format', async () => {
    const { metrics, guard } = setup();
    await guard.check(zeroTotalOrder());
    const app = express();
    app.get('/metrics', metrics.handler());
    const response = await request(app).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.text).toContain(`${DEFAULT_PREFIX}holds_total{rule="zero_total"} 1`);
    expect(response.text).toContain(`${DEFAULT_PREFIX}evaluation_duration_seconds_bucket{le="0.000025"}`);
    expect(response.text).not.toContain('process_cpu'); // default metrics are off by default
  });

  it('registers on a shared registry with a custom prefix and constant labels, leaving its other metrics alone', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({});
    const first = createMetrics({ registry });
    const second = createMetrics({ registry, prefix: 'shop2_guard_', labels: { shop: 'id' } });
    second.invalidOrder();
    const text = await registry.metrics();
    expect(text).toContain('shop2_guard_invalid_orders_total{shop="id"} 1');
    expect(text).toContain(`${DEFAULT_PREFIX}invalid_orders_total 0`);
    expect(first.registry).toBe(registry);
    expect(second.prefix).toBe('shop2_guard_');
  });

  it('collects default Node process metrics only when asked', async () => {
    const registry = new Registry();
    createMetrics({ registry, defaultMetrics: true });
    expect(await registry.metrics()).toContain('process_cpu_user_seconds_total');
  });

  it.each<[string, MetricsOptions, RegExp]>([
    ['an unknown option', { prefx: 'x_' } as MetricsOptions, /unknown option "prefx"/],
    ['a bad prefix', { prefix: 'checkout-guard' }, /option "prefix" must match/],
    ['a label clashing with its own', { labels: { rule: 'x' } }, /"labels.rule" clashes/],
    ['a bad label name', { labels: { __name: 'x' } }, /invalid label name "__name"/],
    ['"other" as a voucher label', { voucherLabels: ['other'] }, /voucherLabels\[0\]" is "other"/],
    ['an unknown currency', { currencies: ['IDR', 'XXX'] }, /"currencies\[1\]" must be a currency/],
    ['a bad timeout', { queueStatsTimeoutMs: 0 }, /"queueStatsTimeoutMs" must be a positive/],
    ['a registry of another kind', { registry: {} as Registry }, /"registry" must be a prom-client Registry/],
  ])('rejects %s with an error naming the option', (_name, options, message) => {
    expect(() => createMetrics(options)).toThrow(MetricsOptionsError);
    expect(() => createMetrics(options)).toThrow(message);
  });

  it('explains a second createMetrics on the same registry and prefix', () => {
    const registry = new Registry();
    createMetrics({ registry });
    expect(() => createMetrics({ registry })).toThrow(/called twice on one registry.*"prefix" or "registry"/);
  });

  it('refuses to watch something that is not a store', () => {
    const metrics = createMetrics();
    expect(() => metrics.watchQueue({} as GuardStore)).toThrow(/queueStats/);
  });
});
