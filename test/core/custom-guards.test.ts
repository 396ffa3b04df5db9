// test/core/custom-guards.test.ts
// The short cut before a custom rule's program runs: it decides exactly as the CEL library would, on any
// expression and any order (property), and leaves to the library whatever the library would fail on.

import fc from 'fast-check';
import type { CompiledRule } from '../../src/core/custom/compile';
import { evaluate } from '../../src/core/evaluate';
import { type Facts, historyKey, NO_FACTS, type VoucherState } from '../../src/core/facts';
import type { Order } from '../../src/core/order';
import { OrderParser } from '../../src/core/order-parser';
import { type Policy, PolicyError, type PolicyInput, parsePolicy } from '../../src/core/policy';
import { compiledRuleOf, rememberCompiled } from '../../src/core/policy/custom-rules';
import { line, order } from '../helpers/orders';
import { NOW } from './rules-fixtures';

const parser = new OrderParser();

function parsed(input: unknown): Order {
  const result = parser.parse(input);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.order;
}

/** Makes the rule judged by the library's program alone: its compiled form without the short cut. */
function programOnly(policy: Policy, id: string): void {
  const rule = policy.customRules.find((item) => item.id === id)!;
  rememberCompiled(rule, {
    ...compiledRuleOf(rule)!,
    guards: { orderTests: [], tests: [], complete: false },
  });
}

/** Counts the runs of a rule's program (the library), still giving its answers. */
function countProgram(policy: Policy, id: string): { runs: number } {
  const rule = policy.customRules.find((item) => item.id === id)!;
  const compiled = compiledRuleOf(rule)!;
  const counter = { runs: 0 };
  const program = Object.assign((scope: Record<string, unknown>) => {
    counter.runs++;
    return compiled.program(scope);
  }, compiled.program) as CompiledRule['program'];
  rememberCompiled(rule, { ...compiled, program });
  return counter;
}

/** What a rule did to an order: the lines (or 'order') it fired on, and its abstentions without the rule id. */
function outcome(decision: ReturnType<typeof evaluate>['decision'], id: string) {
  return {
    fired: decision.reasons.filter((reason) => reason.rule === id).map((reason) => reason.line ?? 'order'),
    abstained: decision.abstentions
      .filter((item) => item.rule === id)
      .map((item) => ({ ...item, rule: '', message: item.message.replaceAll(id, '') })),
  };
}

/** The variables an expression may name where it is generated. */
interface Vars {
  /** A line: `line` in line scope, or a loop's variable. */
  line?: string;
  /** A voucher: a loop's variable. */
  voucher?: string;
  /** Inside a loop already (one loop deep keeps every rule under the cost limit). */
  looped: boolean;
}

const ORDER_INTS = [
  'lineCount',
  'units',
  'listValue',
  'lineDiscounts',
  'subtotal',
  'voucherDiscounts',
  'discounts',
  'discountBp',
  'shipping',
  'shippingDiscount',
  'tax',
  'total',
  'expectedTotal',
];
const LINE_INTS = [
  'index',
  'number',
  'quantity',
  'unitPrice',
  'listValue',
  'discount',
  'voucherShare',
  'paid',
  'paidUnitPrice',
  'discountBp',
];
const LINE_FACTS = ['declaredPrice', 'recentMedian', 'recentSamples', 'floor'];
const VOUCHER_INTS = ['discount'];
const VOUCHER_FACTS = ['recentUses', 'uses', 'budgetUsed'];
const INT_LITERALS = [
  '0',
  '1',
  '2',
  '3',
  '7',
  '100',
  '9500',
  '150000',
  '2000000',
  '-1',
  '9007199254740993',
  '4611686018427387904',
  '9223372036854775807',
];
const STRING_LITERALS = [
  '""',
  '"A"',
  '"B"',
  '"TEST-1"',
  '"PHONES"',
  '"COD"',
  '"IDR"',
  '"X1"',
  '"SALE"',
  '"É"',
];

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
const memo = new Map<string, fc.Arbitrary<string>>();
const key = (kind: string, depth: number, vars: Vars) =>
  `${kind}:${depth}:${vars.line ?? ''}:${vars.voucher ?? ''}:${vars.looped}`;

