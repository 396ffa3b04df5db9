// test/core/custom-rules.test.ts
// Custom rules: refused with the rule's path and the position in the expression, compiled once, shadow mode,
// exceptions, run-time failures as abstentions, and hostile expressions bounded before they run.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadPolicyFile } from '../../src/config/policy-file';
import { celLibrary } from '../../src/core/custom/library';
import { evaluate } from '../../src/core/evaluate';
import { NO_FACTS } from '../../src/core/facts';
import { OrderParser } from '../../src/core/order-parser';
import { type CustomRuleInput, PolicyError, type PolicyInput, parsePolicy } from '../../src/core/policy';
import { compiledRuleOf } from '../../src/core/policy/custom-rules';
import { line, order } from '../helpers/orders';
import { NOW, run } from './rules-fixtures';

/** The problems parsePolicy finds, as `path: message` lines. */
function refusal(input: unknown): string[] {
  try {
    parsePolicy(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
  throw new Error('expected the policy to be refused');
}

const rule = (fields: Partial<CustomRuleInput>): CustomRuleInput => ({
  id: 'my_rule',
  when: 'true',
  message: 'held by my rule',
  ...fields,
});

const refusalOf = (fields: Partial<CustomRuleInput>) => refusal({ customRules: [rule(fields)] });

describe('a custom rule is checked when the policy is read', () => {
  it.each([
    ['a syntax error', { when: 'order.total >' }, 'customRules[0].when: Unexpected token: EOF at column 14'],
    [
      'an unknown field, with the closest one',
      { scope: 'line' as const, when: 'line.quantty > 3' },
      'customRules[0].when: line has no field "quantty" (did you mean "quantity"?) at column 6',
    ],
    [
      'money compared with a string, at the string',
      { when: 'order.total > "5"' },
      'customRules[0].when: no such overload: int > string (order.total is an int; "5" is a string) at column 15',
    ],
    [
      'money compared with a string deep inside a longer expression',
      { when: 'order.total > 0 && order.total == "500"' },
      'customRules[0].when: no such overload: int == string (order.total is an int; "500" is a string) at column 35',
    ],
    [
      'a count compared with a string in a line rule',
      { scope: 'line' as const, when: 'line.category == "PHONES" && line.quantity >= "3"' },
      'customRules[0].when: no such overload: int >= string (line.quantity is an int; "3" is a string) at column 47',
    ],
    [
      'a price compared with a string inside a macro',
      { when: 'order.lines.exists(l, l.unitPrice > "x")' },
      'customRules[0].when: no such overload: int > string (l.unitPrice is an int; "x" is a string) at column 37',
    ],
    [
      'two fields no operator takes together, at the operator',
      { when: 'order.total > 0 && order.total + order.currency > 3' },
      'customRules[0].when: no such overload: int + string (order.total is an int; order.currency is a string) at column 32',
    ],
    [
      'money multiplied by a fraction',
      { scope: 'line' as const, when: 'line.paid < line.declaredPrice * 0.3' },
      'customRules[0].when: no such overload: int * double (line.declaredPrice is an int; 0.3 is a double; amounts and counts are exact integers: compare products instead of fractions, e.g. line.paid * 100 < line.declaredPrice * 30) at column 34',
    ],
    [
      'an expression that is not true or false',
      { when: 'order.total' },
      'customRules[0].when: must be true or false, but gives int at column 1',
    ],
    [
      'the line in an order-scope rule',
      { when: 'line.quantity > 3' },
      'customRules[0].when: "line" is only known to a rule with scope: line at column 1',
    ],
    [
      'an unknown name',
      { when: 'orders.total > 3' },
      'customRules[0].when: unknown name "orders": a rule reads order, now (did you mean "order"?) at column 1',
    ],
    [
      'a lower-case literal an upper-case identifier never equals',
      { scope: 'line' as const, when: 'line.quantity > 1 && line.category == "electronics"' },
      'customRules[0].when: "electronics" never equals line.category, which is upper case: write "ELECTRONICS" at column 39',
    ],
    [
      'a voucher code written with spaces',
      { when: '"hemat 50" in order.codes' },
      'customRules[0].when: "hemat 50" never equals order.codes, which is upper case without spaces: write "HEMAT50" at column 1',
    ],
    [
      'a lower-case payment method in a list',
      { when: 'order.paymentMethod in ["COD", "ewallet:ovo"]' },
      'customRules[0].when: "ewallet:ovo" never equals order.paymentMethod, which is upper case: write "EWALLET:OVO" at column 32',
    ],
    [
      'a lower-case prefix',
      { when: 'order.paymentMethod.startsWith("card:")' },
      'customRules[0].when: "card:" never matches order.paymentMethod, which is upper case: write "CARD:" at column 32',
    ],
    [
      'a regular expression',
      { when: 'order.customerId.matches("^(a+)+$")' },
      'customRules[0].when: matches() is not available: a regular expression can take exponential time on a crafted value; use startsWith(), endsWith(), contains() or "in" a list at column 1',
    ],
    [
      'a position on a later line of a multi-line expression',
      { when: 'order.total > 100 &&\n  order.shiping > 0' },
      'customRules[0].when: order has no field "shiping" (did you mean "shipping"?) at line 2, column 9',
    ],
    [
      'an unknown value in the message',
      { message: 'Total {order.totl}' },
      'customRules[0].message: {order.totl} is not a value of order; did you mean {order.total}? at column 7',
    ],
    [
      'the line in the message of an order-scope rule',
      { message: 'SKU {line.sku}' },
      'customRules[0].message: {line.sku} names the line, which only a rule with scope: line has at column 5',
    ],
    [
      'a list of lines in the message',
      { message: 'Lines {order.lines}' },
      'customRules[0].message: {order.lines} is not a value of order (known: orderId, currency, customerId, segments, paymentMethod, codes, lineCount, units, listValue, lineDiscounts, subtotal, voucherDiscounts, discounts, discountBp, shipping, shippingDiscount, tax, total, expectedTotal) at column 7',
    ],
    [
      'an unmatched brace in the message',
      { message: 'Total {order.total} }' },
      'customRules[0].message: an unmatched brace at column 21: a placeholder is {order.FIELD}',
    ],
    [
      'a built-in id',
      { id: 'below_floor' },
      'customRules[0].id: "below_floor" is a built-in rule: a custom rule needs an id of its own',
    ],
    [
      'an id that is not a rule id',
      { id: 'Phone Bulk' },
      'customRules[0].id: must be lower case letters, digits and underscores, starting with a letter (at most 64), e.g. "phone_bulk"',
    ],
    ['an unknown scope', { scope: 'cart' as 'order' }, 'customRules[0].scope: must be "order" or "line"'],
  ])('refuses %s, naming the rule and the position', (_name, fields, expected) => {
    expect(refusalOf(fields)).toContain(expected);
  });

  it('reports the problems of `when` and `message` together, for each rule', () => {
    expect(
      refusal({
        customRules: [
          rule({ when: 'order.totl > 1', message: '{order.sku}' }),
          rule({ id: 'second', when: 'order.total >' }),
        ],
      }),
    ).toEqual([
      'customRules[0].message: {order.sku} is not a value of order (known: orderId, currency, customerId, segments, paymentMethod, codes, lineCount, units, listValue, lineDiscounts, subtotal, voucherDiscounts, discounts, discountBp, shipping, shippingDiscount, tax, total, expectedTotal) at column 1',
      'customRules[0].when: order has no field "totl" (did you mean "total"?) at column 7',
      'customRules[1].when: Unexpected token: EOF at column 14',
    ]);
  });

  it('refuses two rules with one id, and an exception naming a rule the policy does not have', () => {
    expect(refusal({ customRules: [rule({}), rule({})] })).toEqual([
      'customRules[1].id: duplicate id "my_rule"',
    ]);
    expect(
      refusal({
        customRules: [rule({ id: 'phone_bulk' })],
        exceptions: [{ id: 'e', note: 'n', rules: ['phone_blk', 'zero_total'], skus: ['A'] }],
      }),
    ).toEqual([
      'exceptions[0].rules[0]: is not a rule id; did you mean "phone_bulk"? (built-in: zero_total, near_zero_total, total_mismatch, below_floor, discount_cap, reference_price, below_recent_price, above_recent_price, voucher_velocity, voucher_budget, voucher_ineligible, voucher_terms, voucher_window, voucher_stacking; custom: phone_bulk)',
    ]);
  });

  it('refuses the same way in a policy file, with the file named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpg-custom-'));
    const path = join(dir, 'policy.yaml');
    writeFileSync(
      path,
      [
        'customRules:',
        '  - id: phone_bulk',
        '    scope: line',
        '    when: line.quantity > "3"',
        '    message: bulk',
      ].join('\n'),
    );
    expect(() => loadPolicyFile(path)).toThrow(
      `invalid ${path}:\n  - customRules[0].when: no such overload: int > string (line.quantity is an int; "3" is a string) at column 17`,
    );
  });

  it('accepts an expression over several lines, comments and all', () => {
    const policy = parsePolicy({
      customRules: [
        rule({ scope: 'line', when: '// phones in bulk\nline.category == "PHONES" &&\n  line.quantity > 3' }),
      ],
    });
    expect(policy.customRules[0]).toMatchObject({ id: 'my_rule', scope: 'line' });
  });
});

