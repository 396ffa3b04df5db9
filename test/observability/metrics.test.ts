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
  declaredVoucherCodes,
  METRIC_NAMES,
  type MetricsOptions,
  MetricsOptionsError,
  OTHER,
  type PriceGuardMetrics,
  REVIEW_ACTIONS,
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

  it('counts a voucher velocity trip under its declared code, an undeclared code under "other"', async () => {
    const { registry, guard } = setup({ velocity: { maxPerWindow: 2 }, vouchers: { LEAK50: {} } });
    const withVoucher = (code: string) =>
      order({ lines: [line('TEE-01', 150_000)], vouchers: [{ code, discount: 15_000 }] });
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) kinds.push((await guard.check(withVoucher('LEAK50'))).kind);
    for (let i = 0; i < 6; i++) kinds.push((await guard.check(withVoucher('POSTED2FORUM'))).kind);
    expect(kinds.slice(0, 3)).toEqual(['allowed', 'allowed', 'held']);
    expect(kinds.slice(3)).toContain('held');
    expect(await value(registry, 'voucherVelocityTrips', { voucher: 'LEAK50' })).toBe(1);
    expect(await value(registry, 'voucherVelocityTrips', { voucher: OTHER })).toBe(1);
    const labels = (await samples(registry, 'voucherVelocityTrips')).map((sample) => sample.labels.voucher);
    expect(labels.sort()).toEqual(['LEAK50', OTHER]);
  });
});

describe('abstentions and resumed codes are counted', () => {
  it('counts an order a rule could not judge, by rule, once per order', async () => {
    const { registry, guard } = setup();
    // Two lines of SKUs with no history and no declared price: below_recent_price abstains, once for the order.
    await guard.check(order({ lines: [line('NEW-1', 100_000), line('NEW-2', 50_000)] }));
    expect(await value(registry, 'abstentions', { rule: 'below_recent_price' })).toBe(1);
    expect(await value(registry, 'abstentions', { rule: 'zero_total' })).toBe(0);
  });

  it('counts a tripped code that resumed on its own, under its declared label', async () => {
    const { registry, metrics, guard } = setup({ vouchers: { WELCOME: {} } });
    const result = await guard.check(allowedOrder());
    if (result.kind !== 'allowed') throw new Error('expected allowed');
    metrics.evaluated(
      result.order,
      {
        ...result.evaluation,
        effects: { tripVouchers: [], anomalousVouchers: [], resumeVouchers: ['WELCOME', 'RANDOM-CODE'] },
      },
      0.0001,
    );
    expect(await value(registry, 'voucherVelocityResumes', { voucher: 'WELCOME' })).toBe(1);
    expect(await value(registry, 'voucherVelocityResumes', { voucher: OTHER })).toBe(1);
  });
});