/** Int expressions: fields (facts included, which may be unknown), literals, sizes, arithmetic, conditionals. */
function ints(depth: number, vars: Vars): fc.Arbitrary<string> {
  const id = key('int', depth, vars);
  const known = memo.get(id);
  if (known !== undefined) return known;
  const atoms: Array<fc.Arbitrary<string>> = [
    pick(ORDER_INTS).map((field) => `order.${field}`),
    pick(INT_LITERALS),
    pick(['order.codes.size()', 'size(order.segments)', 'order.lines.size()', 'order.customerId.size()']),
  ];
  if (vars.line !== undefined) {
    atoms.push(pick([...LINE_INTS, ...LINE_FACTS]).map((field) => `${vars.line}.${field}`));
    atoms.push(fc.constant(`${vars.line}.sku.size()`));
  }
  if (vars.voucher !== undefined) {
    atoms.push(pick([...VOUCHER_INTS, ...VOUCHER_FACTS]).map((field) => `${vars.voucher}.${field}`));
  }
  let arbitrary = fc.oneof(...atoms);
  if (depth > 0) {
    const sub = ints(depth - 1, vars);
    arbitrary = fc.oneof(
      { weight: 3, arbitrary },
      fc.tuple(sub, pick(['+', '-', '*', '/', '%']), sub).map(([a, op, b]) => `(${a} ${op} ${b})`),
      sub.map((a) => `-(${a})`),
      fc.tuple(bools(depth - 1, vars), sub, sub).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
      // Outside the short cut: the program decides.
      fc.constant('int(double(order.total) * 1.5)'),
      // A loop over the lines inside another, or in line scope, is over the cost limit.
      ...(vars.looped || vars.line === 'line'
        ? []
        : [fc.constant('order.lines.filter(x, x.quantity > 1).size()')]),
    );
  }
  memo.set(id, arbitrary);
  return arbitrary;
}

/** String expressions: fields, literals, concatenation. */
function strings(depth: number, vars: Vars): fc.Arbitrary<string> {
  const id = key('string', depth, vars);
  const known = memo.get(id);
  if (known !== undefined) return known;
  const atoms: Array<fc.Arbitrary<string>> = [
    pick(['orderId', 'currency', 'customerId', 'paymentMethod']).map((field) => `order.${field}`),
    pick(STRING_LITERALS),
  ];
  if (vars.line !== undefined) {
    atoms.push(pick(['sku', 'category', 'campaign']).map((field) => `${vars.line}.${field}`));
  }
  if (vars.voucher !== undefined) atoms.push(fc.constant(`${vars.voucher}.code`));
  let arbitrary = fc.oneof(...atoms);
  if (depth > 0) {
    const sub = strings(depth - 1, vars);
    arbitrary = fc.oneof(
      { weight: 3, arbitrary },
      fc.tuple(sub, sub).map(([a, b]) => `(${a} + ${b})`),
    );
  }
  memo.set(id, arbitrary);
  return arbitrary;
}

/** Bool expressions: comparisons, membership, `has`, string tests, loops, the logical operators. */
function bools(depth: number, vars: Vars): fc.Arbitrary<string> {
  const id = key('bool', depth, vars);
  const known = memo.get(id);
  if (known !== undefined) return known;
  const int = ints(Math.max(0, depth - 1), vars);
  const text = strings(Math.max(0, depth - 1), vars);
  const atoms: Array<fc.Arbitrary<string>> = [
    pick(['true', 'false']),
    fc.tuple(int, pick(['==', '!=', '<', '<=', '>', '>=']), int).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(text, pick(['==', '!=', '<', '>=']), text).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(text, pick(['startsWith', 'endsWith', 'contains']), text).map(([a, f, b]) => `${a}.${f}(${b})`),
    fc.tuple(text, fc.subarray(['"A"', '"PHONES"', '"X1"', '""'])).map(([a, list]) => `(${a} in [${list}])`),
    fc.tuple(int, fc.subarray(['0', '1', '3', '100'])).map(([a, list]) => `(${a} in [${list}])`),
    fc.tuple(int, int, int).map(([a, b, c]) => `(${a} in [${b}, ${c}])`),
    fc.tuple(text, pick(['order.codes', 'order.segments'])).map(([a, list]) => `(${a} in ${list})`),
    // Outside the short cut: the program decides.
    fc.constant('(order.codes == ["X1"])'),
    fc.constant('(now > timestamp("2020-01-01T00:00:00Z"))'),
    fc.constant('(double(order.total) > 1.5)'),
  ];
  if (vars.line !== undefined) {
    atoms.push(pick(LINE_FACTS).map((field) => `has(${vars.line}.${field})`));
    atoms.push(fc.constant(`has(${vars.line}.campaign)`));
  }
  if (vars.voucher !== undefined) {
    atoms.push(pick(['declared', 'tripped']).map((field) => `${vars.voucher}.${field}`));
    atoms.push(pick(['tripped', ...VOUCHER_FACTS]).map((field) => `has(${vars.voucher}.${field})`));
  }
  let arbitrary = fc.oneof(...atoms);
  if (depth > 0) {
    const sub = bools(depth - 1, vars);
    const loops: Array<fc.Arbitrary<string>> = [];
    // A loop in line scope runs once per line: most are over the cost limit (see custom-rules.test.ts).
    if (!vars.looped && vars.line !== 'line') {
      const kinds = pick(['exists', 'all', 'exists_one']);
      const inVoucher = bools(depth - 1, { ...vars, voucher: 'v', looped: true });
      loops.push(fc.tuple(kinds, inVoucher).map(([kind, p]) => `order.vouchers.${kind}(v, ${p})`));
      const inLine = bools(depth - 1, { ...vars, line: 'l', looped: true });
      loops.push(fc.tuple(kinds, inLine).map(([kind, p]) => `order.lines.${kind}(l, ${p})`));
      loops.push(
        fc
          .tuple(kinds, text)
          .map(([kind, p]) => `order.codes.${kind}(c, c.startsWith(${p}) || c.endsWith("1"))`),
      );
    }
    arbitrary = fc.oneof(
      { weight: 2, arbitrary },
      fc.tuple(sub, pick(['&&', '||', '==', '!=']), sub).map(([a, op, b]) => `(${a} ${op} ${b})`),
      sub.map((a) => `!(${a})`),
      fc.tuple(sub, sub, sub).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
      ...loops,
    );
  }
  memo.set(id, arbitrary);
  return arbitrary;
}

