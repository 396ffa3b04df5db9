// test/tools/replay.test.ts
// The replay engine: exact report numbers on hand-made streams, errors naming the line, and the acceptance run.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { readDocument } from '../../src/config/document';
import { loadPolicyFile } from '../../src/config/policy-file';
import { parsePolicy } from '../../src/core/policy';
import { compileMapping, formatReport, MappingError, ReplayLineError, replay } from '../../src/tools/replay';
import { runReplayCli } from '../../src/tools/replay-cli';
import { DAYS, leakPlan, ScenarioGenerator, toNdjson } from '../../src/tools/scenarios';
import { markdown, markdownPlan } from '../../src/tools/scenarios/kinds/markdown';
import { newSku } from '../../src/tools/scenarios/kinds/new-sku';
import { overchargeBurst } from '../../src/tools/scenarios/kinds/overcharge-burst';
import { line, order } from '../helpers/orders';
import { startRedis, stopAll } from '../helpers/redis';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 10, 3, minute)).toISOString();
const ndjson = (rows: object[]) => rows.map((row) => JSON.stringify(row));
const EXAMPLES = join(__dirname, '..', '..', 'examples');
const defaults = parsePolicy({});

afterAll(() => stopAll());

describe('replay report', () => {
  it('counts holds by rule, money held, labels and incidents exactly', async () => {
    const rows = [
      { ...order({ orderId: 'a', lines: [line('S1', 100_000)] }), timestamp: at(0), label: 'legit' },
      {
        ...order({ orderId: 'b', lines: [line('S1', 100_000, 100_000)] }),
        timestamp: at(1),
        label: 'glitch',
        incident: 'free',
      },
      {
        ...order({ orderId: 'c', lines: [line('S2', 50_000, 50_000)], shipping: 10_000 }),
        timestamp: Date.parse(at(2)),
        label: 'glitch',
        incident: 'free',
      },
      {
        ...order({ orderId: 'd', lines: [line('S3', 80_000)], total: 40_000 }),
        timestamp: at(3),
        label: 'glitch',
      },
      { ...order({ orderId: 'e', lines: [line('S3', 80_000, 79_000)] }), timestamp: at(4), label: 'legit' },
      { ...order({ orderId: 'f', lines: [line('S4', 10_000)] }), timestamp: at(5) },
    ];
    const report = await replay(ndjson(rows), { policy: parsePolicy({}) });
    expect(report.orders).toBe(6);
    expect(report.held).toBe(4);
    expect(report.heldByRule).toEqual({
      zero_total: 1,
      discount_cap: 3,
      near_zero_total: 1,
      total_mismatch: 1,
    });
    expect(report.moneyHeld).toEqual({
      IDR: { orders: 4, listValue: 310_000, discount: 229_000, total: 51_000 },
    });
    expect(report.zeroOrFullDiscount).toEqual({ orders: 2, held: 2, excepted: 0 });
    expect(report.labels).toMatchObject({
      glitch: 3,
      legit: 2,
      unlabelled: 1,
      truePositives: 3,
      falsePositives: 1,
      falseNegatives: 0,
      trueNegatives: 1,
      precision: 0.75,
      recall: 1,
      falseHoldRate: 0.5,
    });
    expect(report.falseHoldSamples.map((sample) => sample.orderId)).toEqual(['e']);
    const free = report.incidents.free!;
    expect(free).toMatchObject({
      orders: 2,
      glitch: 2,
      held: 2,
      escapedBeforeDetection: 0,
      timeToDetectMs: 0,
    });
    expect(free.firstHeld).toMatchObject({ orderId: 'b', line: 2, at: at(1) });
    expect(free.lastHeld).toMatchObject({ orderId: 'c', line: 3 });
    expect(formatReport(report)).toContain('precision 75.00%, recall 100.00%');
  });

  it('counts the glitch orders that got through before the first hold, and the time to detect', async () => {
    // A surge of a new code: with no baseline yet (the 12-an-hour prior: 0.2 a minute expected), velocity trips at
    // the sixth use within a minute (the first count whose chance is under 1 in a million).
    const rows = Array.from({ length: 25 }, (_, i) => ({
      ...order({
        orderId: `v${i}`,
        lines: [line('S1', 200_000)],
        vouchers: [{ code: 'LEAK', discount: 50_000 }],
      }),
      timestamp: Date.parse(at(0)) + i * 1000,
      label: 'glitch',
      incident: 'leak',
    }));
    const report = await replay(ndjson(rows), { policy: parsePolicy({ vouchers: { LEAK: {} } }) });
    const leak = report.incidents.leak!;
    expect(leak.firstHeld?.orderId).toBe('v5');
    expect(leak.escapedBeforeDetection).toBe(5);
    expect(leak.timeToDetectMs).toBe(5_000);
    expect(leak.held).toBe(20);
    expect(leak.glitchAllowed).toBe(5);
    expect(report.labels.recall).toBeCloseTo(20 / 25, 10);
  });

  it('names the line and each problem of a malformed order', async () => {
    const rows = [
      JSON.stringify({ ...order({ orderId: 'a', lines: [line('S1', 100)] }), timestamp: at(0) }),
      '',
      JSON.stringify({
        orderId: 'b',
        currency: 'IDR',
        lines: [{ sku: 'S', quantity: 1, unitPrice: 1.5 }],
        timestamp: at(1),
      }),
    ];
    const error = await replay(rows, { policy: parsePolicy({}) }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ReplayLineError);
    expect(error.line).toBe(3);
    expect(error.problems.map((problem: { path: string }) => problem.path).sort()).toEqual([
      'lines[0].unitPrice',
      'total',
    ]);
  });

  it('rejects a missing timestamp, a label or incident that is not a name, bad JSON and a file out of time order', async () => {
    const valid = order({ orderId: 'a', lines: [line('S1', 100)] });
    const policy = parsePolicy({});
    const failure = (rows: string[]) => replay(rows, { policy }).catch((caught: ReplayLineError) => caught);
    expect((await failure([JSON.stringify(valid)])) as ReplayLineError).toMatchObject({
      line: 1,
      problems: [{ path: 'timestamp' }],
    });
    expect(await failure([JSON.stringify({ ...valid, timestamp: at(0), label: 42 })])).toMatchObject({
      problems: [{ path: 'label' }],
    });
    expect(await failure([JSON.stringify({ ...valid, timestamp: at(0), incident: ' ' })])).toMatchObject({
      problems: [{ path: 'incident' }],
    });
    expect(await failure(['{nope'])).toMatchObject({ line: 1, problems: [{ path: '' }] });
    const outOfOrder = await failure([
      JSON.stringify({ ...valid, timestamp: at(5) }),
      JSON.stringify({ ...valid, orderId: 'b', timestamp: at(1) }),
    ]);
    expect(outOfOrder).toMatchObject({ line: 2, problems: [{ path: 'timestamp' }] });
    expect((outOfOrder as ReplayLineError).message).toContain('sorted by timestamp');
  });
});

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

