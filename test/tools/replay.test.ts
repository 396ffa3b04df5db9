// test/tools/replay.test.ts
// The replay engine: exact report numbers on hand-made streams, errors naming the line, and the acceptance run.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicyFile } from '../../src/config/policy-file';
import { parsePolicy } from '../../src/core/policy';
import { formatReport, ReplayLineError, replay } from '../../src/tools/replay';
import { runReplayCli } from '../../src/tools/replay-cli';
import { DAYS, ScenarioGenerator, toNdjson } from '../../src/tools/scenarios';
import { line, order } from '../helpers/orders';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 10, 3, minute)).toISOString();
const ndjson = (rows: object[]) => rows.map((row) => JSON.stringify(row));

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
