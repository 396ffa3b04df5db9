// test/observability/metrics-custom-rules.test.ts
// Custom rules in the per-rule metrics: their own `rule` series while the policy has them, never an unbounded label.

import fc from 'fast-check';
import { Registry } from 'prom-client';
import { type PolicyInput, parsePolicy } from '../../src/core/policy';
import { RULE_IDS } from '../../src/core/types';
import { Guard } from '../../src/engine/guard';
import { createMetrics, OTHER } from '../../src/observability/metrics';
import { MemoryStore } from '../../src/state/memory/store';
import { line, order } from '../helpers/orders';
import { samples, value } from './metrics-fixtures';

const policyInput: PolicyInput = {
  customRules: [
    { id: 'phone_bulk', scope: 'line', when: 'line.quantity > 3', message: 'bulk' },
    { id: 'night_cod', when: 'order.paymentMethod == "COD"', message: 'cod', mode: 'shadow' },
    { id: 'needs_price', scope: 'line', when: 'line.paid < line.declaredPrice', message: 'x' },
  ],
  exceptions: [{ id: 'reseller', note: 'B2B', rules: ['phone_bulk'], customerIds: ['reseller-1'] }],
};

describe('custom rules in the metrics', () => {
  it('count holds, shadow holds, abstentions and exceptions under the rule id, from 0', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    const guard = new Guard({ policy: parsePolicy(policyInput), store: new MemoryStore(), metrics });
    metrics.usePolicy(guard.policy);
    for (const name of ['holds', 'wouldHold', 'abstentions', 'exceptedOrders'] as const) {
      expect(await value(registry, name, { rule: 'phone_bulk' })).toBe(0);
    }
    await guard.check(order({ lines: [line('PHONE', 100_000, 0, 5)], paymentMethod: 'cod' }));
    await guard.check(order({ customerId: 'reseller-1', lines: [line('PHONE', 100_000, 0, 5)] }));
    expect(await value(registry, 'holds', { rule: 'phone_bulk' })).toBe(1);
    expect(await value(registry, 'wouldHold', { rule: 'night_cod' })).toBe(1);
    expect(await value(registry, 'holds', { rule: 'night_cod' })).toBe(0);
    expect(await value(registry, 'abstentions', { rule: 'needs_price' })).toBe(2);
    expect(await value(registry, 'exceptedOrders', { rule: 'phone_bulk' })).toBe(1);
  });

  it("retires the series of a rule the policy dropped, and counts a rule it does not have as 'other'", async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    metrics.usePolicy(parsePolicy(policyInput));
    metrics.usePolicy(parsePolicy({ customRules: [policyInput.customRules![0]!] }));
    const rules = new Set((await samples(registry, 'holds')).map((sample) => String(sample.labels.rule)));
    expect(rules).toEqual(new Set([...RULE_IDS, 'phone_bulk']));
    // A decision made under the earlier policy, reported after the reload.
    const guard = new Guard({ policy: parsePolicy(policyInput), store: new MemoryStore() });
    const result = await guard.check(order({ lines: [line('A', 100_000)], paymentMethod: 'cod' }));
    if (result.kind !== 'allowed') throw new Error('expected allowed');
    metrics.evaluated(result.order, result.evaluation, 0.001);
    expect(await value(registry, 'wouldHold', { rule: OTHER })).toBe(1);
    expect(await value(registry, 'wouldHold', { rule: 'night_cod' })).toBe(0);
  });

  it('never takes a rule label from outside the built-in ids, the policy in force and other (property)', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    const ids = fc
      .stringMatching(/^[a-z][a-z0-9_]{0,20}$/)
      .filter((id) => !(RULE_IDS as readonly string[]).includes(id));
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(ids, { minLength: 1, maxLength: 4 }),
        fc.array(ids, { maxLength: 4 }),
        async (inForce, reported) => {
          const policy = parsePolicy({
            customRules: inForce.map((id) => ({ id, when: 'true', message: id })),
          });
          metrics.usePolicy(policy);
          for (const id of inForce) seen.add(id);
          const guard = new Guard({ policy, store: new MemoryStore() });
          const result = await guard.check(order({ lines: [line('A', 100_000)] }));
          if (result.kind !== 'held') throw new Error('expected held');
          const decision = {
            ...result.evaluation.decision,
            reasons: [
              ...result.evaluation.decision.reasons,
              ...reported.map((rule) => ({ rule, message: 'x', mode: 'enforce' as const })),
            ],
          };
          metrics.held(result.order, { ...result.evaluation, decision });
          const labels = (await samples(registry, 'holds')).map((sample) => String(sample.labels.rule));
          const allowed = new Set<string>([...RULE_IDS, ...inForce, OTHER]);
          expect(labels.filter((label) => !allowed.has(label))).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
    expect(seen.size).toBeGreaterThan(4);
  });
});
