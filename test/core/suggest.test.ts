// test/core/suggest.test.ts
// "Did you mean": typos in policy, service config and order keys name the closest known field.

import fc from 'fast-check';
import { parseConfig } from '../../src/config/service';
import { knownKeysAt } from '../../src/core/known-keys';
import { OrderParser } from '../../src/core/order-parser';
import { PolicyError, parsePolicy, policySchema } from '../../src/core/policy';
import { closest, editDistance } from '../../src/core/suggest';
import { RULE_IDS } from '../../src/core/types';
import { line, order } from '../helpers/orders';

describe('closest', () => {
  it('finds the known name one or two edits away, case-insensitively', () => {
    expect(closest('flors', ['floors', 'campaigns'])).toBe('floors');
    expect(closest('PolicyFile', ['policyFile', 'policy'])).toBe('policyFile');
    expect(closest('lineDiscountCap', ['lineDiscountCapBp', 'skus'])).toBe('lineDiscountCapBp');
  });

  it('suggests nothing when every known name is three or more edits away', () => {
    expect(closest('colour', ['sku', 'quantity', 'unitPrice', 'discount', 'category'])).toBeUndefined();
    expect(closest('anything', [])).toBeUndefined();
  });

  it('property: a name one edit away from a known name gets a suggestion at most one edit away', () => {
    const names = fc.uniqueArray(fc.stringMatching(/^[a-zA-Z]{4,12}$/), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(names, fc.nat(), fc.nat(), fc.constantFrom('a', 'x', 'Q'), (known, pick, at, letter) => {
        const target = known[pick % known.length]!;
        const index = at % target.length;
        const typo = target.slice(0, index) + letter + target.slice(index + 1);
        const guess = closest(typo, known);
        expect(guess).toBeDefined();
        expect(editDistance(typo.toLowerCase(), guess!.toLowerCase())).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('knownKeysAt', () => {
  it('walks objects, arrays, records and wrappers of the policy schema', () => {
    expect(knownKeysAt(policySchema, [])).toEqual(
      expect.arrayContaining(['floors', 'campaigns', 'vouchers']),
    );
    expect(knownKeysAt(policySchema, ['campaigns', 0])).toEqual(
      expect.arrayContaining(['startsAt', 'endsAt', 'lineDiscountCapBp']),
    );
    expect(knownKeysAt(policySchema, ['vouchers', 'ANY-CODE'])).toEqual(
      expect.arrayContaining(['maxUses', 'budget', 'velocity']),
    );
    expect(knownKeysAt(policySchema, ['vouchers', 'ANY-CODE', 'velocity'])).toContain('maxPerWindow');
  });

  it('lists the enum of an enum-keyed record (the rule switches)', () => {
    expect(knownKeysAt(policySchema, ['rules'])).toEqual([...RULE_IDS]);
  });

  it('knows nothing below a path the schema does not have', () => {
    expect(knownKeysAt(policySchema, ['nope', 'deeper'])).toEqual([]);
    expect(knownKeysAt(policySchema, ['mode'])).toEqual([]);
  });
});

describe('unknown keys name the closest known field', () => {
  it('in a policy', () => {
    let error: unknown;
    try {
      parsePolicy({ flors: {}, vouchers: { BANKX: { maxUse: 1 } }, unknownThing: 1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).problems).toEqual(
      expect.arrayContaining([
        { path: 'flors', message: 'is not a known field; did you mean "floors"?' },
        { path: 'vouchers.BANKX.maxUse', message: 'is not a known field; did you mean "maxUses"?' },
        { path: 'unknownThing', message: 'is not a known field' },
      ]),
    );
  });

  it('in the service configuration, its sections and its policy', () => {
    let error: unknown;
    try {
      parseConfig(
        {
          servise: {},
          review: { tokns: [] },
          metrics: { voucherLabel: [] },
          policy: {
            discountCap: {},
            rules: { zero_totals: { mode: 'shadow' } },
            campaigns: [
              {
                id: 'harbolnas',
                startsAt: '2026-11-11T00:00:00+07:00',
                endsAt: '2026-11-12T00:00:00+07:00',
                skus: ['A'],
                lineDiscountCap: 7000,
              },
            ],
          },
        },
        'config.yaml',
        {},
      );
    } catch (caught) {
      error = caught;
    }
    const problems = (error as { problems: unknown[] }).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'servise', message: 'is not a known field; did you mean "service"?' },
        { path: 'review.tokns', message: 'is not a known field; did you mean "tokens"?' },
        { path: 'metrics.voucherLabel', message: 'is not a known field; did you mean "voucherLabels"?' },
        { path: 'policy.discountCap', message: 'is not a known field; did you mean "discountCaps"?' },
        {
          path: 'policy.campaigns[0].lineDiscountCap',
          message: 'is not a known field; did you mean "lineDiscountCapBp"?',
        },
        {
          path: 'policy.rules.zero_totals',
          message: `is not a rule id; did you mean "zero_total"? (known: ${RULE_IDS.join(', ')})`,
        },
      ]),
    );
    expect((error as Error).message).toContain('servise: is not a known field; did you mean "service"?');
  });

  it('in a strict-mode order', () => {
    const parser = new OrderParser({ maxLines: 500, maxQuantity: 10_000, maxVouchers: 20, strict: true });
    const result = parser.parse({ ...order({ lines: [line('A', 1000)] }), shippingDiscont: 0 });
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          path: 'shippingDiscont',
          message: 'is not a known field (strict mode); did you mean "shippingDiscount"?',
        },
      ],
    });
  });
});
