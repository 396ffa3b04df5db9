// test/observability/metrics-decisions.test.ts
// What a real Guard counts on each decision path: allowed, held, invalid, shadow, faults, abstentions, exceptions.

import { Registry } from 'prom-client';
import type { PolicyInput } from '../../src/core/policy';
import { parsePolicy } from '../../src/core/policy';
import { RULE_IDS } from '../../src/core/types';
import { Guard } from '../../src/engine/guard';
import { instrumentStore } from '../../src/observability/instrument-store';
import { createMetrics, OTHER } from '../../src/observability/metrics';
import { MemoryStore } from '../../src/state/memory/store';
import { line, order } from '../helpers/orders';
import { allowedOrder, samples, setup, total, value, zeroTotalOrder } from './metrics-fixtures';

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