describe('policy diff', () => {
  it('reports the orders the new policy decides differently, by rule, label and money, with the first examples', async () => {
    const baseline = parsePolicy({ vouchers: { BANKX: {} } });
    const policy = parsePolicy({
      vouchers: { BANKX: { paymentMethods: ['card:bank-x*'] } },
      campaigns: [
        {
          id: 'clearance',
          startsAt: '2026-11-10T00:00:00+07:00',
          endsAt: '2026-11-11T00:00:00+07:00',
          skus: ['DEEP'],
          lineDiscountCapBp: 9500,
          orderListCapBp: 9500,
        },
      ],
    });
    const voucher = (id: string, minute: number, paymentMethod: string, label: string) => ({
      ...order({
        orderId: id,
        paymentMethod,
        lines: [line('S1', 200_000)],
        vouchers: [{ code: 'BANKX', discount: 50_000 }],
      }),
      timestamp: at(minute),
      label,
    });
    const rows = [
      voucher('ok', 0, 'card:bank-x-visa', 'legit'),
      voucher('other-card', 1, 'ewallet:ovo', 'glitch'),
      voucher('other-card-2', 2, 'qris', 'glitch'),
      {
        ...order({ orderId: 'deep', lines: [line('DEEP', 100_000, 93_000)] }),
        timestamp: at(3),
        label: 'legit',
      },
      {
        ...order({ orderId: 'free', lines: [line('S2', 100_000, 100_000)] }),
        timestamp: at(4),
        label: 'glitch',
      },
    ];
    const report = await replay(ndjson(rows), {
      policy,
      baseline: { policy: baseline, name: 'current.yaml' },
      diffExamples: 1,
    });
    const diff = report.diff!;
    expect(diff).toMatchObject({ baseline: 'current.yaml', orders: 5, heldByBaseline: 2, heldByPolicy: 3 });
    expect(diff.allowToHold).toMatchObject({
      orders: 2,
      byRule: { voucher_ineligible: 2 },
      byLabel: { glitch: 2 },
      money: { IDR: { orders: 2, listValue: 400_000, discount: 100_000, total: 300_000 } },
    });
    expect(diff.allowToHold.examples).toEqual([
      expect.objectContaining({
        orderId: 'other-card',
        line: 2,
        label: 'glitch',
        rules: ['voucher_ineligible'],
      }),
    ]);
    expect(diff.holdToAllow).toMatchObject({
      orders: 1,
      byRule: { discount_cap: 1 },
      byLabel: { legit: 1 },
      money: { IDR: { orders: 1, listValue: 100_000, discount: 93_000, total: 7_000 } },
    });
    expect(diff.heldForOtherRules).toBe(0);
    const text = formatReport(report);
    expect(text).toContain('Policy diff against current.yaml (5 orders judged by both)');
    expect(text).toMatch(/allow -> hold: 2 orders \(glitch 2\)\n {4}by rule: voucher_ineligible 2/);
    expect(text).toMatch(/hold -> allow: 1 orders \(legit 1\)/);
  });
});

