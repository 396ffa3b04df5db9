// test/core/policy-diff.test.ts
// The term diff of two policies: each added, changed and removed term named by its path, counted by kind; properties.

import fc from 'fast-check';
import { type PolicyInput, parsePolicy } from '../../src/core/policy';
import {
  diffPolicies,
  isEmptyDiff,
  listedRemovals,
  policyTerms,
  removesMost,
  TERM_KINDS,
} from '../../src/core/policy-diff';

const FLASH = {
  id: 'flash-1111',
  startsAt: '2026-11-10T17:00:00Z',
  endsAt: '2026-11-11T17:00:00Z',
  skus: ['TOTE'],
  lineDiscountCapBp: 9000,
};

const running = parsePolicy({
  floors: { TOTE: { IDR: 2_000_000, USD: 12_000 } },
  discountCaps: { skus: { SHOE: 5000 } },
  campaigns: [FLASH],
  vouchers: {
    BANKX100K: { maxUsesPerCustomer: 1, paymentMethods: ['card:bank-x*'], customerSegments: ['new'] },
    WELCOME: {},
  },
  exceptions: [{ id: 'staff', note: 'staff meals', rules: ['zero_total'], customerIds: ['STAFF-7'] }],
  customRules: [{ id: 'bulk_phone', scope: 'line', when: 'line.quantity > 3', message: 'bulk' }],
  catalog: { TOTE: { IDR: 4_700_000 } },
  rules: { voucher_velocity: { mode: 'shadow' } },
});