describe('hostile expressions are refused before they run', () => {
  it('refuses a loop over the lines inside another, with the worst-case cost', () => {
    const [problem] = refusalOf({
      when: 'order.lines.exists(a, order.lines.exists(b, a.sku == b.sku && a.index != b.index))',
    });
    expect(problem).toMatch(
      /^customRules\[0\]\.when: may take [\d,]+ steps on an order of 500 lines, over the limit of 100,000 \(a loop over order\.lines inside another loop, .*\) at column 1$/,
    );
  });

  it('refuses a loop over the lines in a line-scope rule, and accepts an indexed read', () => {
    expect(
      refusalOf({
        scope: 'line',
        when: 'order.lines.exists(l, l.sku == line.sku && l.index != line.index)',
      })[0],
    ).toMatch(/may take [\d,]+ steps/);
    expect(() =>
      parsePolicy({
        customRules: [
          rule({ scope: 'line', when: 'line.index > 0 && order.lines[line.index - 1].sku == line.sku' }),
        ],
      }),
    ).not.toThrow();
  });

  it('refuses a list doubled again and again by cel.bind (memory that grows exponentially)', () => {
    const doubled = (times: number) => {
      let when = 'x0.size() > 0';
      for (let level = 1; level <= times; level++)
        when = `cel.bind(x${level - 1}, x${level} + x${level}, ${when})`;
      return `cel.bind(x${times}, order.codes, ${when})`;
    };
    expect(() => parsePolicy({ customRules: [rule({ when: doubled(4) })] })).not.toThrow();
    expect(refusalOf({ when: doubled(12) })[0]).toMatch(/may take [\d,]+ steps/);
    // Deeper still, the nesting limit refuses it before its cost is estimated.
    expect(refusalOf({ when: doubled(30) })[0]).toMatch(/Exceeded maxDepth/);
  });

  it('refuses an expression nested too deep, or too long', () => {
    expect(refusalOf({ when: `${'('.repeat(40)}true${')'.repeat(40)}` })[0]).toMatch(
      /^customRules\[0\]\.when: Exceeded maxDepth \(32\) at column \d+$/,
    );
    expect(refusalOf({ when: `order.total > 0 ${'&& order.total > 0 '.repeat(300)}` })).toEqual([
      'customRules[0].when: must be at most 4000 characters',
    ]);
  });

  it('refuses more than 100 rules, and a policy whose rules together cost too much', () => {
    const many = Array.from({ length: 101 }, (_, index) => rule({ id: `r${index}` }));
    expect(refusal({ customRules: many })).toEqual(['customRules: must have at most 100 rules']);
    const heavy = rule({
      scope: 'line',
      when: 'line.sku in order.codes || line.category in order.segments || line.sku in order.segments',
    });
    const twenty = Array.from({ length: 20 }, (_, index) => ({ ...heavy, id: `h${index}` }));
    expect(refusal({ customRules: twenty })[0]).toMatch(
      /^customRules: the enabled rules may take [\d,]+ steps together on the largest order, over the limit of 1,000,000/,
    );
    const disabled = twenty.map((item, index) => (index < 10 ? item : { ...item, enabled: false }));
    expect(() => parsePolicy({ customRules: disabled })).not.toThrow();
  });

  it('never lets a rule read the objects behind the context', () => {
    expect(refusalOf({ scope: 'line', when: 'line.view.sku == "A"' })[0]).toMatch(/line has no field "view"/);
    expect(refusalOf({ when: 'order.source.policy.mode == "shadow"' })[0]).toMatch(
      /order has no field "source"/,
    );
  });
});

