// test/observability/metrics-options.test.ts
// createMetrics options: registry, prefix, constant labels, default metrics, option errors, and the /metrics handler.

import express from 'express';
import { Registry } from 'prom-client';
import request from 'supertest';
import {
  createMetrics,
  DEFAULT_PREFIX,
  type MetricsOptions,
  MetricsOptionsError,
} from '../../src/observability/metrics';
import type { GuardStore } from '../../src/ports/store';
import { setup, zeroTotalOrder } from './metrics-fixtures';

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