describe('diffPolicies', () => {
  it('names each term of a half-written file that lost a per-customer limit and a list price', () => {
    const half = parsePolicy({
      floors: { TOTE: { IDR: 2_000_000, USD: 12_000 } },
      discountCaps: { skus: { SHOE: 5000 } },
      campaigns: [FLASH],
      vouchers: { BANKX100K: { paymentMethods: ['card:bank-x*'], customerSegments: ['new'] }, WELCOME: {} },
      exceptions: [{ id: 'staff', note: 'staff meals', rules: ['zero_total'], customerIds: ['STAFF-7'] }],
      customRules: [{ id: 'bulk_phone', scope: 'line', when: 'line.quantity > 3', message: 'bulk' }],
      rules: { voucher_velocity: { mode: 'shadow' } },
    });
    const diff = diffPolicies(running, half);
    expect(diff.added).toEqual([]);
    expect(diff.changed).toEqual([]);
    expect(diff.removed).toEqual([
      {
        term: 'vouchers.BANKX100K.maxUsesPerCustomer',
        kind: 'voucher_terms',
        change: 'removed',
        before: 1,
      },
      { term: 'catalog.TOTE.IDR', kind: 'catalog', change: 'removed', before: 4_700_000 },
    ]);
    expect(diff.counts.voucher_terms).toEqual({ added: 0, changed: 0, removed: 1 });
    expect(diff.counts.catalog).toEqual({ added: 0, changed: 0, removed: 1 });
    expect(removesMost(diff)).toBe(false);
  });

  it('reports changed values before and after, by kind, with timestamps as written', () => {
    const next = parsePolicy({
      mode: 'shadow',
      floors: { TOTE: { IDR: 1_500_000, USD: 12_000 } },
      discountCaps: { skus: { SHOE: 5000 }, lineBp: 8000 },
      campaigns: [{ ...FLASH, endsAt: '2026-11-12T17:00:00Z' }],
      vouchers: {
        BANKX100K: {
          maxUsesPerCustomer: 2,
          paymentMethods: ['card:bank-x*', 'qris'],
          customerSegments: ['new'],
        },
        WELCOME: {},
      },
      exceptions: [{ id: 'staff', note: 'staff meals', rules: ['zero_total'], customerIds: ['STAFF-7'] }],
      customRules: [{ id: 'bulk_phone', scope: 'line', when: 'line.quantity > 5', message: 'bulk' }],
      catalog: { TOTE: { IDR: 4_700_000 } },
      rules: { voucher_velocity: { mode: 'enforce' } },
    });
    const diff = diffPolicies(running, next);
    expect(diff.removed).toEqual([]);
    expect(diff.added).toEqual([]);
    expect(diff.changed.map(({ term, kind, before, after }) => [term, kind, before, after])).toEqual([
      ['floors.TOTE.IDR', 'floors', 2_000_000, 1_500_000],
      ['campaigns.flash-1111.endsAt', 'campaigns', '2026-11-11T17:00:00.000Z', '2026-11-12T17:00:00.000Z'],
      ['vouchers.BANKX100K.paymentMethods', 'voucher_terms', ['CARD:BANK-X*'], ['CARD:BANK-X*', 'QRIS']],
      ['vouchers.BANKX100K.maxUsesPerCustomer', 'voucher_terms', 1, 2],
      ['customRules.bulk_phone.when', 'custom_rules', 'line.quantity > 3', 'line.quantity > 5'],
      ['mode', 'settings', 'enforce', 'shadow'],
      ['rules.voucher_velocity.mode', 'settings', 'shadow', 'enforce'],
      ['discountCaps.lineBp', 'settings', 9000, 8000],
    ]);
    expect(diff.counts.settings).toEqual({ added: 0, changed: 3, removed: 0 });
  });

  it('counts a dropped voucher code as declared and by its terms', () => {
    const diff = diffPolicies(running, parsePolicy({ ...inputOf(), vouchers: {} }));
    expect(diff.removed.map((change) => change.term)).toEqual([
      'vouchers.BANKX100K',
      'vouchers.BANKX100K.paymentMethods',
      'vouchers.BANKX100K.customerSegments',
      'vouchers.BANKX100K.maxUsesPerCustomer',
      'vouchers.WELCOME',
    ]);
    expect(diff.removed.at(-1)).toMatchObject({ before: 'declared' });
    // A code that loses its last term is still declared: one removal, nothing added.
    const bare = diffPolicies(
      parsePolicy({ vouchers: { BANKX: { maxUses: 5 } } }),
      parsePolicy({ vouchers: { BANKX: {} } }),
    );
    expect([bare.added, bare.removed.map((change) => change.term)]).toEqual([[], ['vouchers.BANKX.maxUses']]);
  });

  it('refuses, by its measure, a reload that removes more than half of the listed terms', () => {
    const listed = listedRemovals(diffPolicies(running, running)).running;
    expect(listed).toBe([...policyTerms(running).values()].filter((term) => term.kind !== 'settings').length);
    const emptied = diffPolicies(running, parsePolicy({ rules: { voucher_velocity: { mode: 'shadow' } } }));
    expect(listedRemovals(emptied)).toEqual({ removed: listed, running: listed });
    expect(removesMost(emptied)).toBe(true);
    // Only the floors kept: less than half of the listed terms remain.
    const floorsOnly = diffPolicies(
      running,
      parsePolicy({ floors: { TOTE: { IDR: 2_000_000, USD: 12_000 } } }),
    );
    expect(removesMost(floorsOnly)).toBe(true);
    // Half exactly is not most.
    const two = parsePolicy({ floors: { A: { IDR: 1 }, B: { IDR: 1 } } });
    expect(removesMost(diffPolicies(two, parsePolicy({ floors: { A: { IDR: 1 } } })))).toBe(false);
    expect(removesMost(diffPolicies(two, parsePolicy({ mode: 'enforce' })))).toBe(true);
    // Settings never count: a policy of settings alone has nothing to remove.
    expect(removesMost(diffPolicies(parsePolicy({ mode: 'shadow' }), parsePolicy({})))).toBe(false);
  });

  it('quotes keys that would make two paths alike', () => {
    const odd = parsePolicy({ floors: { 'A.B': { IDR: 1 } } });
    expect([...policyTerms(odd).keys()]).toContain('floors["A.B"].IDR');
  });
});

/** The running policy's input again, for edits. */
function inputOf(): PolicyInput {
  return {
    floors: { TOTE: { IDR: 2_000_000, USD: 12_000 } },
    discountCaps: { skus: { SHOE: 5000 } },
    campaigns: [FLASH],
    exceptions: [{ id: 'staff', note: 'staff meals', rules: ['zero_total'], customerIds: ['STAFF-7'] }],
    customRules: [{ id: 'bulk_phone', scope: 'line', when: 'line.quantity > 3', message: 'bulk' }],
    catalog: { TOTE: { IDR: 4_700_000 } },
    rules: { voucher_velocity: { mode: 'shadow' } },
  };
}

