// test/observability/metrics-gauges.test.ts
// Gauges read at each scrape: review queue depth, age and pending money, and the webhook outbox size.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { metricsIn, panels } from '../../grafana/dashboard';
import { createMetrics, DEFAULT_PREFIX, OTHER } from '../../src/observability/metrics';
import type { QueueStats } from '../../src/ports/store';
import { MemoryStore } from '../../src/state/memory/store';
import { NOW, samples, setup, value, zeroTotalOrder } from './metrics-fixtures';

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
    const decided = await store.transition({
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

  it('report the money in pending holds per currency, at 0 from the start and once a currency is drained', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, clock: () => NOW, currencies: ['IDR'] });
    let stats: QueueStats = { byStatus: { pending: 3, approved: 0, rejected: 0 }, oldestPendingAt: NOW };
    const store = new MemoryStore();
    store.queueStats = async () => stats;
    // Before any store is watched, and while the store reports nothing: every amount of IDR at 0, not "no data".
    const series = async () =>
      (await samples(registry, 'pendingValue'))
        .map((s) => `${s.labels.currency}/${s.labels.amount}=${s.value}`)
        .sort();
    const zeros = (currency: string) =>
      ['discount', 'exposure', 'list_value', 'overcharge', 'total'].map((name) => `${currency}/${name}=0`);
    expect(await series()).toEqual(zeros('IDR'));
    metrics.watchQueue(store);
    expect(await series()).toEqual(zeros('IDR'));

    const money = (
      listValue: number,
      discount: number,
      total: number,
      exposure = discount,
      overcharge = 0,
    ) => ({
      orders: 1,
      listValue,
      discount,
      total,
      exposure,
      overcharge,
    });
    stats = {
      ...stats,
      pendingValue: { IDR: money(4_800_000, 4_700_000, 100_000), USD: money(5000, 0, 10, 4990, 0) },
    };
    expect(await value(registry, 'pendingValue', { currency: 'IDR', amount: 'discount' })).toBe(4_700_000);
    expect(await value(registry, 'pendingValue', { currency: 'IDR', amount: 'list_value' })).toBe(4_800_000);
    expect(await value(registry, 'pendingValue', { currency: 'IDR', amount: 'total' })).toBe(100_000);
    expect(await value(registry, 'pendingValue', { currency: 'IDR', amount: 'exposure' })).toBe(4_700_000);
    expect(await value(registry, 'pendingValue', { currency: 'USD', amount: 'exposure' })).toBe(4990);
    expect(await value(registry, 'pendingValue', { currency: 'USD', amount: 'overcharge' })).toBe(0);

    // A drained currency reads 0; a code the guard does not know is "other".
    stats = { ...stats, pendingValue: { XYZ: money(10, 5, 5), 'NOT A CODE': money(1, 1, 0, 1, 3) } };
    expect(await series()).toEqual(
      [
        ...zeros('IDR'),
        ...zeros('USD'),
        `${OTHER}/discount=6`,
        `${OTHER}/exposure=6`,
        `${OTHER}/list_value=11`,
        `${OTHER}/overcharge=3`,
        `${OTHER}/total=5`,
      ].sort(),
    );
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
  it('reads the callback at each scrape: a number, a promise, or 0 when there is no outbox', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, queueStatsTimeoutMs: 50 });
    expect(await value(registry, 'webhookOutbox')).toBe(0); // nothing watched (webhooks off): 0, not "no data"
    let size: number | undefined = 4;
    metrics.watchOutbox(() => size);
    expect(await value(registry, 'webhookOutbox')).toBe(4);
    size = undefined;
    expect(await value(registry, 'webhookOutbox')).toBe(0);
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

describe('metrics the dashboard and the alerts name', () => {
  it('all have a series in the first scrape, before any order, store or webhook endpoint', async () => {
    const registry = new Registry();
    createMetrics({ registry });
    const text = await registry.metrics();
    const present = new Set(
      text
        .split('\n')
        .filter((row) => row !== '' && !row.startsWith('#'))
        .map((row) => row.replace(/[{ ].*$/, '').replace(/_(bucket|sum|count)$/, '')),
    );
    const alerts = readFileSync(join(__dirname, '..', '..', 'prometheus', 'alerts.yml'), 'utf8');
    const named = new Set([
      ...panels.flatMap((panel) => panel.targets.flatMap((target) => metricsIn(target.expr))),
      ...metricsIn(alerts),
    ]);
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter((name) => !present.has(name))).toEqual([]);
  });
});

describe('preflight gauges', () => {
  it('start at 0 for both severities, then show what the last preflight found', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    expect(await value(registry, 'preflightProblems', { severity: 'error' })).toBe(0);
    expect(await value(registry, 'preflightProblems', { severity: 'warning' })).toBe(0);
    expect(await value(registry, 'preflightConflictAhead')).toBe(0);
    const ahead = Date.parse('2026-12-11T17:00:00Z');
    metrics.preflight({ errors: 2, warnings: 5, conflictAhead: ahead });
    expect(await value(registry, 'preflightProblems', { severity: 'error' })).toBe(2);
    expect(await value(registry, 'preflightProblems', { severity: 'warning' })).toBe(5);
    expect(await value(registry, 'preflightConflictAhead')).toBe(ahead / 1000);
    metrics.preflight({ errors: 0, warnings: 1, conflictAhead: undefined });
    expect(await value(registry, 'preflightProblems', { severity: 'error' })).toBe(0);
    expect(await value(registry, 'preflightConflictAhead')).toBe(0);
  });
});