describe('simulated on-call', () => {
  // A SKU sold at 100,000 for half an hour, then marked down to 30,000 for good without telling the guard.
  const markdownRows = () => {
    const rows: object[] = [];
    for (let minute = 0; minute < 60; minute++) {
      const price = minute < 30 ? 100_000 : 30_000;
      rows.push({
        ...order({ orderId: `m${minute}`, lines: [line('S1', price)] }),
        timestamp: at(minute),
        label: 'legit',
        incident: minute < 30 ? undefined : 'markdown',
      });
    }
    rows.push({
      ...order({ orderId: 'free', lines: [line('S2', 80_000, 80_000)] }),
      timestamp: at(31),
      label: 'glitch',
    });
    return ndjson(
      rows.sort((a, b) =>
        (a as { timestamp: string }).timestamp < (b as { timestamp: string }).timestamp ? -1 : 1,
      ),
    );
  };
  const policy = parsePolicy({ history: { minSamples: 20 } });

  it('without review, an unannounced markdown is held for good', async () => {
    const report = await replay(markdownRows(), { policy });
    expect(report.incidents.markdown).toMatchObject({ legit: 30, legitHeld: 30 });
    expect(report.review).toBeUndefined();
  });

  it('approves held legit orders and rejects held glitch ones after the delay; approvals end the markdown holds', async () => {
    const report = await replay(markdownRows(), { policy, reviewAfterMinutes: 10 });
    const markdown = report.incidents.markdown!;
    // Held until the approvals of the first few held orders (10 minutes each after its hold) move the median.
    expect(markdown.legitHeld).toBeGreaterThan(0);
    expect(markdown.legitHeld).toBeLessThan(20);
    expect(Date.parse(markdown.lastLegitHeld!.at) - Date.parse(at(30))).toBeLessThan(20 * 60_000);
    expect(report.review).toEqual({ afterMinutes: 10, approved: markdown.legitHeld, rejected: 1, left: 0 });
    expect(formatReport(report)).toContain('Simulated on-call, 10 min after each hold: approved');
  });
});

