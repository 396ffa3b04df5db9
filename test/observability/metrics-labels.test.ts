// test/observability/metrics-labels.test.ts
// Reviewer-action, webhook and store-call counters, and that no label value ever comes from outside a bounded set.

import fc from 'fast-check';
import { Registry } from 'prom-client';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import { createMetrics, OTHER, REVIEW_ACTIONS } from '../../src/observability/metrics';
import { STORE_OPERATIONS } from '../../src/observability/store-operations';
import { line, order } from '../helpers/orders';
import { samples, value } from './metrics-fixtures';

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