describe('each expression is compiled once per policy', () => {
  it('parses when the policy is read, never when an order is judged', () => {
    const parse = jest.spyOn(celLibrary().Environment.prototype, 'parse');
    try {
      const policy = parsePolicy({
        customRules: [
          rule({ id: 'a', when: 'order.units > 10' }),
          rule({ id: 'b', scope: 'line', when: 'line.quantity > 5' }),
        ],
      });
      expect(parse).toHaveBeenCalledTimes(2);
      const parser = new OrderParser();
      for (let index = 0; index < 50; index++) {
        const parsed = parser.parse(order({ lines: [line('A', 100, 0, index + 1), line('B', 100)] }));
        if (!parsed.ok) throw new Error('bad order');
        // An overlay builds a new policy object around the same rules: they stay compiled.
        evaluate(parsed.order, index % 2 === 0 ? policy : { ...policy }, NO_FACTS, NOW);
      }
      expect(parse).toHaveBeenCalledTimes(2);
      expect(compiledRuleOf(policy.customRules[0]!)).toBeDefined();
    } finally {
      parse.mockRestore();
    }
  });
});

describe('a custom rule decides like a built-in one', () => {
  const bulk: CustomRuleInput = {
    id: 'phone_bulk',
    scope: 'line',
    when: 'line.category == "PHONES" && line.quantity > 3',
    message:
      'Line {line.number}: {line.quantity} units of {line.sku} at {line.unitPrice} each ({line.discountBp} off)',
  };
  const phones = order({
    lines: [line('case', 50_000), line('iphone-16', 15_000_000, 1_500_000, 4, 'phones')],
  });

  it('holds with a reason that names the rule, the line and the numbers', () => {
    const { decision } = run(phones, { customRules: [bulk] });
    expect(decision.decision).toBe('hold');
    expect(decision.reasons).toEqual([
      {
        rule: 'phone_bulk',
        line: 1,
        sku: 'IPHONE-16',
        mode: 'enforce',
        message: 'Line 2: 4 units of IPHONE-16 at IDR 15,000,000 each (2.5% off)',
      },
    ]);
  });

  it('in shadow mode records what it would have held, and holds nothing', () => {
    for (const policy of [
      { customRules: [{ ...bulk, mode: 'shadow' as const }] },
      { mode: 'shadow' as const, customRules: [bulk] },
    ]) {
      const { decision } = run(phones, policy);
      expect(decision).toMatchObject({ decision: 'allow', wouldDecide: 'hold' });
      expect(decision.reasons).toEqual([expect.objectContaining({ rule: 'phone_bulk', mode: 'shadow' })]);
    }
    // Its own mode wins over the policy's, as a built-in rule's does.
    const { decision } = run(phones, { mode: 'shadow', customRules: [{ ...bulk, mode: 'enforce' }] });
    expect(decision.decision).toBe('hold');
  });

  it('switched off, never runs (not even to abstain)', () => {
    const { decision } = run(phones, {
      customRules: [
        { ...bulk, enabled: false },
        { ...bulk, id: 'broken', when: 'order.total / 0 > 1', enabled: false },
      ],
    });
    expect(decision).toMatchObject({ decision: 'allow', reasons: [] });
    expect(decision.abstentions.filter((item) => item.rule === 'broken')).toEqual([]);
  });

  it('is let through by an exception that names it, for the SKUs it covers only', () => {
    const policy: PolicyInput = {
      customRules: [bulk, { id: 'big_order', when: 'order.units >= 5', message: '{order.units} units' }],
      exceptions: [
        { id: 'b2b', note: 'Reseller orders', rules: ['phone_bulk'], customerIds: ['reseller-1'] },
      ],
    };
    const reseller = { ...phones, customerId: 'reseller-1' };
    const { decision } = run(reseller, policy);
    expect(decision.exceptions).toEqual([
      expect.objectContaining({ id: 'b2b', suppressed: [expect.objectContaining({ rule: 'phone_bulk' })] }),
    ]);
    // The exception names phone_bulk only: big_order still holds.
    expect(decision.reasons.map((reason) => reason.rule)).toEqual(['big_order']);
    expect(decision.decision).toBe('hold');
    const bySku: PolicyInput = {
      customRules: [bulk],
      exceptions: [{ id: 'pixel', note: 'Pixel launch bundles', rules: ['phone_bulk'], skus: ['PIXEL-9'] }],
    };
    expect(run(phones, bySku).decision.decision).toBe('hold');
    expect(run(order({ lines: [line('pixel-9', 9_000_000, 0, 5, 'phones')] }), bySku).decision.decision).toBe(
      'allow',
    );
  });

  it('does not waive a built-in rule named like nothing it has', () => {
    const policy: PolicyInput = {
      customRules: [bulk],
      exceptions: [{ id: 'e', note: 'phones', rules: ['phone_bulk'], skus: ['FREE'] }],
    };
    const { decision } = run(order({ lines: [line('free', 100_000, 100_000)] }), policy);
    expect(decision.reasons.map((reason) => reason.rule)).toEqual([
      'zero_total',
      'discount_cap',
      'discount_cap',
    ]);
  });
});