const SKUS = ['TOTE', 'SHOE', 'BAG', 'A.B'];
const amount = fc.integer({ min: 0, max: 5_000_000 });
const bp = fc.integer({ min: 0, max: 10_000 });
const perCurrency = fc.record({ IDR: amount, USD: amount }, { requiredKeys: [] });
const policyArbitrary: fc.Arbitrary<PolicyInput> = fc.record(
  {
    mode: fc.constantFrom('enforce', 'shadow'),
    floors: fc.dictionary(fc.constantFrom(...SKUS), perCurrency, { maxKeys: 3 }),
    floorBp: fc.record({ all: bp, skus: fc.dictionary(fc.constantFrom(...SKUS), bp) }, { requiredKeys: [] }),
    discountCaps: fc.record(
      { lineBp: bp, skus: fc.dictionary(fc.constantFrom(...SKUS), bp, { maxKeys: 2 }) },
      { requiredKeys: [] },
    ),
    catalog: fc.dictionary(fc.constantFrom(...SKUS), perCurrency, { maxKeys: 3 }),
    vouchers: fc.dictionary(
      fc.constantFrom('BANKX100K', 'WELCOME', 'LEAK50'),
      fc.record(
        {
          maxUsesPerCustomer: fc.integer({ min: 0, max: 5 }),
          paymentMethods: fc.subarray(['card:bank-x*', 'qris', 'ewallet:ovo'], { minLength: 1 }),
          customerSegments: fc.subarray(['new', 'vip'], { minLength: 1 }),
          minSubtotal: perCurrency,
          velocity: fc.record({ maxPerWindow: fc.integer({ min: 0, max: 50 }) }, { requiredKeys: [] }),
        },
        { requiredKeys: [] },
      ),
      { maxKeys: 3 },
    ),
    campaigns: fc.subarray([FLASH, { ...FLASH, id: 'payday', skus: ['BAG'], lineDiscountCapBp: 5000 }]),
    customRules: fc.subarray([
      { id: 'bulk_phone', scope: 'line' as const, when: 'line.quantity > 3', message: 'bulk' },
      { id: 'big_order', when: 'order.total > 100000000', message: 'big', mode: 'shadow' as const },
    ]),
    rules: fc.dictionary(
      fc.constantFrom('voucher_velocity', 'below_floor'),
      fc.record({ enabled: fc.boolean(), mode: fc.constantFrom('enforce', 'shadow') }, { requiredKeys: [] }),
    ),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<PolicyInput>;

describe('diffPolicies (properties)', () => {
  it('is empty between a policy and itself, and between two parses of one input', () => {
    fc.assert(
      fc.property(policyArbitrary, (input) => {
        const policy = parsePolicy(input);
        expect(isEmptyDiff(diffPolicies(policy, policy))).toBe(true);
        expect(isEmptyDiff(diffPolicies(policy, parsePolicy(input)))).toBe(true);
      }),
    );
  });

  it('swaps added and removed (and before and after) when its arguments swap', () => {
    fc.assert(
      fc.property(policyArbitrary, policyArbitrary, (a, b) => {
        const forward = diffPolicies(parsePolicy(a), parsePolicy(b));
        const back = diffPolicies(parsePolicy(b), parsePolicy(a));
        const terms = (list: typeof forward.added) => list.map((change) => change.term).sort();
        expect(terms(back.added)).toEqual(terms(forward.removed));
        expect(terms(back.removed)).toEqual(terms(forward.added));
        expect(terms(back.changed)).toEqual(terms(forward.changed));
        for (const change of forward.changed) {
          const mirror = back.changed.find((other) => other.term === change.term)!;
          expect([mirror.before, mirror.after]).toEqual([change.after, change.before]);
        }
        for (const kind of TERM_KINDS) {
          expect(back.counts[kind].added).toBe(forward.counts[kind].removed);
          expect(back.counts[kind].removed).toBe(forward.counts[kind].added);
        }
      }),
    );
  });

  it('accounts for every term: running terms minus removed plus added is the new policy', () => {
    fc.assert(
      fc.property(policyArbitrary, policyArbitrary, (a, b) => {
        const before = parsePolicy(a);
        const after = parsePolicy(b);
        const diff = diffPolicies(before, after);
        const expected = new Set(policyTerms(before).keys());
        for (const change of diff.removed) expected.delete(change.term);
        for (const change of diff.added) expected.add(change.term);
        expect([...expected].sort()).toEqual([...policyTerms(after).keys()].sort());
        // Nothing removed, nothing refused; everything removed from a listed policy, refused.
        if (diff.removed.length === 0) expect(removesMost(diff)).toBe(false);
        const { running } = listedRemovals(diff);
        if (running > 0) expect(removesMost(diffPolicies(before, parsePolicy({})))).toBe(true);
      }),
    );
  });
});
