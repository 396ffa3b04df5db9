// test/docs/custom-rules.test.ts
// docs/policy.md's custom rules: the context reference is the context the rules read, every example runs on orders
// built for it, and the refusals and limits it shows are the ones the guard gives.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CUSTOM_RULE_LIMITS } from '../../src/core/custom/compile';
import { type FieldSpec, LINE_FIELDS, ORDER_FIELDS, VOUCHER_FIELDS } from '../../src/core/custom/context';
import { ESTIMATE_LIMITS } from '../../src/core/custom/cost';
import { evaluate } from '../../src/core/evaluate';
import { NO_FACTS } from '../../src/core/facts';
import type { OrderInput } from '../../src/core/order';
import { OrderParser } from '../../src/core/order-parser';
import { type Policy, type PolicyError, type PolicyInput, parsePolicy } from '../../src/core/policy';
import { line, order } from '../helpers/orders';

const DOC = readFileSync(join(__dirname, '..', '..', 'docs', 'policy.md'), 'utf8');
const SECTION = DOC.slice(DOC.indexOf('\n## Custom rules\n'));
const NOW = Date.parse('2026-11-11T10:00:00+07:00');

/** The rows of the tables whose header's first cell is `value`: the value, its type and what it is. */
function contextRows(): Map<string, { type: string; doc: string }> {
  const rows = new Map<string, { type: string; doc: string }>();
  const lines = SECTION.split('\n');
  for (let index = 0; index < lines.length; index++) {
    if (!/^\|\s*value\s*\|/.test(lines[index]!)) continue;
    for (index += 2; index < lines.length && lines[index]!.startsWith('|'); index++) {
      const [name, type, doc] = lines[index]!.split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      rows.set(/^`([^`]+)`$/.exec(name ?? '')?.[1] ?? name!, { type: type!, doc: doc! });
    }
  }
  return rows;
}

/** How the reference words a field's type. */
function typeWords(spec: FieldSpec): string {
  const base: Record<FieldSpec['type'], string> = {
    int: 'int',
    string: 'string',
    bool: 'bool',
    'list<string>': 'list of strings',
    'list<Line>': 'list of lines',
    'list<Voucher>': 'list of vouchers',
  };
  const unit = spec.unit === 'money' ? ' (money)' : spec.unit === 'bp' ? ' (basis points)' : '';
  return `${base[spec.type]}${unit}${spec.optional ? ', may be absent' : ''}`;
}

const yamlBlocks = (text: string) =>
  [...text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);

describe('docs/policy.md, custom rules', () => {
  it('documents every value of the context with its type and meaning, and nothing else', () => {
    const rows = contextRows();
    const expected = new Map<string, { type: string; doc: string }>();
    for (const [prefix, fields] of [
      ['order', ORDER_FIELDS],
      ['line', LINE_FIELDS],
      ['voucher', VOUCHER_FIELDS],
    ] as const) {
      for (const [name, spec] of Object.entries(fields as Record<string, FieldSpec>)) {
        expected.set(`${prefix}.${name}`, { type: typeWords(spec), doc: spec.doc.replaceAll('’', "'") });
      }
    }
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(expected));
  });

  /** For each example rule: an order it holds, with the message, and one it lets through. */
  const CASES: Record<
    string,
    { holds: OrderInput; message: string; allows: OrderInput; policy?: PolicyInput }
  > = {
    phone_bulk: {
      holds: order({ lines: [line('iphone-16', 15_000_000, 0, 5, 'phones')] }),
      message: 'Line 1 asks for 5 units of IPHONE-16; phones are limited to 3 an order.',
      allows: order({ lines: [line('iphone-16', 15_000_000, 0, 3, 'phones'), line('case', 50_000, 0, 10)] }),
    },
    new_customer_codes_cod: {
      holds: order({
        customerSegments: ['new'],
        paymentMethod: 'cod',
        lines: [line('kettle', 300_000)],
        vouchers: [
          { code: 'welcome10', discount: 30_000 },
          { code: 'ongkir', discount: 10_000 },
        ],
      }),
      message: 'A new customer pays IDR 260,000 by COD with codes WELCOME10, ONGKIR.',
      allows: order({
        customerSegments: ['new'],
        paymentMethod: 'card:bca-debit',
        lines: [line('kettle', 300_000)],
        vouchers: [
          { code: 'welcome10', discount: 30_000 },
          { code: 'ongkir', discount: 10_000 },
        ],
      }),
    },
    shipping_discount: {
      holds: order({ lines: [line('socks', 30_000)], shipping: 15_000, shippingDiscount: 15_000 }),
      message: 'Shipping IDR 15,000 is discounted IDR 15,000 on a subtotal of IDR 30,000.',
      allows: order({ lines: [line('shoes', 450_000)], shipping: 15_000, shippingDiscount: 15_000 }),
    },
    gift_card_with_code: {
      holds: order({
        lines: [line('tote', 200_000), line('gc-500k', 500_000, 0, 1, 'gift_cards')],
        vouchers: [{ code: 'leak50', discount: 50_000 }],
      }),
      message: 'Gift card GC-500K is bought with codes LEAK50.',
      allows: order({ lines: [line('gc-500k', 500_000, 0, 1, 'gift_cards')] }),
    },
    cheap_electronics: {
      holds: order({ lines: [line('tv-55', 5_000_000, 3_600_000, 1, 'electronics')] }),
      message: 'Line 1 (TV-55) pays IDR 1,400,000 for a declared IDR 5,000,000 a unit (72% off).',
      allows: order({
        lines: [
          line('tv-55', 5_000_000, 3_400_000, 1, 'electronics'),
          line('radio', 1_000_000, 900_000, 1, 'electronics'),
        ],
      }),
      policy: { catalog: { 'TV-55': { IDR: 5_000_000 } } },
    },
  };

  const parser = new OrderParser();
  const judge = (input: OrderInput, policy: Policy, id: string) => {
    const parsed = parser.parse(input);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const { decision } = evaluate(parsed.order, policy, NO_FACTS, NOW);
    return {
      reasons: decision.reasons.filter((reason) => reason.rule === id),
      abstentions: decision.abstentions.filter((item) => item.rule === id),
    };
  };

  it('has five examples a shop would write, each holding the order built for it and letting the other through', () => {
    const examples = yamlBlocks(SECTION.slice(0, SECTION.indexOf('\n### Trying a rule')))
      .map((text) => parseYaml(text) as PolicyInput)
      .filter((input) => input.customRules !== undefined);
    const ids = examples.flatMap((input) => input.customRules!.map((rule) => rule.id));
    expect(ids.sort()).toEqual(Object.keys(CASES).sort());
    for (const input of examples) {
      const id = input.customRules![0]!.id;
      const example = CASES[id]!;
      const policy = parsePolicy({ ...example.policy, ...input }, `docs/policy.md (${id})`);
      expect(judge(example.holds, policy, id)).toEqual({
        reasons: [expect.objectContaining({ rule: id, message: example.message, mode: 'enforce' })],
        abstentions: [],
      });
      expect(judge(example.allows, policy, id)).toEqual({ reasons: [], abstentions: [] });
    }
    // The reason the page quotes for the first example is the one the guard gives.
    expect(SECTION.replace(/\s+/g, ' ')).toContain(`with the reason "${CASES.phone_bulk!.message}"`);
  });

  it('shows the refusals the guard gives, word for word', () => {
    const block = /```text\n(invalid policy\.yaml:\n[\s\S]*?)```/.exec(SECTION)![1]!;
    const documented = block
      .split('\n')
      .slice(1, -1)
      .map((text) => text.replace(/^ {2}- /, ''));
    const input = {
      customRules: [
        { id: 'a', scope: 'line', when: 'line.quantty > 3', message: 'a' },
        { id: 'b', when: 'order.total == "500"', message: 'b' },
        { id: 'c', scope: 'line', when: 'line.quantity > 1 && line.category == "electronics"', message: 'c' },
        { id: 'd', when: 'order.total > 0', message: 'Total {order.totl}' },
      ],
    };
    let problems: string[] = [];
    try {
      parsePolicy(input, 'policy.yaml');
    } catch (error) {
      problems = (error as PolicyError).problems.map((problem) => `${problem.path}: ${problem.message}`);
    }
    expect(problems).toEqual(documented);
  });

  it('states the limits the guard applies', () => {
    const text = SECTION.replace(/\s+/g, ' ');
    expect(text).toContain(`at most ${CUSTOM_RULE_LIMITS.rules}`);
    expect(text).toContain(`at most ${CUSTOM_RULE_LIMITS.whenLength} characters`);
    expect(text).toContain(`(${ESTIMATE_LIMITS.lines} lines, ${ESTIMATE_LIMITS.vouchers} vouchers)`);
    expect(text).toContain(`over ${CUSTOM_RULE_LIMITS.cost.toLocaleString('en-US')} steps`);
    expect(text).toContain(`together pass ${CUSTOM_RULE_LIMITS.policyCost.toLocaleString('en-US')}`);
    expect(text).toContain(
      `at most ${CUSTOM_RULE_LIMITS.depth} deep and have at most ${CUSTOM_RULE_LIMITS.nodes} nodes`,
    );
  });

  it('quotes the abstention the guard records for an unknown fact', () => {
    const policy = parsePolicy({
      customRules: yamlBlocks(SECTION)
        .map((text) => parseYaml(text) as PolicyInput)
        .flatMap((input) => input.customRules ?? [])
        .filter((rule) => rule.id === 'cheap_electronics')
        .map((rule) => ({ ...rule, when: rule.when.replace('has(line.declaredPrice) &&', '') })),
    });
    const three = order({
      lines: ['tv-1', 'tv-2', 'tv-3'].map((sku) => line(sku, 100_000, 0, 1, 'electronics')),
    });
    const [abstention] = judge(three, policy, 'cheap_electronics').abstentions;
    expect(SECTION.replace(/\s+/g, ' ')).toContain(`(\`${abstention!.message}\`)`);
  });
});