describe('a rule that cannot judge abstains and says why', () => {
  const cheap: CustomRuleInput = {
    id: 'cheap_electronics',
    scope: 'line',
    when: 'line.category == "ELECTRONICS" && line.paid * 100 < line.declaredPrice * 30 * line.quantity',
    message: '{line.sku} pays {line.paid} against a declared {line.declaredPrice}',
  };

  it('abstains once per rule for an unknown fact, naming the first line and counting the others', () => {
    const input = order({
      lines: [
        line('tv-1', 100_000, 0, 1, 'electronics'),
        line('tv-2', 100_000, 0, 1, 'electronics'),
        line('tv-3', 100_000, 0, 1, 'electronics'),
      ],
    });
    const { decision } = run(input, { customRules: [cheap] });
    expect(decision.decision).toBe('allow');
    expect(decision.abstentions.filter((item) => item.rule === 'cheap_electronics')).toEqual([
      {
        rule: 'cheap_electronics',
        line: 0,
        sku: 'TV-1',
        message:
          'Custom rule cheap_electronics could not judge line 1 (TV-1): line.declaredPrice is not known for it (has(line.declaredPrice) tests whether it is); nor 2 more lines.',
      },
    ]);
  });

  it('judges the lines it can and fires on them, abstaining for the rest', () => {
    const input = order({
      lines: [line('tv-1', 100_000, 0, 1, 'electronics'), line('tv-2', 100_000, 0, 1, 'electronics')],
    });
    const { decision } = run(input, { customRules: [cheap], catalog: { 'TV-2': { IDR: 1_000_000 } } });
    expect(decision.reasons.filter((reason) => reason.rule === 'cheap_electronics')).toEqual([
      expect.objectContaining({
        rule: 'cheap_electronics',
        line: 1,
        message: 'TV-2 pays IDR 100,000 against a declared IDR 1,000,000',
      }),
    ]);
    expect(decision.abstentions).toContainEqual(
      expect.objectContaining({ rule: 'cheap_electronics', line: 0 }),
    );
  });

  it('never lets through an order another rule holds, nor throws, whatever the rule does', () => {
    const broken: CustomRuleInput[] = [
      { id: 'divides', when: 'order.total / (order.units - order.units) > 1', message: 'x' },
      { id: 'overflows', when: '(order.total + 2) * 9223372036854775807 > 1', message: 'x' },
      { id: 'indexes', when: 'order.lines[5].quantity > 1', message: 'x' },
      { id: 'unknown_fact', scope: 'line', when: 'line.recentMedian > 1', message: '{line.recentMedian}' },
      { id: 'dynamic', when: 'dyn(order.total) >= 0 ? dyn(1) : dyn(true)', message: 'x' },
    ];
    const parser = new OrderParser();
    const policy = parsePolicy({ customRules: broken });
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 1_000_000 }),
            fc.integer({ min: 0, max: 100 }),
            fc.integer({ min: 1, max: 5 }),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (lines) => {
          const input = order({
            lines: lines.map(([price, off, quantity], index) =>
              line(`S${index}`, price, Math.floor((price * quantity * off) / 100), quantity),
            ),
          });
          const parsed = parser.parse(input);
          if (!parsed.ok) return;
          const without = evaluate(parsed.order, parsePolicy({}), NO_FACTS, NOW).decision;
          const withBroken = evaluate(parsed.order, policy, NO_FACTS, NOW).decision;
          expect(withBroken.decision).toBe(without.decision);
          expect(withBroken.reasons).toEqual(without.reasons);
          for (const id of ['divides', 'overflows', 'indexes', 'unknown_fact', 'dynamic']) {
            expect(withBroken.abstentions.some((item) => item.rule === id)).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('says what an expression gave when it is neither true nor false', () => {
    const { decision } = run(order({ lines: [line('A', 100)] }), {
      customRules: [{ id: 'dynamic', when: 'dyn(order.total) > 0 ? dyn(7) : dyn(false)', message: 'x' }],
    });
    expect(decision.abstentions).toContainEqual({
      rule: 'dynamic',
      message: 'Custom rule dynamic could not judge the order: it gave 7, not true or false.',
    });
  });

  it('names the operation and its column for an evaluation error', () => {
    const { decision } = run(order({ lines: [line('A', 100)] }), {
      customRules: [{ id: 'divides', when: 'order.total / (order.units - 1) > 1', message: 'x' }],
    });
    expect(decision.abstentions).toContainEqual({
      rule: 'divides',
      message: 'Custom rule divides could not judge the order: division by zero at column 1 of when.',
    });
  });
});