describe('memory and Redis', () => {
  it('a replay on Redis gives the same report as one in memory, and leaves no key behind', async () => {
    const redis = await startRedis();
    // A leaked code that trips and resumes, a markdown on-call approves, an overcharge and new SKUs: every kind of
    // state (voucher windows, trips, price history, approvals, reference prices), in about a thousand orders.
    const generator = new ScenarioGenerator({
      seed: 5,
      ordersPerDay: 300,
      skus: 120,
      leakMinutes: 3,
      leakPerMinute: 40,
    });
    let stream = generator.voucherLeak([
      ...generator.normalDay(DAYS.warmup, 'd1109'),
      ...generator.normalDay(DAYS.incident, 'd1110'),
    ]);
    for (const kind of [newSku, markdown, overchargeBurst]) stream = kind(generator, stream);
    const lines = toNdjson(stream).split('\n');
    const policy = loadPolicyFile(join(EXAMPLES, 'policy.general.yaml'));
    const options = { policy, reviewAfterMinutes: 15, baseline: { policy: defaults, name: 'defaults' } };
    const memory = await replay(lines, options);
    const onRedis = await replay(lines, { ...options, store: 'redis', redisUrl: redis.url });
    expect(memory.held).toBeGreaterThan(100);
    expect(memory.heldByRule.voucher_velocity).toBeGreaterThan(0);
    expect(memory.review!.approved).toBeGreaterThan(0);
    expect({ ...onRedis, store: 'memory' }).toEqual(memory);
    expect(onRedis.store).toBe('redis');
    const client = new Redis(redis.url);
    expect(await client.dbsize()).toBe(0);
    client.disconnect();
  }, 120_000);
});

describe('replay of the generated scenarios with the documented policy', () => {
  const streams = new ScenarioGenerator({
    seed: 11,
    ordersPerDay: 1200,
    leakMinutes: 5,
    leakPerMinute: 100,
  }).generate();
  const policy = loadPolicyFile(join(__dirname, '..', '..', 'examples', 'policy.harbolnas.yaml'));
  let report: Awaited<ReturnType<typeof replay>>;

  beforeAll(async () => {
    report = await replay(toNdjson(streams.combined).split('\n'), { policy });
  });

  it('holds every zero-total and 100%-discount order, every tampered total and every 1000x-too-low price', () => {
    expect(report.zeroOrFullDiscount.orders).toBeGreaterThan(0);
    expect(report.zeroOrFullDiscount.held).toBe(report.zeroOrFullDiscount.orders);
    for (const name of ['checkout-100pct', 'tampered-total', 'price-1000x']) {
      const incident = report.incidents[name]!;
      expect(incident.glitch).toBeGreaterThan(0);
      expect(incident.glitchAllowed).toBe(0);
      expect(incident.escapedBeforeDetection).toBe(0);
    }
  });

  it('catches the leaked voucher within the first minute of mass use', () => {
    const velocity = report.incidents['voucher-leak']!.firstHeldByRule.voucher_velocity;
    expect(velocity).toBeDefined();
    const massStart = DAYS.incident + 7 * 3_600_000;
    expect(Date.parse(velocity!.at) - massStart).toBeLessThan(60_000);
    expect(Date.parse(velocity!.at)).toBeGreaterThanOrEqual(massStart);
  });

  it('holds at most 0.1% of legitimate orders, including the flash-sale day', () => {
    expect(report.labels.legit).toBeGreaterThan(10_000);
    expect(report.labels.falseHoldRate!).toBeLessThanOrEqual(0.001);
    const harbolnas = report.incidents.harbolnas!;
    expect(harbolnas.held / harbolnas.orders).toBeLessThanOrEqual(0.001);
  });

  it('holds most of the flash-sale day without the declared campaign (the campaign is what makes it legit)', async () => {
    const withoutCampaign = await replay(toNdjson(streams.harbolnas).split('\n'), {
      policy: loadPolicyFile(join(__dirname, '..', '..', 'examples', 'policy.default.yaml')),
    });
    expect(withoutCampaign.incidents.harbolnas!.held).toBeGreaterThan(100);
  });
});

