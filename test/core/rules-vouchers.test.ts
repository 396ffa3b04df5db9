// test/core/rules-vouchers.test.ts
// voucher_budget: a code's spend budget and use caps, and failing closed when the store cannot reserve a use.

import type { Facts, VoucherState } from '../../src/core/facts';
import type { PolicyInput } from '../../src/core/policy';
import { line, order } from '../helpers/orders';
import { rulesOf, run } from './rules-fixtures';

describe('voucher_budget', () => {
  const withVoucher = order({ lines: [line('A', 500_000)], vouchers: [{ code: 'CODE', discount: 50_000 }] });
  const state = (extra: Partial<VoucherState>): Facts => ({
    history: new Map(),
    vouchers: new Map([
      ['CODE', { windows: [{ seconds: 60, count: 1 }], baselineCount: 0, baselineSeconds: 0, ...extra }],
    ]),
    unavailable: new Set(),
  });

  it('holds an order that would pass the code budget', () => {
    const policy: PolicyInput = { vouchers: { CODE: { budget: { IDR: 1_000_000 } } } };
    expect(rulesOf(withVoucher, policy, state({ budgetUsed: 960_000 }))).toEqual(['voucher_budget']);
    expect(rulesOf(withVoucher, policy, state({ budgetUsed: 950_000 }))).toEqual([]);
  });

  it('fails closed for a hard-capped code when the store cannot reserve a use', () => {
    const policy: PolicyInput = { vouchers: { CODE: { maxUses: 10 } } };
    const down: Facts = {
      history: new Map(),
      vouchers: new Map(),
      unavailable: new Set(['history', 'vouchers']),
    };
    expect(rulesOf(withVoucher, policy, down)).toEqual(['voucher_budget']);
    expect(rulesOf(withVoucher, {}, down)).toEqual([]); // an uncapped code has nothing to reserve
  });

  it('holds an order the store could not reserve a use for', () => {
    const policy: PolicyInput = { vouchers: { CODE: { maxUses: 10 } } };
    const reasons = run(withVoucher, policy, state({ limitReached: 'maxUses', uses: 10 })).decision.reasons;
    expect(reasons).toEqual([expect.objectContaining({ rule: 'voucher_budget', limit: 10, observed: 11 })]);
  });
});