describe('per-voucher metrics follow the codes the policy in force declares', () => {
  const withVoucher = (code: string, discount = 15_000, currency = 'IDR') =>
    order({ currency, lines: [line('TEE-01', 150_000)], vouchers: [{ code, discount }] });
  const campaign = {
    id: 'harbolnas',
    note: '11.11',
    startsAt: '2026-11-10T17:00:00Z',
    endsAt: '2026-11-11T17:00:00Z',
    vouchers: ['HARBOLNAS11'],
  };

  it('count redemption attempts and discount per declared code and currency, any other code as "other"', async () => {
    const { registry, guard } = setup(
      { vouchers: { BANKONLY100: { paymentMethods: ['CARD:BANK-X'] } }, campaigns: [campaign] },
      { voucherLabels: [' tmrw100pekr6x50'] },
    );
    await guard.check(withVoucher('BANKONLY100', 100_000));
    await guard.check(withVoucher('BANKONLY100', 100_000, 'USD'));
    await guard.check(withVoucher('HARBOLNAS11', 20_000));
    await guard.check(withVoucher('TMRW100PEKR6X50', 50_000));
    await guard.check(withVoucher('GUESSED123', 7_000));
    await guard.check(withVoucher('ANOTHERGUESS', 3_000));
    await guard.check(allowedOrder());

    expect(await value(registry, 'voucherRedemptions', { voucher: 'BANKONLY100' })).toBe(2);
    expect(await value(registry, 'voucherRedemptions', { voucher: 'HARBOLNAS11' })).toBe(1);
    expect(await value(registry, 'voucherRedemptions', { voucher: 'TMRW100PEKR6X50' })).toBe(1);
    expect(await value(registry, 'voucherRedemptions', { voucher: OTHER })).toBe(2);
    expect(await value(registry, 'voucherDiscount', { voucher: 'BANKONLY100', currency: 'IDR' })).toBe(
      100_000,
    );
    expect(await value(registry, 'voucherDiscount', { voucher: 'BANKONLY100', currency: 'USD' })).toBe(
      100_000,
    );
    expect(await value(registry, 'voucherDiscount', { voucher: OTHER, currency: 'IDR' })).toBe(10_000);
    const labels = new Set((await samples(registry, 'voucherRedemptions')).map((s) => s.labels.voucher));
    expect([...labels].sort()).toEqual(['BANKONLY100', 'HARBOLNAS11', 'TMRW100PEKR6X50', OTHER]);
  });

  it('create the series of declared codes at 0 before the first order, and retire codes a reload drops', async () => {
    const { registry, metrics, guard } = setup();
    const first = parsePolicy({ vouchers: { LEAK50: {}, QUIET10: {} }, campaigns: [campaign] });
    expect(metrics.usePolicy(first)).toEqual({
      labelled: ['LEAK50', 'QUIET10', 'HARBOLNAS11'],
      unlabelled: [],
    });
    const trips = async () =>
      (await samples(registry, 'voucherVelocityTrips')).map((s) => `${s.labels.voucher}=${s.value}`).sort();
    expect(await trips()).toEqual(['HARBOLNAS11=0', 'LEAK50=0', 'QUIET10=0', `${OTHER}=0`]);
    expect(await value(registry, 'voucherRedemptions', { voucher: 'LEAK50' })).toBe(0);

    // A reload (the guard reports the policy it judged by): QUIET10 and the campaign go, NEW20 comes.
    guard.setPolicy(parsePolicy({ vouchers: { LEAK50: {}, NEW20: {} } }));
    await guard.check(withVoucher('QUIET10'));
    expect(await trips()).toEqual(['LEAK50=0', 'NEW20=0', `${OTHER}=0`]);
    expect(await value(registry, 'voucherRedemptions', { voucher: OTHER })).toBe(1);
    const discounts = (await samples(registry, 'voucherDiscount')).map((s) => s.labels.voucher);
    expect(discounts).toEqual([OTHER]);
  });

  it('label at most maxVoucherLabels codes, voucherLabels first, and report the rest', async () => {
    const { registry, metrics, guard } = setup(
      { vouchers: { BBB: {}, AAA: {}, CCC: {} } },
      { voucherLabels: ['ZZZ'], maxVoucherLabels: 3 },
    );
    expect(metrics.usePolicy(guard.policy)).toEqual({ labelled: ['ZZZ', 'BBB', 'AAA'], unlabelled: ['CCC'] });
    await guard.check(withVoucher('CCC'));
    expect(await value(registry, 'voucherRedemptions', { voucher: OTHER })).toBe(1);
    expect(await value(registry, 'voucherRedemptions', { voucher: 'CCC' })).toBe(0);
    // The same policy again costs nothing and answers the same.
    expect(metrics.usePolicy(guard.policy)).toBe(metrics.usePolicy(guard.policy));
  });

  it('reads the declared codes of a policy in canonical form, terms first, without duplicates', () => {
    const policy = parsePolicy({
      vouchers: { LEAK50: {}, HARBOLNAS11: {} },
      campaigns: [campaign, { ...campaign, id: 'again', vouchers: ['harbolnas11', 'Ｎｅｗ２０'] }],
    });
    expect(declaredVoucherCodes(policy)).toEqual(['LEAK50', 'HARBOLNAS11', 'NEW20']);
  });

  it('count a velocity trip under its declared code even when it is not in voucherLabels', async () => {
    const { registry, guard } = setup({ vouchers: { LEAK50: { velocity: { maxPerWindow: 1 } } } });
    for (let i = 0; i < 2; i++) await guard.check(withVoucher('LEAK50'));
    expect(await value(registry, 'voucherVelocityTrips', { voucher: 'LEAK50' })).toBe(1);
    expect(await value(registry, 'voucherVelocityTrips', { voucher: OTHER })).toBe(0);
  });
});