describe('replay of the general stream with the shop policy (issue 13 kinds, seed 11)', () => {
  const generator = new ScenarioGenerator({ seed: 11, ordersPerDay: 1200 });
  const lines = toNdjson(generator.general()).split('\n');
  const policy = loadPolicyFile(join(EXAMPLES, 'policy.general.yaml'));
  let plain: Awaited<ReturnType<typeof replay>>;
  let reviewed: Awaited<ReturnType<typeof replay>>;
  const incident = (report: typeof plain, name: string) => {
    const found = report.incidents[name];
    if (found === undefined) throw new Error(`no incident ${name}`);
    return found;
  };

  beforeAll(async () => {
    plain = await replay(lines, { policy });
    reviewed = await replay(lines, { policy, reviewAfterMinutes: 15 });
  });

  it('holds every overcharged order at once, and the history it kept lets the right price through after the fix', () => {
    const overcharge = incident(plain, 'overcharge-burst');
    expect(overcharge.glitch).toBeGreaterThan(0);
    expect(overcharge).toMatchObject({ glitchAllowed: 0, escapedBeforeDetection: 0, timeToDetectMs: 0 });
    expect(overcharge.legit).toBeGreaterThan(0);
    expect(overcharge.legitHeld).toBe(0);
  });

  it('holds discounts stacked to a few percent of list, each within its own cap', () => {
    const stacked = incident(plain, 'stacked-discounts');
    expect(stacked.glitch).toBeGreaterThan(10);
    expect(stacked.recall!).toBeGreaterThanOrEqual(0.9);
    expect(stacked.firstHeldByRule.discount_cap ?? stacked.firstHeldByRule.below_floor).toBeDefined();
  });

  it('catches an open code leaking on a ramp within minutes of its first leaked use', () => {
    const leak = incident(plain, 'open-code-leak');
    expect(leak.glitch).toBeGreaterThan(500);
    expect(leak.recall!).toBeGreaterThanOrEqual(0.99);
    expect(leak.timeToDetectMs!).toBeLessThan(5 * 60_000);
    expect(leak.escapedBeforeDetection).toBeLessThanOrEqual(10);
    expect(leak.firstHeldByRule.voucher_velocity).toBeDefined();
  });

  it("lets a tripped code's usual uses through again once its rate is back to normal (trips end)", () => {
    const leak = incident(plain, 'open-code-leak');
    expect(leak.legit).toBeGreaterThan(5);
    // The shop withdrew the leaked post at `end`; a trip resumes after 30 calm minutes (resumeAfterSeconds).
    const { end } = leakPlan(generator);
    if (leak.lastLegitHeld) expect(Date.parse(leak.lastLegitHeld.at) - end).toBeLessThan(45 * 60_000);
    const stacked = incident(plain, 'stacked-discounts');
    expect(stacked.legit).toBeGreaterThan(5);
    expect(stacked.legitHeld / stacked.legit).toBeLessThanOrEqual(0.1);
  });

  it('holds every sale of a new SKU mispriced against its declared price, from the first', () => {
    const declared = incident(plain, 'new-sku-declared');
    expect(declared.glitch).toBeGreaterThan(0);
    expect(declared).toMatchObject({ recall: 1, escapedBeforeDetection: 0, legitHeld: 0 });
  });

  it('cannot tell an undeclared new SKU is mispriced (nothing to compare with), and holds its right price until on-call approves', () => {
    const undeclared = incident(plain, 'new-sku-undeclared');
    // Honest: no history, no declared price: the guard abstains on its first sales; afterwards its history is the
    // wrong price, so the fixed price is held by above_recent_price until a reviewer approves it.
    expect(undeclared.recall!).toBeLessThan(0.1);
    expect(undeclared.legitHeld).toBe(undeclared.legit);
    const recovered = incident(reviewed, 'new-sku-undeclared');
    expect(recovered.legitHeld).toBeLessThan(undeclared.legitHeld);
    const span = Date.parse(recovered.lastLegitHeld!.at) - Date.parse(recovered.firstLegitHeld!.at);
    expect(span).toBeLessThan(90 * 60_000);
  });

  it('holds an unannounced markdown for good without review; approving the first holds ends them within 90 minutes', () => {
    const held = incident(plain, 'markdown');
    expect(held.legit).toBeGreaterThan(10);
    expect(held.legitHeld).toBe(held.legit);
    const recovered = incident(reviewed, 'markdown');
    expect(recovered.legitHeld).toBeLessThanOrEqual(10);
    const span = Date.parse(recovered.lastLegitHeld!.at) - Date.parse(recovered.firstLegitHeld!.at);
    expect(span).toBeLessThan(90 * 60_000);
    expect(reviewed.review!.approved).toBeGreaterThan(0);
  });

  it("holds every stacked order by the payday code's own terms once it says it does not stack (voucher_stacking)", async () => {
    const document = readDocument(join(EXAMPLES, 'policy.general.yaml'));
    if (!document.ok) throw new Error(document.problem.message);
    const input = document.data as { vouchers: Record<string, object> };
    const strict = parsePolicy({
      ...input,
      vouchers: { ...input.vouchers, PAYDAY50: { ...input.vouchers.PAYDAY50, stackable: false } },
    });
    const report = await replay(lines, { policy: strict });
    const stacked = incident(report, 'stacked-discounts');
    expect(stacked.recall).toBe(1);
    expect(stacked.firstHeldByRule.voucher_stacking).toBeDefined();
    // The code used alone, as every day, is not held for stacking.
    expect(stacked.legitHeld).toBeLessThanOrEqual(incident(plain, 'stacked-discounts').legitHeld);
  });

  it('holds none of the markdown once the shop declares it: a scheduled price change at its time, from the generator', async () => {
    const plan = markdownPlan(generator);
    const document = readDocument(join(EXAMPLES, 'policy.general.yaml'));
    if (!document.ok) throw new Error(document.problem.message);
    const input = document.data as { priceChanges?: unknown[] };
    const declared = parsePolicy({
      ...input,
      priceChanges: [
        ...(input.priceChanges ?? []),
        { sku: plan.sku.sku, at: new Date(plan.at).toISOString(), listPrice: { IDR: plan.price } },
      ],
    });
    const markdownOrders = incident(await replay(lines, { policy: declared }), 'markdown');
    expect(markdownOrders.legit).toBeGreaterThan(10);
    expect(markdownOrders.legitHeld).toBe(0);
  });

  it('holds none of the declared price increases, the public code launch or the bulk orders, and under 1% of the flash sale', () => {
    for (const name of ['price-increase', 'public-code-launch', 'bulk-orders']) {
      const legit = incident(plain, name);
      expect(legit.legit).toBeGreaterThan(0);
      expect({ name, held: legit.legitHeld }).toEqual({ name, held: 0 });
    }
    const flash = incident(plain, 'flash-sale');
    expect(flash.legit).toBeGreaterThan(100);
    expect(flash.legitHeld / flash.legit).toBeLessThan(0.01);
  });
});

