// test/replay/exports.test.ts
// Replay of real exports: unknown fields, other labels, skipped lines, exceptions, reused ids and mappings.

import { parsePolicy } from '../../src/core/policy';
import { compileMapping, formatReport, MappingError, replay } from '../../src/replay/replay';
import { line, order } from '../helpers/orders';
import { at, defaults, ndjson } from './fixtures';

describe('replay of real exports', () => {
  it('ignores fields it does not know, and reads a null label or incident as none', async () => {
    const rows = [
      {
        ...order({ orderId: 'a', lines: [line('S1', 100_000)] }),
        timestamp: at(0),
        label: null,
        incident: null,
        status: 'shipped',
        channel: { app: 'ios', version: 7 },
      },
    ];
    const report = await replay(ndjson(rows), { policy: defaults });
    expect(report).toMatchObject({ orders: 1, held: 0, incidents: {}, classes: {} });
    expect(report.labels.unlabelled).toBe(1);
  });

  it('keeps every other label as a class with its own holds; glitch and legit keep precision and recall', async () => {
    const rows = [
      {
        ...order({ orderId: 'g', lines: [line('S1', 100_000, 100_000)] }),
        timestamp: at(0),
        label: 'glitch',
      },
      { ...order({ orderId: 'l', lines: [line('S1', 100_000)] }), timestamp: at(1), label: 'legit' },
      {
        ...order({ orderId: 'c1', lines: [line('S2', 50_000, 50_000)] }),
        timestamp: at(2),
        label: 'chargeback',
      },
      { ...order({ orderId: 'c2', lines: [line('S2', 50_000)] }), timestamp: at(3), label: 'chargeback' },
      { ...order({ orderId: 'r', lines: [line('S3', 10_000)] }), timestamp: at(4), label: 'refunded' },
    ];
    const report = await replay(ndjson(rows), { policy: defaults });
    expect(report.classes).toEqual({
      glitch: { orders: 1, held: 1, heldByRule: { zero_total: 1, discount_cap: 1 } },
      legit: { orders: 1, held: 0, heldByRule: {} },
      chargeback: { orders: 2, held: 1, heldByRule: { zero_total: 1, discount_cap: 1 } },
      refunded: { orders: 1, held: 0, heldByRule: {} },
    });
    expect(report.labels).toMatchObject({
      glitch: 1,
      legit: 1,
      other: 3,
      unlabelled: 0,
      precision: 1,
      recall: 1,
    });
    expect(formatReport(report)).toMatch(/chargeback: 2 orders, held 1 \(50\.00%\)/);
  });

  it('stops at the first malformed line by default; with skipInvalid counts and skips each, naming its line', async () => {
    const good = (id: string, minute: number) =>
      JSON.stringify({ ...order({ orderId: id, lines: [line('S1', 100_000)] }), timestamp: at(minute) });
    const lines = [
      good('a', 0),
      '{not json',
      JSON.stringify({ orderId: 'b', currency: 'IDR', lines: [], total: 0, timestamp: at(1) }),
      good('c', 2),
      JSON.stringify({ ...order({ orderId: 'd', lines: [line('S1', 100_000)] }), timestamp: at(1) }),
      JSON.stringify({ ...order({ orderId: 'e', lines: [line('S1', 100_000)] }) }),
      good('f', 3),
    ];
    await expect(replay(lines, { policy: defaults })).rejects.toMatchObject({ line: 2 });
    const report = await replay(lines, { policy: defaults, skipInvalid: true });
    expect(report.orders).toBe(3);
    expect(report.invalid.lines).toBe(4);
    expect(report.invalid.samples.map((sample) => [sample.line, sample.problems[0]!.path])).toEqual([
      [2, ''],
      [3, 'lines'],
      [5, 'timestamp'],
      [6, 'timestamp'],
    ]);
    expect(report.invalid.samples[2]!.problems[0]!.message).toContain('goes back in time');
    expect(formatReport(report)).toContain('Skipped 4 invalid lines');
  });

  it('reports zero-total orders a configured exception let through as excepted, not as got through', async () => {
    const policy = parsePolicy({
      exceptions: [
        {
          id: 'free-samples',
          note: 'the sample program ships free sachets',
          rules: ['zero_total', 'discount_cap', 'near_zero_total'],
          skus: ['SAMPLE-1'],
        },
      ],
    });
    const rows = [
      {
        ...order({ orderId: 'sample', lines: [line('SAMPLE-1', 5_000, 5_000)] }),
        timestamp: at(0),
        label: 'legit',
      },
      {
        ...order({ orderId: 'free', lines: [line('S1', 100_000, 100_000)] }),
        timestamp: at(1),
        label: 'glitch',
      },
    ];
    const report = await replay(ndjson(rows), { policy });
    expect(report.zeroOrFullDiscount).toEqual({ orders: 2, held: 1, excepted: 1 });
    expect(report.excepted).toEqual({ orders: 1, byException: { 'free-samples': 1 } });
    const text = formatReport(report);
    expect(text).toContain('held 1, let through by exceptions 1.');
    expect(text).not.toContain('GOT THROUGH');
    const unexplained = await replay(ndjson(rows), { policy: defaults, skipInvalid: true });
    expect(unexplained.zeroOrFullDiscount).toEqual({ orders: 2, held: 2, excepted: 0 });
    const exceptOnly = parsePolicy({
      rules: {
        zero_total: { enabled: false },
        discount_cap: { enabled: false },
        below_floor: { enabled: false },
      },
    });
    expect(formatReport(await replay(ndjson(rows), { policy: exceptOnly }))).toContain('<-- 2 GOT THROUGH');
  });

  it('counts an order id reused for other content per line, as the service answers 409, and a repeat once', async () => {
    const first = { ...order({ orderId: 'dup', lines: [line('S1', 100_000)] }), timestamp: at(0) };
    const rows = [
      first,
      { ...first, timestamp: at(1) },
      { ...order({ orderId: 'dup', lines: [line('S2', 70_000)] }), timestamp: at(2) },
      { ...order({ orderId: 'other', lines: [line('S2', 70_000)] }), timestamp: at(3) },
    ];
    const report = await replay(ndjson(rows), { policy: defaults });
    expect(report.orders).toBe(2);
    expect(report.repeats).toBe(1);
    expect(report.reusedIds).toEqual({
      lines: 1,
      samples: [{ line: 3, orderId: 'dup', firstUsedAt: at(0) }],
    });
    expect(formatReport(report)).toMatch(
      /reused for other content[^\n]*1 lines[\s\S]*line 3: dup, first used at/,
    );
  });

  it('reads an export through a mapping: renamed and nested fields, line and voucher fields, labels, epoch seconds', async () => {
    const toOrder = compileMapping({
      fields: {
        orderId: 'id',
        timestamp: 'created',
        total: 'amounts.total',
        lines: 'items',
        'lines.sku': 'product.sku',
        'lines.unitPrice': 'price',
        label: 'review.outcome',
        incident: 'case',
      },
      labels: { fraud: 'glitch', ok: 'legit', unknown: null },
      timestampUnit: 's',
    });
    const row = (id: string, minute: number, price: number, discount: number, outcome: string) => ({
      id,
      created: Date.parse(at(minute)) / 1000,
      currency: 'IDR',
      items: [{ product: { sku: 'S1', title: 'Tote' }, price, quantity: 1, discount }],
      amounts: { total: price - discount, tax: 0 },
      review: { outcome },
      case: outcome === 'fraud' ? 'free-tote' : null,
    });
    const report = await replay(
      ndjson([
        row('a', 0, 100_000, 0, 'ok'),
        row('b', 1, 100_000, 100_000, 'fraud'),
        row('c', 2, 50_000, 0, 'unknown'),
      ]),
      { policy: defaults, toOrder },
    );
    expect(report).toMatchObject({ orders: 3, held: 1, firstOrderAt: at(0) });
    expect(report.labels).toMatchObject({ glitch: 1, legit: 1, unlabelled: 1, truePositives: 1 });
    expect(report.incidents['free-tote']).toMatchObject({ orders: 1, glitchHeld: 1 });
  });

  it('refuses a mapping naming what a replay line does not have, suggesting the closest field', () => {
    const error = (() => {
      try {
        compileMapping({ fields: { orderID: 'id', 'lines.price': 'p', total: '' }, label: {} });
      } catch (caught) {
        return caught as MappingError;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(MappingError);
    expect(error.problems.map((problem) => problem.path)).toEqual([
      'label',
      'fields.orderID',
      'fields.lines.price',
      'fields.total',
    ]);
    expect(error.message).toContain('did you mean "labels"?');
    expect(error.message).toContain('did you mean "orderId"?');
  });
});