describe('excepted orders never count toward paging metrics', () => {
  const policy: PolicyInput = {
    exceptions: [
      {
        id: 'staff-meals',
        note: 'free staff meals are intended',
        rules: ['zero_total', 'near_zero_total', 'discount_cap'],
        customerIds: ['STAFF-7'],
      },
    ],
  };

  it('an intended free staff order is counted as excepted, not as a zero-total order', async () => {
    const { registry, guard } = setup(policy);
    const staff = await guard.check({ ...zeroTotalOrder(), customerId: 'STAFF-7' });
    expect(staff.kind).toBe('allowed');
    expect(await value(registry, 'zeroTotalOrders')).toBe(0);
    expect(await value(registry, 'ordersEvaluated', { decision: 'hold', mode: 'enforce' })).toBe(0);
    expect(await value(registry, 'exceptedOrders', { rule: 'zero_total' })).toBe(1);
    expect(await value(registry, 'exceptedOrders', { rule: 'discount_cap' })).toBe(1);
    expect(await value(registry, 'exceptedOrders', { rule: 'voucher_velocity' })).toBe(0);

    // The same glitch for a shopper still pages.
    const shopper = await guard.check({ ...zeroTotalOrder(), customerId: 'cus_1' });
    expect(shopper.kind).toBe('held');
    expect(await value(registry, 'zeroTotalOrders')).toBe(1);
    expect(await value(registry, 'exceptedOrders', { rule: 'zero_total' })).toBe(1);
  });

  it('an exception for other rules does not hide a zero total', async () => {
    const { registry, guard } = setup({
      exceptions: [{ id: 'cap-only', note: 'clearance', rules: ['discount_cap'], customerIds: ['STAFF-7'] }],
    });
    await guard.check({ ...zeroTotalOrder(), customerId: 'STAFF-7' });
    expect(await value(registry, 'zeroTotalOrders')).toBe(1);
    expect(await value(registry, 'exceptedOrders', { rule: 'discount_cap' })).toBe(1);
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

  it('report the money in pending holds per currency when the store gives it, and nothing when it does not', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, clock: () => NOW });
    let stats: QueueStats = { byStatus: { pending: 3, approved: 0, rejected: 0 }, oldestPendingAt: NOW };
    const store = new MemoryStore();
    store.queueStats = async () => stats;
    metrics.watchQueue(store);
    expect(await samples(registry, 'pendingValue')).toEqual([]);

    const money = (listValue: number, discount: number, total: number) => ({
      orders: 1,
      listValue,
      discount,
      total,
    });
    stats = {
      ...stats,
      pendingValue: { IDR: money(4_800_000, 4_700_000, 100_000), USD: money(5000, 5000, 0) },
    };
    expect(await value(registry, 'pendingValue', { currency: 'IDR', amount: 'discount' })).toBe(4_700_000);
    expect(await value(registry, 'pendingValue', { currency: 'IDR', amount: 'list_value' })).toBe(4_800_000);
    expect(await value(registry, 'pendingValue', { currency: 'IDR', amount: 'total' })).toBe(100_000);
    expect(await value(registry, 'pendingValue', { currency: 'USD', amount: 'total' })).toBe(0);

    // A currency whose holds were all decided disappears; a code the guard does not know is "other".
    stats = { ...stats, pendingValue: { XYZ: money(10, 5, 5), 'NOT A CODE': money(1, 1, 0) } };
    const series = (await samples(registry, 'pendingValue')).map(
      (s) => `${s.labels.currency}/${s.labels.amount}=${s.value}`,
    );
    expect(series.sort()).toEqual([`${OTHER}/discount=6`, `${OTHER}/list_value=11`, `${OTHER}/total=5`]);
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

describe('webhook outbox gauge', () => {
  it('reads the callback at each scrape: a number, a promise, or nothing when there is no outbox', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, queueStatsTimeoutMs: 50 });
    expect(await samples(registry, 'webhookOutbox')).toEqual([]); // nothing watched: no series
    let size: number | undefined = 4;
    metrics.watchOutbox(() => size);
    expect(await value(registry, 'webhookOutbox')).toBe(4);
    size = undefined;
    expect(await samples(registry, 'webhookOutbox')).toEqual([]);
    metrics.watchOutbox(async () => 7);
    expect(await value(registry, 'webhookOutbox')).toBe(7);
  });

  it('keeps the last value when the callback fails or hangs, so a scrape never fails', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, queueStatsTimeoutMs: 20 });
    let mode: 'ok' | 'throw' | 'hang' = 'ok';
    metrics.watchOutbox(() => {
      if (mode === 'throw') throw new Error('READONLY');
      if (mode === 'hang') return new Promise<number>(() => {});
      return 12;
    });
    expect(await value(registry, 'webhookOutbox')).toBe(12);
    mode = 'throw';
    expect(await value(registry, 'webhookOutbox')).toBe(12);
    mode = 'hang';
    expect(await value(registry, 'webhookOutbox')).toBe(12);
  });

  it('refuses something that is not a callback', () => {
    const metrics = createMetrics();
    expect(() => metrics.watchOutbox(3 as unknown as () => number)).toThrow(
      /watchOutbox\(read\) needs a function/,
    );
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
    const policy = parsePolicy({ vouchers: { DECLARED1: {} } });
    const guard = new Guard({ policy, metrics });
    const code = fc.constantFrom('LEAK50', 'DECLARED1', 'declared1', 'Leak50');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 5 }),
        fc.string(),
        fc.string(),
        fc.oneof(code, fc.string({ minLength: 1, maxLength: 20 })),
        async (codes, operation, action, onOrder) => {
          const shopper = order({ lines: [line('A', 100_000)], vouchers: [{ code: onOrder, discount: 1 }] });
          await guard.check(shopper); // any code a shopper types, valid or not
          const result = await guard.check(order({ lines: [line('A', 100_000)] }));
          if (result.kind !== 'allowed') throw new Error('expected allowed');
          metrics.evaluated(
            result.order,
            {
              ...result.evaluation,
              effects: { tripVouchers: codes, anomalousVouchers: [], resumeVouchers: [] },
            },
            0.0001,
          );
          metrics.storeCall(operation, 0.001, false);
          metrics.reviewAction(action);
        },
      ),
      { numRuns: 200 },
    );
    const voucherValues = new Set(
      (await samples(registry, 'voucherVelocityTrips')).map((s) => s.labels.voucher),
    );
    const bounded = [...voucherLabels, 'DECLARED1', OTHER];
    expect([...voucherValues].every((code) => bounded.includes(String(code)))).toBe(true);
    const redeemed = new Set((await samples(registry, 'voucherRedemptions')).map((s) => s.labels.voucher));
    expect([...redeemed].every((code) => bounded.includes(String(code)))).toBe(true);
    const spent = new Set((await samples(registry, 'voucherDiscount')).map((s) => s.labels.voucher));
    expect([...spent].every((code) => bounded.includes(String(code)))).toBe(true);
    const operations = new Set((await samples(registry, 'storeErrors')).map((s) => s.labels.operation));
    expect([...operations].every((op) => [...STORE_OPERATIONS, OTHER].includes(String(op)))).toBe(true);
    expect(operations.size).toBeLessThanOrEqual(STORE_OPERATIONS.length + 1);
    const actions = (await samples(registry, 'reviewerActions')).map((s) => s.labels.action);
    expect(actions.length).toBeLessThanOrEqual(REVIEW_ACTIONS.length + 1);
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
    [
      'an invisible character in a voucher label',
      { voucherLabels: ['LEAK\u200b50'] },
      /voucherLabels\[0\]" must not contain control.*U\+200B/,
    ],
    ['a negative label cap', { maxVoucherLabels: -1 }, /"maxVoucherLabels" must be a whole number/],
    [
      'more voucher labels than the cap',
      { voucherLabels: ['A', 'B'], maxVoucherLabels: 1 },
      /lists 2 codes, more than "maxVoucherLabels" \(1\)/,
    ],
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