describe('replay command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const stderr = jest.spyOn(console, 'error').mockImplementation((...args) => {
      err.push(args.join(' '));
    });
    return {
      out,
      err,
      restore: () => {
        stdout.mockRestore();
        stderr.mockRestore();
      },
    };
  };

  /** A small file: a good order, a glitch, a malformed line, and a voucher order the stricter policy holds. */
  const mixed = () => {
    const file = join(dir, 'mixed.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({
          ...order({ orderId: 'a', lines: [line('S1', 100_000)] }),
          timestamp: at(0),
          label: 'legit',
        }),
        JSON.stringify({
          ...order({ orderId: 'b', lines: [line('S1', 100_000, 100_000)] }),
          timestamp: at(1),
          label: 'glitch',
        }),
        '{oops',
        JSON.stringify({
          ...order({
            orderId: 'c',
            paymentMethod: 'qris',
            lines: [line('S2', 200_000)],
            vouchers: [{ code: 'BANKX100K', discount: 100_000 }],
          }),
          timestamp: at(2),
          label: 'glitch',
        }),
      ].join('\n'),
    );
    return file;
  };
  const policyFile = (name: string, policy: object) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(policy));
    return file;
  };

  it('--skip-invalid counts the malformed line and goes on; without it the replay stops there (exit 1)', async () => {
    const file = mixed();
    let io = capture();
    expect(await runReplayCli([file])).toBe(1);
    io.restore();
    expect(io.err.join('\n')).toContain('line 3 is not a valid order');
    io = capture();
    expect(await runReplayCli([file, '--skip-invalid'])).toBe(0);
    io.restore();
    expect(io.out.join('')).toContain('Skipped 1 invalid lines (first 1):\n  line 3: (root): is not JSON');
  });

  it('--baseline shows the orders whose decision changes, with --examples of each', async () => {
    const file = mixed();
    const current = policyFile('current.json', { vouchers: { BANKX100K: {} } });
    const next = policyFile('next.json', { vouchers: { BANKX100K: { paymentMethods: ['card:bank-x*'] } } });
    const io = capture();
    expect(
      await runReplayCli([
        file,
        '--skip-invalid',
        '--config',
        next,
        '--baseline',
        current,
        '--examples',
        '1',
      ]),
    ).toBe(0);
    io.restore();
    const text = io.out.join('');
    expect(text).toContain(`Policy diff against ${current} (3 orders judged by both)`);
    expect(text).toMatch(/allow -> hold: 1 orders \(glitch 1\)\n {4}by rule: voucher_ineligible 1/);
    expect(text).toMatch(
      /first 1:\n {6}c at .* \(line 4; glitch\): Voucher BANKX100K is only for payment by CARD:BANK-X\*/,
    );
    expect(text).toContain('hold -> allow: 0 orders');
  });

  it('--map reads an export with other field names; a bad mapping exits 1 naming the field', async () => {
    const file = join(dir, 'export.ndjson');
    writeFileSync(
      file,
      `${JSON.stringify({ ...order({ orderId: 'x', lines: [line('S1', 100_000, 100_000)] }), created_at: at(0), verdict: 'fraud' })}\n`,
    );
    const map = policyFile('map.json', {
      fields: { timestamp: 'created_at', label: 'verdict' },
      labels: { fraud: 'glitch' },
    });
    let io = capture();
    expect(await runReplayCli([file, '--map', map, '--json'])).toBe(0);
    io.restore();
    expect(JSON.parse(io.out.join(''))).toMatchObject({ orders: 1, labels: { truePositives: 1 } });
    const bad = policyFile('bad-map.json', { fields: { timestmp: 'created_at' } });
    io = capture();
    expect(await runReplayCli([file, '--map', bad])).toBe(1);
    io.restore();
    expect(io.err.join('\n')).toMatch(
      /fields\.timestmp: is not a field of a replay line; did you mean "timestamp"\?/,
    );
  });

  it('refuses options that cannot work together (exit 2), and a Redis it cannot reach (exit 1)', async () => {
    const file = mixed();
    const saved = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    const io = capture();
    try {
      expect(await runReplayCli([file, '--store', 'disk'])).toBe(2);
      expect(await runReplayCli([file, '--store', 'redis'])).toBe(2);
      expect(await runReplayCli([file, '--redis-url', 'redis://127.0.0.1:6379'])).toBe(2);
      expect(await runReplayCli([file, '--examples', '3'])).toBe(2);
      expect(await runReplayCli([file, '--review-after', 'soon'])).toBe(2);
      expect(
        await runReplayCli([
          file,
          '--store',
          'redis',
          '--redis-url',
          'redis://127.0.0.1:1',
          '--skip-invalid',
        ]),
      ).toBe(1);
    } finally {
      io.restore();
      if (saved !== undefined) process.env.REDIS_URL = saved;
    }
    expect(io.err).toEqual([
      'replay: --store must be "memory" or "redis", got "disk"',
      'replay: --store redis needs --redis-url URL or REDIS_URL',
      'replay: --redis-url is for --store redis',
      'replay: --examples is for --baseline',
      'replay: --review-after must be a whole number, got "soon"',
      'replay: no --config given; replaying with the default policy (no campaigns, no voucher terms)',
      expect.stringMatching(/^replay: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/),
    ]);
  });

  it('shows a live progress line with the share of the file and the time left on a terminal', async () => {
    const file = join(dir, 'many.ndjson');
    const rows = Array.from({ length: 450 }, (_, i) =>
      JSON.stringify({
        ...order({ orderId: `p${i}`, lines: [line('S1', 100_000)] }),
        timestamp: Date.parse(at(0)) + i,
      }),
    );
    writeFileSync(file, `${rows.join('\n')}\n`);
    const written: string[] = [];
    const descriptor = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const now = jest.spyOn(Date, 'now');
    let clock = 1_000_000;
    now.mockImplementation(() => (clock += 150));
    const io = capture();
    try {
      expect(await runReplayCli([file])).toBe(0);
    } finally {
      io.restore();
      stderr.mockRestore();
      now.mockRestore();
      if (descriptor) Object.defineProperty(process.stderr, 'isTTY', descriptor);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
    const progress = written.filter((text) => text.startsWith('\rreplay: '));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatch(/^\rreplay: [\d,]+ orders, [\d.]+% of 0\.\d MB, [\d,]+\/s, ETA /);
    expect(written.at(-1)).toBe('\r\u001b[K');
  });

  it('reports progress every --progress-every orders when stderr is not a terminal', async () => {
    const file = mixed();
    const io = capture();
    expect(await runReplayCli([file, '--skip-invalid', '--progress-every', '2'])).toBe(0);
    io.restore();
    expect(io.err.filter((line) => /^replay: 2 orders \(\d+\/s\)$/.test(line))).toHaveLength(1);
  });

  it('prints the JSON report and exits 0', async () => {
    const file = join(dir, 'ok.ndjson');
    writeFileSync(
      file,
      `${JSON.stringify({ ...order({ orderId: 'a', lines: [line('S1', 100_000, 100_000)] }), timestamp: at(0), label: 'glitch' })}\n`,
    );
    const io = capture();
    const code = await runReplayCli([
      file,
      '--config',
      join(__dirname, '..', '..', 'examples', 'policy.default.yaml'),
      '--json',
    ]);
    io.restore();
    expect(code).toBe(0);
    const report = JSON.parse(io.out.join(''));
    expect(report).toMatchObject({ orders: 1, held: 1, labels: { truePositives: 1 } });
  });

  it('exits 1 naming the line for a malformed order, and 2 for bad usage', async () => {
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, `${JSON.stringify({ orderId: 'x', timestamp: at(0) })}\n`);
    let io = capture();
    expect(await runReplayCli([file])).toBe(1);
    io.restore();
    expect(io.err.join('\n')).toMatch(/line 1 is not a valid order[\s\S]*currency: is required/);
    io = capture();
    expect(await runReplayCli([file, '--bogus'])).toBe(2);
    expect(await runReplayCli([])).toBe(2);
    expect(await runReplayCli([join(dir, 'missing.ndjson')])).toBe(1);
    io.restore();
  });
});