/** A rule's expression: a conjunction (the short cut's unit) of generated parts. */
const expression = (scope: 'order' | 'line') =>
  fc
    .array(bools(2, { line: scope === 'line' ? 'line' : undefined, looped: false }), {
      minLength: 1,
      maxLength: 3,
    })
    .map((parts) => parts.join(' && '));

/** Orders with everything a rule reads: lines of several categories, vouchers, segments, big amounts. */
const orders = fc.record({
  lines: fc.array(
    fc.record({
      sku: pick(['A', 'B', 'TEST-1']),
      unitPrice: fc.oneof(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 100_000_000_000 })),
      quantity: fc.integer({ min: 1, max: 10_000 }),
      discountShare: fc.integer({ min: 0, max: 100 }),
      category: pick(['phones', 'sale', undefined]),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  codes: fc.subarray(['X1', 'X2', 'LEAK']),
  voucherDiscount: fc.integer({ min: 0, max: 1_000 }),
  segments: fc.subarray(['new', 'vip']),
  paymentMethod: pick(['cod', 'card:bca', undefined]),
  customerId: pick(['cus_1', '']),
  shipping: fc.integer({ min: 0, max: 50_000 }),
  shippingDiscount: fc.integer({ min: 0, max: 60_000 }),
});

/** What the store knows: some history (some with no samples), voucher states, or nothing while unavailable. */
const knowledge = fc.record({
  history: fc.dictionary(
    pick(['A', 'B', 'TEST-1']),
    fc.record({ median: fc.integer({ min: 0, max: 5_000_000 }), samples: fc.integer({ min: 0, max: 9 }) }),
  ),
  vouchers: fc.dictionary(
    pick(['X1', 'X2', 'LEAK']),
    fc.record({
      count: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
      tripped: fc.boolean(),
      uses: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
      budgetUsed: fc.option(fc.integer({ min: 0, max: 9_000_000 }), { nil: undefined }),
    }),
  ),
  unavailable: fc.subarray(['history', 'vouchers'] as const),
});

/** The facts of what the store knows. */
function factsOf(shape: {
  history: Record<string, { median: number; samples: number }>;
  vouchers: Record<string, { count?: number; tripped: boolean; uses?: number; budgetUsed?: number }>;
  unavailable: ReadonlyArray<'history' | 'vouchers'>;
}): Facts {
  return {
    history: new Map(Object.entries(shape.history).map(([sku, stats]) => [historyKey(sku, 'IDR'), stats])),
    vouchers: new Map(
      Object.entries(shape.vouchers).map(([code, state]): [string, VoucherState] => [
        code,
        {
          windows: state.count === undefined ? [] : [{ seconds: 60, count: state.count }],
          baselineCount: 0,
          baselineSeconds: 86_400,
          ...(state.tripped ? { trippedAt: NOW - 1000 } : {}),
          ...(state.uses === undefined ? {} : { uses: state.uses }),
          ...(state.budgetUsed === undefined ? {} : { budgetUsed: state.budgetUsed }),
        },
      ]),
    ),
    unavailable: new Set(shape.unavailable),
  };
}

/** The policy around the rules: declared prices, floors, terms and a campaign for some of what orders carry. */
const CONTEXT_POLICY: PolicyInput = {
  mode: 'shadow',
  catalog: { A: { IDR: 150_000 } },
  floors: { B: { IDR: 1_000 } },
  floorBp: { categories: { PHONES: 5000 } },
  vouchers: { X1: {} },
  campaigns: [
    { id: 'SALE', startsAt: '2026-11-01T00:00:00Z', endsAt: '2026-12-01T00:00:00Z', categories: ['SALE'] },
  ],
};

describe('the short cut before the program runs', () => {
  it('decides exactly as the program alone, on any expression and order: the same holds, the same abstentions (property)', () => {
    let judged = 0;
    fc.assert(
      fc.property(
        pick(['order', 'line'] as const).chain((scope) => fc.tuple(fc.constant(scope), expression(scope))),
        orders,
        knowledge,
        ([scope, when], shape, known) => {
          let policy: Policy;
          try {
            policy = parsePolicy({
              ...CONTEXT_POLICY,
              customRules: [
                { id: 'short_cut', scope, when, message: 'x' },
                { id: 'program', scope, when, message: 'x' },
              ],
            });
          } catch (error) {
            // Expressions the policy refuses (a string compared with a non-canonical literal) judge nothing.
            if (error instanceof PolicyError) {
              if (process.env.SHOW) console.log(when, error.problems.map((p) => p.message).join(' / '));
              return;
            }
            throw error;
          }
          programOnly(policy, 'program');
          const built = {
            customerId: shape.customerId,
            customerSegments: shape.segments,
            ...(shape.paymentMethod === undefined ? {} : { paymentMethod: shape.paymentMethod }),
            lines: shape.lines.map((item) =>
              line(
                item.sku,
                item.unitPrice,
                Math.floor((item.unitPrice * item.quantity * item.discountShare) / 100),
                item.quantity,
                item.category,
              ),
            ),
            vouchers: shape.codes.map((code) => ({ code, discount: shape.voucherDiscount })),
            shipping: shape.shipping,
            shippingDiscount: shape.shippingDiscount,
          };
          // A total is never negative: a shipping discount beyond the rest comes with tax that pays for it.
          const total = order(built).total;
          const input = order({ ...built, tax: total < 0 ? -total : 0 });
          const { decision } = evaluate(parsed(input), policy, factsOf(known), NOW);
          expect(outcome(decision, 'short_cut')).toEqual(outcome(decision, 'program'));
          judged++;
        },
      ),
      { numRuns: 600 },
    );
    // Nearly every generated expression is a policy: the property is not vacuous.
    expect(judged).toBeGreaterThan(500);
  });

  const shop = parsed(
    order({
      customerId: 'cus_1',
      paymentMethod: 'cod',
      lines: [line('phone-x', 4_700_000, 200_000, 2, 'phones'), line('case-1', 150_000, 0, 3)],
      vouchers: [{ code: 'x1', discount: 50_000 }],
    }),
  );
  const facts: Facts = {
    ...NO_FACTS,
    history: new Map([
      [historyKey('PHONE-X', 'IDR'), { median: 4_500_000, samples: 12 }],
      [historyKey('CASE-1', 'IDR'), { median: 150_000, samples: 40 }],
    ]),
  };

  it.each([
    [
      'order',
      'order.shippingDiscount > order.shipping || (order.shippingDiscount > 0 && order.subtotal < 50000)',
    ],
    ['order', 'order.vouchers.exists(v, v.discount > 1000000)'],
    ['order', 'order.lines.exists(l, l.quantity > 20)'],
    ['order', 'order.voucherDiscounts * 2 > order.subtotal'],
    ['order', '"NEW" in order.segments && order.codes.size() >= 2 && order.paymentMethod == "COD"'],
    ['line', 'has(line.recentMedian) && line.paidUnitPrice * 10 < line.recentMedian'],
    ['line', 'line.category == "PHONES" && line.quantity > 1'],
    ['line', 'line.paid * 100 < line.listValue * 97 ? line.discountBp > 250 : false'],
  ] as const)('decides %s rule `%s` without the library, as the library would', (scope, when) => {
    const policy = parsePolicy({
      customRules: [
        { id: 'short_cut', scope, when, message: 'x' },
        { id: 'program', scope, when, message: 'x' },
      ],
    });
    programOnly(policy, 'program');
    const counter = countProgram(policy, 'short_cut');
    const { decision } = evaluate(shop, policy, facts, NOW);
    expect(counter.runs).toBe(0);
    expect(compiledRuleOf(policy.customRules[0]!)!.guards.complete).toBe(true);
    expect(outcome(decision, 'short_cut')).toEqual(outcome(decision, 'program'));
  });

  it('judges the conjuncts of a line-scope rule that read only the order once per order, not once per line', () => {
    const policy = parsePolicy({
      customRules: [
        {
          id: 'phones_codes',
          scope: 'line',
          when: 'line.category == "PHONES" && order.codes.size() > 1',
          message: 'x',
        },
      ],
    });
    const rule = policy.customRules[0]!;
    const compiled = compiledRuleOf(rule)!;
    expect([compiled.guards.orderTests.length, compiled.guards.tests.length]).toEqual([1, 1]);
    const calls = { order: 0, line: 0 };
    type Test = (typeof compiled.guards.tests)[number];
    const counted =
      (test: Test, kind: 'order' | 'line'): Test =>
      (scope) => {
        calls[kind]++;
        return test(scope);
      };
    rememberCompiled(rule, {
      ...compiled,
      guards: {
        ...compiled.guards,
        orderTests: [counted(compiled.guards.orderTests[0]!, 'order')],
        tests: [counted(compiled.guards.tests[0]!, 'line')],
      },
    });
    // One code: the order test is false, so no line is looked at.
    expect(evaluate(shop, policy, facts, NOW).decision.reasons.map((reason) => reason.rule)).toEqual([]);
    expect(calls).toEqual({ order: 1, line: 0 });
    // Two codes: the order test is true once, then each line is judged.
    const twoCodes = parsed(
      order({
        lines: [line('phone-x', 4_700_000, 0, 1, 'phones'), line('case-1', 150_000)],
        vouchers: [
          { code: 'x1', discount: 1 },
          { code: 'x2', discount: 1 },
        ],
      }),
    );
    const held = evaluate(twoCodes, policy, facts, NOW).decision.reasons.filter(
      (item) => item.rule === 'phones_codes',
    );
    expect(held.map((reason) => reason.line)).toEqual([0]);
    expect(calls).toEqual({ order: 2, line: 2 });
  });

  it('leaves an error to the library, which says why: an unknown fact, an overflow, a division by zero', () => {
    const policy = parsePolicy({
      customRules: [
        {
          id: 'unknown_fact',
          scope: 'line',
          when: 'line.paidUnitPrice * 10 < line.recentMedian',
          message: 'x',
        },
        { id: 'overflow', when: 'order.total * 9223372036854775807 > 0', message: 'x' },
        { id: 'by_zero', when: 'order.total / (order.lineCount - 2) > 0', message: 'x' },
        {
          id: 'absorbed',
          when: 'order.total / (order.lineCount - 2) > 0 || order.lineCount == 2',
          message: 'x',
        },
      ],
    });
    const counted = ['unknown_fact', 'overflow', 'by_zero', 'absorbed'];
    const counters = counted.map((id) => countProgram(policy, id));
    const { decision } = evaluate(shop, policy, NO_FACTS, NOW);
    expect(decision.abstentions.filter((item) => counted.includes(item.rule))).toEqual([
      {
        rule: 'unknown_fact',
        message:
          'Custom rule unknown_fact could not judge line 1 (PHONE-X): line.recentMedian is not known for it (has(line.recentMedian) tests whether it is); nor 1 more line.',
        line: 0,
        sku: 'PHONE-X',
      },
      {
        rule: 'overflow',
        message: expect.stringMatching(/^Custom rule overflow could not judge the order: integer overflow/),
      },
      {
        rule: 'by_zero',
        message: 'Custom rule by_zero could not judge the order: division by zero at column 1 of when.',
      },
    ]);
    // Each error is the library's, with its words; `||` with a true side is true whatever the other gives.
    expect(counters.map((counter) => counter.runs)).toEqual([2, 1, 1, 0]);
    expect(decision.reasons.map((reason) => reason.rule)).toContain('absorbed');
  });

  it('compares ints beyond 2^53 exactly, as the library does with BigInt', () => {
    const policy = parsePolicy({
      customRules: [
        {
          id: 'above',
          when: 'order.total + 9007199254740993 > 9007199254740993 + order.total - 1',
          message: 'x',
        },
        { id: 'equal', when: 'order.total * 0 + 9007199254740993 == 9007199254740992 + 1', message: 'x' },
        { id: 'unequal', when: '9007199254740993 == 9007199254740992', message: 'x' },
      ],
    });
    const counters = ['above', 'equal', 'unequal'].map((id) => countProgram(policy, id));
    const { decision } = evaluate(shop, policy, NO_FACTS, NOW);
    expect(decision.reasons.map((reason) => reason.rule)).toEqual(['above', 'equal']);
    expect(counters.map((counter) => counter.runs)).toEqual([0, 0, 0]);
  });
});
