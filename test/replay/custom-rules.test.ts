// test/replay/custom-rules.test.ts
// A shop tries a new custom rule on past orders before it holds anything: replay and --baseline report it per rule,
// with the orders it would hold, their money and examples.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReplayCli } from '../../src/cli/replay';
import { type CustomRuleInput, parsePolicy } from '../../src/core/policy';
import { formatReport, replay } from '../../src/replay/replay';
import { line, order } from '../helpers/orders';
import { at, ndjson } from './fixtures';

const bulk: CustomRuleInput = {
  id: 'phone_bulk',
  scope: 'line',
  when: 'line.category == "PHONES" && line.quantity > 3',
  message: '{line.quantity} units of {line.sku}',
};

/** Last month's orders: phones in bulk (one also zero-total), and ordinary orders. */
const rows = [
  { ...order({ orderId: 'p1', lines: [line('phone-a', 1_000_000, 0, 5, 'phones')] }), timestamp: at(0) },
  { ...order({ orderId: 'ok', lines: [line('phone-a', 1_000_000, 0, 1, 'phones')] }), timestamp: at(1) },
  {
    ...order({ orderId: 'p2', lines: [line('case', 50_000), line('phone-b', 2_000_000, 0, 4, 'phones')] }),
    timestamp: at(2),
  },
  {
    ...order({ orderId: 'p3', lines: [line('phone-b', 2_000_000, 20_000_000, 10, 'phones')] }),
    timestamp: at(3),
  },
  { ...order({ orderId: 'free', lines: [line('tote', 100_000, 100_000)] }), timestamp: at(4) },
];

describe('replay with a custom rule', () => {
  it('reports the orders the rule would hold, their money and the first examples with its reason', async () => {
    const report = await replay(ndjson(rows), { policy: parsePolicy({ customRules: [bulk] }) });
    expect(report.heldByRule.phone_bulk).toBe(3);
    expect(report.byRule.phone_bulk).toEqual({
      orders: 3,
      money: {
        IDR: {
          orders: 3,
          listValue: 5_000_000 + 8_050_000 + 20_000_000,
          discount: 20_000_000,
          total: 13_050_000,
        },
      },
      examples: [
        expect.objectContaining({ orderId: 'p1', line: 1, message: '5 units of PHONE-A' }),
        expect.objectContaining({ orderId: 'p2', line: 3, message: '4 units of PHONE-B' }),
        expect.objectContaining({ orderId: 'p3', line: 4, message: '10 units of PHONE-B' }),
      ],
    });
    const text = formatReport(report);
    expect(text).toContain('  phone_bulk                   3\n    IDR: 3 orders listing 33,050,000');
    expect(text).toContain(`    e.g. p1 at ${at(0)} (line 1): 5 units of PHONE-A`);
  });

  it('a shadow rule counts as it would hold: the shop tries it before it enforces it', async () => {
    const report = await replay(ndjson(rows), {
      policy: parsePolicy({ customRules: [{ ...bulk, mode: 'shadow' }] }),
    });
    expect(report.byRule.phone_bulk?.orders).toBe(3);
  });

  it('--baseline reports per rule the orders it newly fires on, and those the baseline held anyway', async () => {
    const report = await replay(ndjson(rows), {
      policy: parsePolicy({ customRules: [bulk] }),
      baseline: { policy: parsePolicy({}), name: 'current.yaml' },
    });
    const diff = report.diff!;
    expect(diff.allowToHold).toMatchObject({ orders: 2, byRule: { phone_bulk: 2 } });
    expect(diff.rules.phone_bulk).toMatchObject({
      more: { orders: 3, examples: [{ orderId: 'p1' }, { orderId: 'p2' }, { orderId: 'p3' }] },
      alreadyHeld: 1,
      fewer: 0,
    });
    expect(Object.keys(diff.rules)).toEqual(['phone_bulk']);
    const text = formatReport(report);
    expect(text).toContain(
      '  by rule, orders it fires on under this policy and not the baseline (+), or the other way (-):\n' +
        '    phone_bulk: +3 (1 held by the baseline anyway)\n' +
        '      IDR: 3 orders listing 33,050,000',
    );
    // The other way round: dropping the rule lets those orders through.
    const dropped = await replay(ndjson(rows), {
      policy: parsePolicy({}),
      baseline: { policy: parsePolicy({ customRules: [bulk] }), name: 'with-rule.yaml' },
    });
    expect(dropped.diff!.rules.phone_bulk).toMatchObject({ more: { orders: 0 }, fewer: 3 });
  });

  it('keeps a rule named like a prototype member an ordinary key of the report', async () => {
    const report = await replay(ndjson(rows), {
      policy: parsePolicy({ customRules: [{ ...bulk, id: 'constructor' }] }),
      baseline: { policy: parsePolicy({}), name: 'current.yaml' },
    });
    const id: string = 'constructor';
    expect(report.heldByRule[id]).toBe(3);
    expect(report.byRule[id]?.orders).toBe(3);
    expect(report.diff!.rules[id]?.more.orders).toBe(3);
    expect(JSON.parse(JSON.stringify(report)).heldByRule).toMatchObject({ constructor: 3 });
  });

  it('refuses a policy whose rule does not check, with the rule and the position, before reading any order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-custom-'));
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(
      policyFile,
      'customRules:\n  - id: big\n    when: order.total > orders.total\n    message: big order\n',
    );
    const orders = join(dir, 'orders.ndjson');
    writeFileSync(orders, ndjson(rows).join('\n'));
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args) => {
      errors.push(args.join(' '));
    });
    try {
      expect(await runReplayCli([orders, '--config', policyFile])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('\n')).toContain(
      `replay: invalid ${policyFile}:\n  - customRules[0].when: unknown name "orders": a rule reads order, now (did you mean "order"?) at column 15`,
    );
  });
});
